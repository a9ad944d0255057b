// The console's only script: keyboard shortcuts, reveal-on-click for matched media, and a
// confirmation before bulk decisions. No inline handlers anywhere (the CSP forbids them),
// and nothing here builds HTML from page text.
"use strict";

(function () {
  function typing(target) {
    return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
  }

  // Matched pictures: blurred and grey until the reviewer clicks one.
  document.addEventListener("click", function (event) {
    var img = event.target.closest && event.target.closest("img[data-reveal]");
    if (img) { img.classList.toggle("revealed"); }
  });

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });

  // The queue: j / k move the selection, Enter opens the case, c claims it.
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.case-row"));
  var selected = -1;
  function select(i) {
    if (!rows.length) { return; }
    if (selected >= 0) { rows[selected].classList.remove("selected"); }
    selected = Math.max(0, Math.min(rows.length - 1, i));
    rows[selected].classList.add("selected");
    rows[selected].scrollIntoView({block: "nearest"});
  }

  // The shortcut list: ? shows or hides it, Esc hides it. Its markup is the page's own
  // (base.html); this only flips its hidden attribute.
  var shortcuts = document.getElementById("shortcuts");
  function toggleShortcuts(show) {
    if (shortcuts) { shortcuts.hidden = !show; }
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-shortcuts]")) {
      event.preventDefault();
      toggleShortcuts(shortcuts && shortcuts.hidden);
    }
  });

  document.addEventListener("keydown", function (event) {
    if (shortcuts && !shortcuts.hidden && event.key === "Escape") { toggleShortcuts(false); return; }
    if (event.key === "?" && !typing(event.target) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      toggleShortcuts(shortcuts && shortcuts.hidden);
      return;
    }
    if (event.ctrlKey && event.key === "Enter" && typing(event.target)) {
      var form = event.target.form;
      if (form) { event.preventDefault(); form.requestSubmit(); }
      return;
    }
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (rows.length) {
      if (event.key === "j") { select(selected + 1); return; }
      if (event.key === "k") { select(selected - 1); return; }
      if (event.key === "Enter" && selected >= 0) { window.location.assign(rows[selected].getAttribute("data-href")); return; }
      if (event.key === "c" && selected >= 0) {
        var claim = rows[selected].querySelector("button.claim");
        if (claim) { claim.click(); }
        return;
      }
    }
    // The case page: a key named by data-key clicks its button, picks its decision, or
    // focuses its field; picking a decision moves on to the reason.
    var el = document.querySelector('[data-key="' + CSS.escape(event.key) + '"]');
    if (!el) { return; }
    event.preventDefault();
    if (el.type === "radio") {
      el.checked = true;
      var reason = el.form && el.form.querySelector("textarea[name=reason], input[name=reason]");
      if (reason) { reason.focus(); }
    } else if (el.tagName === "BUTTON") {
      el.click();
    } else {
      el.focus();
    }
  });
})();
