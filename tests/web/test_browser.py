"""The console in a real browser: Debian's Chromium, driven by Playwright, against uvicorn on
a free port. The hostile account's payloads must stay inert (no script runs, no dialog
opens), and no request may leave 127.0.0.1. Screenshots of the key pages go to a temporary
folder, or to docs/screenshots/ with CORDON_UPDATE_SCREENSHOTS=1 (a test run never changes the
repository's files otherwise)."""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import uvicorn
from conftest_helpers import chromium_or_skip
from webkit import HOSTILE, PASSWORD, USERS

from cordon.domain import AccountStatus, Role
from cordon.web import create_app

DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SHOTS = DOCS_SHOTS if os.environ.get("CORDON_UPDATE_SCREENSHOTS") == "1" else Path(tempfile.mkdtemp(prefix="cordon-shots-"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
         "--no-first-run", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def store(tmp_path):
    """One backend is enough for the browser: the pages are the same on both."""
    from cordon.store.sql import SqlStore

    s = SqlStore(f"sqlite:///{tmp_path / 'browser.sqlite'}")
    yield s
    s.close()


@pytest.fixture
def server(store, world, settings):
    port = _free_port()
    config = uvicorn.Config(create_app(store, settings), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture
def browser():
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        yield b
        b.close()


def _watched_page(browser, base: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: None if urlparse(r.url).hostname == "127.0.0.1" or r.url.startswith("data:")
            else outside.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return page, outside, dialogs


def _sign_in(page, base: str, role: Role) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", USERS[role])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/queue")


def test_hostile_account_is_inert_and_the_workflow_runs(server, browser, store):
    page, outside, dialogs = _watched_page(browser, server)
    _sign_in(page, server, Role.MODERATOR)
    page.screenshot(path=str(_shot("queue")))
    assert page.locator("tr.case-row").count() == 2

    # ? shows the list of shortcuts, Esc hides it.
    assert page.locator("#shortcuts").is_hidden()
    page.keyboard.press("?")
    assert page.locator("#shortcuts").is_visible() and "claim the selected case" in page.inner_text("#shortcuts")
    page.keyboard.press("Escape")
    assert page.locator("#shortcuts").is_hidden()

    # The keyboard: j selects the first row, Enter opens it (the riskiest: the hostile account).
    page.goto(f"{server}/queue?order=risk")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/cases/case-hostile")
    page.hover(".profile")
    page.hover(".bio")
    assert page.evaluate("window.__xss") is None
    assert page.locator("script").count() == 1  # the console's own
    assert "&lt;" not in page.inner_text(".bio") and "<script>window.__xss=1</script>" in page.inner_text(".bio")
    page.screenshot(path=str(_shot("account")), full_page=False)

    # Claim with c, suspend with s + reason + Ctrl+Enter.
    page.keyboard.press("c")
    page.wait_for_selector(".assignee")
    page.keyboard.press("s")
    page.keyboard.type("credible threat against a named person")
    page.fill("input[name=policy_clause]", "violent-threat-1")
    page.focus("textarea[name=reason]")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("text=decided")
    assert store.get_account(HOSTILE).status is AccountStatus.SUSPENDED

    page.goto(f"{server}/audit")
    assert "action_executed" in page.inner_text("table.audit")
    page.click("#verify-chain")  # the whole-log check runs on request only
    page.wait_for_url(f"{server}/audit/verify")
    assert page.inner_text("#verdict").lower().startswith("ok")
    page.screenshot(path=str(_shot("audit")))

    page.goto(f"{server}/cases/case-hostile")
    page.fill("form.appeal input[name=reason]", "the account holder appeals")
    page.click("#appeal-submit")
    page.wait_for_selector("text=appealed")

    # A senior moderator (not the first reviewer) overturns: the account is reinstated.
    page.context.clear_cookies()
    _sign_in(page, server, Role.SENIOR_MODERATOR)
    page.goto(f"{server}/cases/case-hostile")
    page.check("input[name=outcome][value=overturn]")
    page.fill("form.appeal-decision input[name=reason]", "satire, on a second look")
    page.click("#appeal-decide")
    page.wait_for_load_state()
    assert store.get_account(HOSTILE).status is AccountStatus.ACTIVE

    page.goto(f"{server}/dashboard")
    page.screenshot(path=str(_shot("dashboard")))
    assert page.evaluate("window.__xss") is None
    assert not dialogs, dialogs
    assert not outside, outside


def _shot(name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{name}.png"


def test_the_liaison_holds_an_account_and_downloads_a_packet(server, browser, store):
    page, outside, dialogs = _watched_page(browser, server)
    _sign_in(page, server, Role.LE_LIAISON)
    page.goto(f"{server}/accounts/twitter/666")
    page.fill("form.hold-place input[name=requesting_body]", "FBI JTTF")
    page.fill("form.hold-place input[name=expires]", "30d")
    page.fill("form.hold-place input[name=reason]", "live investigation")
    page.click("#place-hold")
    page.wait_for_selector("ul.holds li.hold")
    assert store.get_account(HOSTILE).status is AccountStatus.WATCHED

    page.fill("form.packet input[name=agency]", "FBI")
    page.fill("form.packet input[name=reason]", "a dated threat against a named person")
    page.click("#build-packet")
    page.wait_for_selector("ul.packets")
    with page.expect_download() as got:
        page.click("ul.packets a[href$='packet.html']")
    assert got.value.suggested_filename.endswith("-packet.html")
    page.goto(f"{server}/holds")
    page.screenshot(path=str(_shot("holds")))
    page.fill("form.lift input[name=reason]", "the investigation closed")
    page.click("form.lift button")
    page.wait_for_selector("text=No hold in force.")
    assert store.get_account(HOSTILE).status is AccountStatus.ACTIVE
    assert page.evaluate("window.__xss") is None
    assert not dialogs, dialogs
    assert not outside, outside
