"""Mastodon REST API entities, as the server returns them.

A line holds one entity, a list of entities (a timeline), or a recorded response
``{"cassette", "index", "method", "path", "status", "body"}`` whose body is unwrapped (a
response that is not 2xx is quarantined). What maps:

- Status: a Post (text from the HTML content), its Account, and its edges: REPOST to the
  reblogged status's author (the reblogged status is a Post too), REPLY to
  ``in_reply_to_account_id``, QUOTE to a quoted status's author, MENTION for each mention.
- Account: an Account (``acct`` is the handle; the HTML note is the bio).
- Admin::Account: the Account inside it, with the moderation state the admin API shows
  (suspended; silenced or disabled → restricted).
- Admin::Report: a Report about the target account, with the reporter; plus the accounts and
  the reported statuses.
- Context: the statuses of ``ancestors`` and ``descendants``.

Anything else (an instance, a media attachment, an edit history, a user's own report without
a reporter, an empty object) raises RecordError saying what it is, so it is quarantined.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

from cordon.domain import (
    Account,
    AccountStatus,
    Interaction,
    InteractionKind,
    Post,
    Report,
    SubjectRef,
)
from cordon.errors import RecordError
from cordon.ingest import fields as f
from cordon.ingest.records import Record

PLATFORM = "mastodon"

_WRAPPER_KEYS = frozenset({"cassette", "index", "method", "path", "status", "body"})
_MEDIA_TYPES = frozenset({"image", "gifv", "video", "audio", "unknown"})


def looks_mastodon(obj: Any) -> bool:
    if isinstance(obj, list):
        return bool(obj) and looks_mastodon(obj[0])
    if not isinstance(obj, dict):
        return False
    if _is_wrapper(obj):
        return True
    kind = _kind(obj)
    return kind in ("status", "account", "admin account", "report", "context")


def parse(obj: Any) -> Iterator[Record]:
    """The records one line stands for. The whole line is checked before anything is returned."""
    out: list[Record] = []
    _entity(obj, out, set(), "")
    return iter(out)


# -- dispatch ----------------------------------------------------------------------------


def _is_wrapper(obj: dict[str, Any]) -> bool:
    return "body" in obj and "status" in obj and obj.keys() <= _WRAPPER_KEYS


def _kind(obj: dict[str, Any]) -> str:
    """What a Mastodon JSON object is, from the keys it carries."""
    if not obj:
        return "empty object"
    if "error" in obj and len(obj) <= 2:
        return "error"
    if "ancestors" in obj and "descendants" in obj:
        return "context"
    if "target_account" in obj:
        return "report"
    inner = obj.get("account")
    if isinstance(inner, dict):
        if "email" in obj or "ip" in obj or "ips" in obj or "confirmed" in obj:
            return "admin account"
        if "content" in obj or "text" in obj:
            if "id" in obj or "uri" in obj or "visibility" in obj:
                return "status"
            return "status edit"
        if "type" in obj and "created_at" in obj:
            return "notification"
    if "acct" in obj or ("username" in obj and "display_name" in obj):
        return "account"
    if (
        "configuration" in obj
        or ("domain" in obj and "title" in obj)
        or ("uri" in obj and "title" in obj and "version" in obj)
    ):
        return "instance"
    if obj.get("type") in _MEDIA_TYPES and ("url" in obj or "preview_url" in obj):
        return "media attachment"
    if "text" in obj and "spoiler_text" in obj:
        return "status source"
    if "url" in obj and "title" in obj and "type" in obj:
        return "preview card"
    if "following" in obj and "followed_by" in obj:
        return "relationship"
    return "object"


def _entity(obj: Any, out: list[Record], seen: set[str], where: str) -> None:
    if isinstance(obj, list) and where in ("", "body"):  # a timeline; never lists of lists
        for i, item in enumerate(obj):
            _entity(item, out, seen, f"{where}[{i}]")
        return
    if not isinstance(obj, dict):
        raise RecordError(
            f"expected a JSON object or list, got {type(obj).__name__}", where or None
        )
    if not where and _is_wrapper(obj):
        status = obj.get("status")
        if type(status) is not int or not 200 <= status < 300:
            raise RecordError(
                f"mastodon API error: HTTP {status} on {obj.get('method', '?')} "
                f"{obj.get('path', '?')}{_error_detail(obj.get('body'))}"
            )
        _entity(obj.get("body"), out, seen, "body")
        return
    kind = _kind(obj)
    try:
        if kind == "status":
            _status(obj, out, seen)
        elif kind == "account":
            _add_account(_account(obj), out, seen)
        elif kind == "admin account":
            _add_account(_admin_account(obj), out, seen)
        elif kind == "report":
            _report(obj, out, seen)
        elif kind == "context":
            for field in ("ancestors", "descendants"):
                statuses = obj.get(field) or []
                if not isinstance(statuses, list):
                    raise RecordError(f"expected a list, got {type(statuses).__name__}", field)
                for i, status in enumerate(statuses):
                    _nested(_status, status, out, seen, f"{field}[{i}]")
        elif kind == "error":
            raise RecordError(f"mastodon API error{_error_detail(obj)}")
        else:
            raise RecordError(f"mastodon {kind}: not an account, status or report")
    except RecordError as err:
        if not where:
            raise
        raise RecordError(err.reason, f"{where}.{err.field}" if err.field else where) from None


def _nested(fn: Any, obj: Any, out: list[Record], seen: set[str], where: str) -> Any:
    """fn(obj, ...) with errors naming the field from the top of the entity."""
    if not isinstance(obj, dict):
        raise RecordError(f"expected an object, got {type(obj).__name__}", where)
    try:
        return fn(obj, out, seen)
    except RecordError as err:
        raise RecordError(err.reason, f"{where}.{err.field}" if err.field else where) from None


def _error_detail(body: Any) -> str:
    if isinstance(body, dict):
        detail = body.get("error_description") or body.get("error")
        if detail:
            return f": {detail}"
    return ""


# -- entities ----------------------------------------------------------------------------


def _add_account(account: Account, out: list[Record], seen: set[str]) -> str:
    if account.id not in seen:
        seen.add(account.id)
        out.append(account)
    return account.id


def _account(a: dict[str, Any], status: AccountStatus | None = None) -> Account:
    if status is None:
        if a.get("suspended") is True:
            status = AccountStatus.SUSPENDED
        elif a.get("limited") is True or a.get("silenced") is True:
            status = AccountStatus.RESTRICTED
        else:
            status = AccountStatus.ACTIVE
    handle = f.text(a, "acct") or f.text(a, "username")
    if not handle:
        raise RecordError("missing acct and username", "acct")
    return Account(
        platform=PLATFORM,
        id=f.require_id(a, "id"),
        handle=handle,
        display_name=f.text(a, "display_name"),
        bio=html_to_text(f.text(a, "note"))[0],
        created_at=f.timestamp(a, "created_at"),
        followers_count=f.optional_int(a, "followers_count"),
        following_count=f.optional_int(a, "following_count"),
        posts_count=f.optional_int(a, "statuses_count"),
        status=status,
    )


def _admin_account(a: dict[str, Any]) -> Account:
    """An Admin::Account: the public Account inside it, with the admin-side moderation state."""
    inner = a.get("account")
    if not isinstance(inner, dict):
        raise RecordError("missing account", "account")
    if a.get("suspended") is True:
        status = AccountStatus.SUSPENDED
    elif a.get("silenced") is True or a.get("disabled") is True:
        status = AccountStatus.RESTRICTED
    else:
        status = None  # whatever the inner account says
    try:
        return _account(inner, status)
    except RecordError as err:
        raise RecordError(err.reason, f"account.{err.field}" if err.field else "account") from None


def _any_account(a: Any) -> Account:
    """An Account or an Admin::Account, whichever it is."""
    if not isinstance(a, dict):
        raise RecordError(f"expected an object, got {type(a).__name__}")
    if isinstance(a.get("account"), dict):
        return _admin_account(a)
    return _account(a)


def _report(r: dict[str, Any], out: list[Record], seen: set[str]) -> None:
    """An Admin::Report. A user's own report (POST /api/v1/reports) does not name the reporter."""
    if "account" not in r:
        raise RecordError(
            "mastodon report without a reporter (a user's own report from POST /api/v1/reports):"
            " ingest the admin API's reports (GET /api/v1/admin/reports) instead"
        )
    report_id = f.require_id(r, "id")
    target = _add_account(_field(_any_account, r, "target_account"), out, seen)
    reporter = _add_account(_field(_any_account, r, "account"), out, seen)
    statuses = r.get("statuses") or []
    if not isinstance(statuses, list):
        raise RecordError(f"expected a list, got {type(statuses).__name__}", "statuses")
    for i, status in enumerate(statuses):
        _nested(_status, status, out, seen, f"statuses[{i}]")
    out.append(
        Report(
            platform=PLATFORM,
            id=report_id,
            reporter_id=reporter,
            subject=SubjectRef.account(PLATFORM, target),
            reason=f.text(r, "category", "other") or "other",
            text=f.text(r, "comment"),
            created_at=f.timestamp(r, "created_at"),
        )
    )


def _field(fn: Any, parent: dict[str, Any], field: str) -> Any:
    try:
        return fn(parent.get(field))
    except RecordError as err:
        raise RecordError(err.reason, f"{field}.{err.field}" if err.field else field) from None


def _status(s: dict[str, Any], out: list[Record], seen: set[str]) -> str:
    """A Status as a Post with its edges; returns the author's id."""
    status_id = f.require_id(s, "id")
    author = _add_account(_field(_account, s, "account"), out, seen)
    created_at = f.timestamp(s, "created_at")
    edges: list[tuple[InteractionKind, str]] = []

    repost_of = None
    reblog = s.get("reblog")
    if reblog is not None:
        edges.append((InteractionKind.REPOST, _nested(_status, reblog, out, seen, "reblog")))
        repost_of = f.require_id(reblog, "id")

    quote_of = None
    quote = s.get("quote")
    if isinstance(quote, dict):
        quoted = quote.get("quoted_status")
        if isinstance(quoted, dict):  # Mastodon 4.4+: a Quote wrapping the quoted Status
            edges.append(
                (InteractionKind.QUOTE, _nested(_status, quoted, out, seen, "quote.quoted_status"))
            )
            quote_of = f.require_id(quoted, "id")
        elif "quoted_status_id" in quote:  # a ShallowQuote: only the id
            quote_of = f.optional_id(quote, "quoted_status_id")
        elif "account" in quote and "id" in quote:  # forks that inline the quoted Status
            edges.append((InteractionKind.QUOTE, _nested(_status, quote, out, seen, "quote")))
            quote_of = f.require_id(quote, "id")
    elif quote is not None:
        raise RecordError(f"expected an object, got {type(quote).__name__}", "quote")

    reply_to = f.optional_id(s, "in_reply_to_id")
    reply_account = f.optional_id(s, "in_reply_to_account_id")
    if reply_account is not None:
        edges.append((InteractionKind.REPLY, reply_account))

    if "content" in s:
        text, links = html_to_text(f.text(s, "content"))
    else:  # DELETE /api/v1/statuses/:id answers with the source text instead of the HTML
        text, links = f.text(s, "text"), []
    spoiler = f.text(s, "spoiler_text")
    if spoiler:
        text = f"{spoiler}\n\n{text}" if text else spoiler
    card = s.get("card")
    if isinstance(card, dict):
        card_url = card.get("url")
        if isinstance(card_url, str) and card_url and card_url not in links:
            links.append(card_url)

    mentions = _ids(s, "mentions", "id")
    hashtags: list[str] = []
    for name in _ids(s, "tags", "name"):
        tag = name.lower().lstrip("#")
        if tag and tag not in hashtags:
            hashtags.append(tag)

    out.append(
        Post(
            platform=PLATFORM,
            id=status_id,
            author_id=author,
            text=text,
            created_at=created_at,
            lang=f.text(s, "language") or None,
            urls=tuple(links),
            reply_to_id=reply_to,
            repost_of_id=repost_of,
            quote_of_id=quote_of,
            mentions=mentions,
            hashtags=tuple(hashtags),
        )
    )
    # Self-replies (threads) and self-mentions say nothing about the network: no edge.
    edges.extend((InteractionKind.MENTION, m) for m in mentions)
    for kind, target in edges:
        if target != author:
            out.append(Interaction(PLATFORM, kind, author, target, created_at, status_id))
    return author


def _ids(obj: dict[str, Any], field: str, key: str) -> tuple[str, ...]:
    """obj[field][*][key] as strings, in order, without repeats."""
    items = obj.get(field)
    if not items:
        return ()
    if not isinstance(items, list):
        raise RecordError(f"expected a list, got {type(items).__name__}", field)
    found: list[str] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise RecordError("expected a list of objects", field)
        try:
            value = f.require_id(item, key)
        except RecordError as err:
            raise RecordError(err.reason, f"{field}[{i}].{key}") from None
        if value not in found:
            found.append(value)
    return tuple(found)


# -- HTML --------------------------------------------------------------------------------


class _TextAndLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p":
            if self.parts:
                self.parts.append("\n\n")
        elif tag == "a":
            href = cls = None
            for name, value in attrs:
                if name == "href":
                    href = value
                elif name == "class":
                    cls = value
            if href and href not in self.links:
                classes = cls.split() if cls else ()
                if "mention" not in classes and "hashtag" not in classes:
                    self.links.append(href)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> tuple[str, list[str]]:
    """Mastodon's HTML as plain text (paragraphs apart by a blank line, <br> a newline), and the
    hrefs of its links other than mentions and hashtags."""
    if "<" not in html and "&" not in html:
        return html.strip(), []
    parser = _TextAndLinks()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts).strip(), parser.links
