"""Twitter API v2 as twarc2 writes it: raw response pages, or twarc2's flattened tweets.

Two shapes share this module:

- a raw page, one API response a line: ``{"data": [...], "includes": {"users", "tweets",
  "media"}, "meta", "errors"}``. ``data`` holds tweets, or users for a user lookup, or one
  object for a single-tweet lookup or a filtered-stream message. Referenced tweets and the
  users behind them are looked up in ``includes``; raw mentions carry only a username, which
  is resolved to an id through ``includes.users``.
- a flattened tweet (``twarc2 flatten``), one tweet a line with ``author``, ``in_reply_to_user``
  and ``referenced_tweets[]`` inlined, and mentions expanded to full user objects.

Both yield the same records: an Account for every full user object seen, a Post for every
tweet (referenced tweets included), and the Interactions each tweet carries. Lines that are
not tweets or users (tweet counts, lists, compliance output, bare API errors) raise
RecordError with the reason, so the reader quarantines them.

This is the hot path of ingest, so it sticks to dict.get and plain loops.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from cordon.domain import Account, Interaction, InteractionKind, Post
from cordon.errors import RecordError
from cordon.ingest import fields as f
from cordon.ingest.records import Record

PLATFORM = "twitter"

_REPOST = InteractionKind.REPOST
_QUOTE = InteractionKind.QUOTE
_REPLY = InteractionKind.REPLY
_MENTION = InteractionKind.MENTION

_COMPLIANCE_KEYS = frozenset({"id", "action", "created_at", "reason", "redacted_at"})


def looks_twarc2(obj: Any) -> bool:
    """A raw v2 page, a bare v2 error, a flattened tweet or user, or a compliance line."""
    if not isinstance(obj, dict):
        return False
    if "account" in obj or "acct" in obj or "body" in obj:  # Mastodon entities and wrappers
        return False
    data = obj.get("data")
    if data is not None:
        return isinstance(data, (list, dict))
    if isinstance(obj.get("errors"), list):
        return True
    if "id" not in obj:
        return False
    if "text" in obj:
        return (
            "author_id" in obj
            or "author" in obj
            or "edit_history_tweet_ids" in obj
            or ("__twarc" in obj)
        )
    if "username" in obj:
        return "name" in obj and "display_name" not in obj
    return "action" in obj and obj.keys() <= _COMPLIANCE_KEYS


def parse(obj: Any) -> Iterator[Record]:
    """The records one line stands for: accounts first, then posts, then interactions.

    The whole line is checked before anything is returned, so a bad line raises RecordError
    here and yields nothing.
    """
    if not isinstance(obj, dict):
        raise RecordError(f"expected a JSON object, got {type(obj).__name__}")
    out: list[Record] = []
    data = obj.get("data")
    if data is not None:
        _page(obj, data, out)
    elif "errors" in obj:
        raise RecordError(f"API error: {_error_text(obj.get('errors'))}")
    elif "text" in obj or "author_id" in obj or "author" in obj:
        _flat_tweet(obj, out, set(), "")
    elif "username" in obj:
        out.append(_account(obj))
    elif "action" in obj:
        raise RecordError(
            f"twarc2 compliance record ({obj.get('action')} {obj.get('id')}, reason "
            f"{obj.get('reason')}): not a tweet or user"
        )
    else:
        keys = ", ".join(list(obj)[:6]) or "none"
        raise RecordError(f"twarc2: not a tweet, user or API response page (keys: {keys})")
    return iter(out)


# -- raw pages ---------------------------------------------------------------------------


def _page(obj: dict[str, Any], data: Any, out: list[Record]) -> None:
    if type(data) is dict:
        items: list[Any] = [data]
    elif type(data) is list:
        items = data
    else:
        raise RecordError(f"expected a list or an object, got {type(data).__name__}", "data")
    if not items:
        if obj.get("errors"):
            raise RecordError(f"API error: {_error_text(obj.get('errors'))}")
        return
    for i, item in enumerate(items):
        if type(item) is not dict:
            raise RecordError(f"expected an object, got {type(item).__name__}", f"data[{i}]")
    first = items[0]
    includes = obj.get("includes")
    if includes is None:
        includes = {}
    elif type(includes) is not dict:
        raise RecordError(f"expected an object, got {type(includes).__name__}", "includes")
    inc_users = _object_list(includes, "users")
    inc_tweets = _object_list(includes, "tweets")

    seen: set[str] = set()
    for i, user in enumerate(inc_users):
        account = _page_account(user, "includes.users", i)
        if account.id not in seen:
            seen.add(account.id)
            out.append(account)

    tweets = items
    if "text" not in first and "author_id" not in first:
        if "username" not in first:
            raise RecordError(_not_tweets(first))
        # A user lookup page; includes.tweets holds the users' pinned tweets.
        for i, user in enumerate(items):
            account = _page_account(user, "data", i)
            if account.id not in seen:
                seen.add(account.id)
                out.append(account)
        tweets = []

    # Who wrote each tweet on the page, for the edges of reposts, quotes and replies.
    authors: dict[str, str] = {}
    for t in inc_tweets:
        tid, aid = t.get("id"), t.get("author_id")
        if tid is not None and aid is not None:
            authors[str(tid)] = str(aid)
    for t in tweets:
        tid, aid = t.get("id"), t.get("author_id")
        if tid is not None and aid is not None:
            authors[str(tid)] = str(aid)
    # Raw mentions name a username; the mentioned users are in includes.users.
    by_username: dict[str, str] = {}
    for user in inc_users:
        name, uid = user.get("username"), user.get("id")
        if type(name) is str and uid is not None:
            by_username[name.lower()] = str(uid)

    data_ids = {str(t.get("id")) for t in tweets}
    for i, t in enumerate(inc_tweets):
        if str(t.get("id")) not in data_ids:
            _page_tweet(t, out, authors, by_username, "includes.tweets", i)
    for i, t in enumerate(tweets):
        _page_tweet(t, out, authors, by_username, "data", i)


def _page_account(user: dict[str, Any], where: str, i: int) -> Account:
    try:
        return _account(user)
    except RecordError as err:
        raise _within(err, f"{where}[{i}]") from None


def _page_tweet(
    t: dict[str, Any],
    out: list[Record],
    authors: dict[str, str],
    by_username: dict[str, str],
    where: str,
    i: int,
) -> None:
    try:
        _tweet(t, out, authors, by_username)
    except RecordError as err:
        raise _within(err, f"{where}[{i}]") from None


def _object_list(parent: dict[str, Any], field: str) -> list[dict[str, Any]]:
    value = parent.get(field)
    if value is None:
        return []
    if type(value) is not list or not all(type(v) is dict for v in value):
        raise RecordError("expected a list of objects", f"includes.{field}")
    return value


def _not_tweets(first: dict[str, Any]) -> str:
    if "tweet_count" in first and ("start" in first or "end" in first):
        return "twarc2 counts response: not a tweet or user"
    if "owner_id" in first or "member_count" in first or "follower_count" in first:
        return "twarc2 list response: not a tweet or user"
    if "media_key" in first:
        return "twarc2 media response: not a tweet or user"
    keys = ", ".join(list(first)[:6]) or "none"
    return f"twarc2 page whose data are not tweets or users (keys: {keys})"


def _error_text(errors: Any) -> str:
    if type(errors) is not list or not errors:
        return "an error response without details"
    first = errors[0]
    if type(first) is dict:
        title = first.get("title") or first.get("type") or "error"
        detail = first.get("detail") or first.get("message") or ""
        text = f"{title}: {detail}" if detail else str(title)
    else:
        text = str(first)
    if len(errors) > 1:
        text += f" (and {len(errors) - 1} more)"
    return text


# -- flattened tweets --------------------------------------------------------------------


def _flat_tweet(t: dict[str, Any], out: list[Record], seen: set[str], where: str) -> None:
    """A flattened tweet: its inlined users, its inlined referenced tweets, then itself.

    ``where`` is the path of a nested tweet ("referenced_tweets[0].") for error messages.
    """
    get = t.get
    author = get("author")
    if author:
        _add_user(author, out, seen, where, "author")
    reply_user = get("in_reply_to_user")
    if reply_user:
        _add_user(reply_user, out, seen, where, "in_reply_to_user")
    refs = get("referenced_tweets")
    authors: dict[str, str] = {}
    if refs:
        if type(refs) is not list:
            raise RecordError(
                f"expected a list, got {type(refs).__name__}", f"{where}referenced_tweets"
            )
        for i, ref in enumerate(refs):
            if type(ref) is not dict:
                raise RecordError("expected an object", f"{where}referenced_tweets[{i}]")
            rid = ref.get("id")
            aid = ref.get("author_id")
            if aid is None:
                ref_author = ref.get("author")
                if type(ref_author) is dict:
                    aid = ref_author.get("id")
            if rid is not None and aid is not None:
                authors[str(rid)] = str(aid)
            # A referenced tweet that was returned is inlined whole; one that was deleted or
            # withheld is just {"type", "id"}.
            if "text" in ref:
                _flat_tweet(ref, out, seen, f"{where}referenced_tweets[{i}].")
    ent = get("entities")
    if ent and type(ent) is dict:
        mentions = ent.get("mentions")
        if mentions and type(mentions) is list:
            for m in mentions:
                # A mention expanded to a full user object (it has the user's name).
                if type(m) is dict and "name" in m and "id" in m:
                    _add_user(m, out, seen, where, "entities.mentions")
    try:
        _tweet(t, out, authors, None)
    except RecordError as err:
        if where:
            raise _within(err, where[:-1]) from None
        raise


def _add_user(user: Any, out: list[Record], seen: set[str], where: str, field: str) -> None:
    if type(user) is not dict:
        raise RecordError(f"expected an object, got {type(user).__name__}", where + field)
    uid = user.get("id")
    if type(uid) is str and uid in seen:
        return
    try:
        account = _account(user)
    except RecordError as err:
        raise _within(err, where + field) from None
    seen.add(account.id)
    out.append(account)


def _within(err: RecordError, where: str) -> RecordError:
    """The same error, with its field named from the top of the line."""
    return RecordError(err.reason, f"{where}.{err.field}" if err.field else where)


# -- tweets and users --------------------------------------------------------------------


def _tweet(
    t: dict[str, Any],
    out: list[Record],
    authors: dict[str, str],
    by_username: dict[str, str] | None,
) -> None:
    """A Post for the tweet and the Interactions it carries, appended to out."""
    get = t.get
    tid = get("id")
    if type(tid) is not str or not tid:
        tid = f.require_id(t, "id")
    author_id = get("author_id")
    if type(author_id) is not str or not author_id:
        author_id = f.optional_id(t, "author_id")
        if author_id is None:
            author = get("author")
            if type(author) is not dict:
                raise RecordError("missing id", "author_id")
            try:
                author_id = f.require_id(author, "id")
            except RecordError as err:
                raise _within(err, "author") from None
    created = get("created_at")
    created_at = _fromiso(created) if type(created) is str and created[-1:] == "Z" else None
    if created_at is None and created is not None:
        created_at = f.timestamp(t, "created_at")
    text = get("text")
    if type(text) is not str:
        text = f.text(t, "text")
    lang = get("lang")
    if lang is not None and type(lang) is not str:
        raise RecordError(f"expected text, got {type(lang).__name__}", "lang")

    urls: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    ent = get("entities")
    if ent:
        if type(ent) is not dict:
            raise RecordError(f"expected an object, got {type(ent).__name__}", "entities")
        value = ent.get("urls")
        if value:
            urls = _urls(value)
        value = ent.get("hashtags")
        if value:
            hashtags = _hashtags(value)
        value = ent.get("mentions")
        if value:
            mentions = _mentions(value, by_username)

    reply_to = repost_of = quote_of = None
    edges: list[tuple[InteractionKind, str]] = []
    refs = get("referenced_tweets")
    if refs:
        if type(refs) is not list:
            raise RecordError(f"expected a list, got {type(refs).__name__}", "referenced_tweets")
        for i, ref in enumerate(refs):
            if type(ref) is not dict:
                raise RecordError("expected an object", f"referenced_tweets[{i}]")
            rid = ref.get("id")
            if type(rid) is not str or not rid:
                try:
                    rid = f.require_id(ref, "id")
                except RecordError as err:
                    raise _within(err, f"referenced_tweets[{i}]") from None
            kind = ref.get("type")
            target = authors.get(rid)
            if kind == "retweeted":
                repost_of = rid
                if target is not None:
                    edges.append((_REPOST, target))
            elif kind == "quoted":
                quote_of = rid
                if target is not None:
                    edges.append((_QUOTE, target))
            elif kind == "replied_to":
                reply_to = rid
                if target is None:
                    target = f.optional_id(t, "in_reply_to_user_id")
                if target is not None:
                    edges.append((_REPLY, target))
            else:
                raise RecordError(
                    f"unknown reference type {kind!r}; expected retweeted, quoted or replied_to",
                    f"referenced_tweets[{i}].type",
                )
    elif "in_reply_to_user_id" in t:
        # A reply whose referenced_tweets field was not requested still names the user.
        target = f.optional_id(t, "in_reply_to_user_id")
        if target is not None:
            edges.append((_REPLY, target))

    out.append(
        Post(
            PLATFORM,
            tid,
            author_id,
            text,
            created_at,
            lang if lang and lang != "und" else None,
            urls,
            (),
            reply_to,
            repost_of,
            quote_of,
            mentions,
            hashtags,
        )
    )
    # Self-replies (threads) and self-mentions say nothing about the network: no edge.
    for kind, target in edges:
        if target != author_id:
            out.append(Interaction(PLATFORM, kind, author_id, target, created_at, tid))
    for target in mentions:
        if target != author_id:
            out.append(Interaction(PLATFORM, _MENTION, author_id, target, created_at, tid))


def _entity_texts(
    value: Any, field: str, key: str, fallback: str | None = None, lower: bool = False
) -> tuple[str, ...]:
    """The distinct texts of a list of entity objects (urls, hashtags), in order: each one's
    `key`, else its `fallback`, checked, every failure naming its field. (Plain lookups, no
    generator: this runs for most tweets.)"""
    if type(value) is not list:
        raise RecordError(f"expected a list, got {type(value).__name__}", field)
    found: list[str] = []
    for entity in value:
        if type(entity) is not dict:
            raise RecordError("expected a list of objects", field)
        text = entity.get(key)
        if not text and fallback is not None:
            text = entity.get(fallback)
        if not text:
            continue
        if type(text) is not str:
            raise RecordError(f"expected text, got {type(text).__name__}", f"{field}.{key}")
        if lower:
            text = text.lower()
        if text not in found:
            found.append(text)
    return tuple(found)


def _urls(value: Any) -> tuple[str, ...]:
    # The expanded URL where twarc2 has it, not the t.co wrapper.
    return _entity_texts(value, "entities.urls", "expanded_url", "url")


def _hashtags(value: Any) -> tuple[str, ...]:
    return _entity_texts(value, "entities.hashtags", "tag", lower=True)


def _mentions(value: Any, by_username: dict[str, str] | None) -> tuple[str, ...]:
    if type(value) is not list:
        raise RecordError(f"expected a list, got {type(value).__name__}", "entities.mentions")
    found: list[str] = []
    for m in value:
        if type(m) is not dict:
            raise RecordError("expected a list of objects", "entities.mentions")
        uid = m.get("id")
        if uid is None:
            if by_username is None:
                continue
            name = m.get("username")
            uid = by_username.get(name.lower()) if type(name) is str else None
            if uid is None:  # a suspended or deleted user: the API returned no user object
                continue
        elif type(uid) is not str:
            if type(uid) is not int:
                raise RecordError(
                    f"expected a string id, got {type(uid).__name__}", "entities.mentions.id"
                )
            uid = str(uid)
        if uid and uid not in found:
            found.append(uid)
    return tuple(found)


def _account(u: dict[str, Any]) -> Account:
    """A v2 user object. The API says nothing of suspension here, so status stays ACTIVE."""
    get = u.get
    uid = get("id")
    if type(uid) is not str or not uid:
        uid = f.require_id(u, "id")
    handle = get("username")
    if (type(handle) is not str or not handle) and not f.text(u, "username"):
        raise RecordError("missing username", "username")
    name = get("name", "")
    if type(name) is not str:
        name = f.text(u, "name")
    bio = get("description", "")
    if type(bio) is not str:
        bio = f.text(u, "description")
    location = get("location", "")
    if type(location) is not str:
        location = f.text(u, "location")
    created = get("created_at")
    created_at = _fromiso(created) if type(created) is str and created[-1:] == "Z" else None
    if created_at is None and created is not None:
        created_at = f.timestamp(u, "created_at")
    metrics = get("public_metrics")
    if metrics is None:
        followers = following = posts = None
    elif type(metrics) is dict:
        followers = metrics.get("followers_count")
        following = metrics.get("following_count")
        posts = metrics.get("tweet_count")
        if type(followers) is not int or type(following) is not int or type(posts) is not int:
            try:
                followers = f.optional_int(metrics, "followers_count")
                following = f.optional_int(metrics, "following_count")
                posts = f.optional_int(metrics, "tweet_count")
            except RecordError as err:
                raise _within(err, "public_metrics") from None
    else:
        raise RecordError(f"expected an object, got {type(metrics).__name__}", "public_metrics")
    return Account(
        PLATFORM, uid, handle, name, bio, location, created_at, followers, following, posts
    )


def _fromiso(value: str) -> datetime | None:
    """twarc2's usual '2021-04-08T15:07:30.000Z', fast; None sends it to fields.timestamp."""
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
