"""URL and host normalisation, so that one link written many ways matches one list entry.

`normalize_url` gives ``host[:port]/path?query`` with no scheme:

- http, https, no scheme at all, and the defanged ``hxxp``/``hxxps`` of threat-intel lists are
  one and the same; ``tg://resolve?domain=x`` is ``t.me/x``; other schemes are a ValueError;
- the host is lower case, IDNA (punycode) encoded, without ``www.``, a trailing dot, user info
  or the default ports 80 and 443; ``[.]``/``(.)`` defanging is undone; a few hosts that are
  one site are folded into one (telegram.me → t.me, x.com → twitter.com, youtu.be/ID →
  youtube.com/watch?v=ID, ...);
- backslashes count as slashes, as browsers read them (``https://a.example\\@b.example`` is a
  link to a.example, not to b.example);
- the path keeps its case (paths are case-sensitive) except a Telegram username; dot segments
  and a trailing slash are removed; percent-encoding is made canonical (unreserved characters
  decoded, the rest encoded in upper-case hex, UTF-8 for non-ASCII);
- the fragment is dropped, except an old ``#!/`` route, which is the real path;
- tracking parameters (``utm_*``, ``fbclid``, ``gclid``, ``igshid``, ``si``, ``ref_src``, ...) are
  removed; the others are kept, sorted.

Anything that is not a web URL or a host raises ValueError with the reason; nothing else is
raised, so a batch can catch ValueError per URL and go on.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import parse_qsl, quote, unquote, unquote_to_bytes, urlsplit

MAX_URL_LENGTH = 8192

_WEB_SCHEMES = {"http", "https", "hxxp", "hxxps"}
# Characters left as they are in a path segment (RFC 3986 pchar minus '/', unreserved included).
_PATH_SAFE = "!$&'()*+,;=:@~-._"
# ... and in a query key or value ('&', '=', '+' and '#' would change its meaning).
_QUERY_SAFE = "!$'()*,;:@/?~-._"
_DEFANG = (("[.]", "."), ("(.)", "."), ("{.}", "."), ("[:]", ":"))
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_HOST_PORT = re.compile(r"^[^/?#:@]*:\d*(?:[/?#]|$)")
# Dropped everywhere: click ids and campaign tags that say who shared a link, not what it is.
_TRACKING = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
    "li_fat_id", "igshid", "igsh", "si", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok",
    "vero_id", "ref_src", "ref_url", "oly_anon_id", "oly_enc_id", "_ga", "_gl", "rb_clickid",
    "s_cid", "wickedid", "share_id", "utm",
})
_TRACKING_PREFIXES = ("utm_",)
# Dropped on one site only, where they are share markers (elsewhere 's' or 't' may matter).
_SITE_TRACKING = {
    "twitter.com": frozenset({"s", "t", "ref_src", "ref_url", "src"}),
    "youtube.com": frozenset({"feature", "pp", "ab_channel", "embeds_referring_euri"}),
    "facebook.com": frozenset({"mibextid", "rdid", "sfnsn", "__tn__", "__cft__[0]"}),
    "instagram.com": frozenset({"img_index", "utm_source"}),
}
# Hosts that are one site.
_HOST_ALIASES = {
    "telegram.me": "t.me",
    "telegram.dog": "t.me",
    "x.com": "twitter.com",
    "mobile.twitter.com": "twitter.com",
    "m.twitter.com": "twitter.com",
    "mobile.x.com": "twitter.com",
    "m.youtube.com": "youtube.com",
    "music.youtube.com": "youtube.com",
    "m.facebook.com": "facebook.com",
    "mbasic.facebook.com": "facebook.com",
    "web.facebook.com": "facebook.com",
    "m.vk.com": "vk.com",
}


def normalize_url(url: str) -> str:
    """The normalised form of a web URL (see the module's docstring); ValueError if it is not one."""
    if not isinstance(url, str):
        raise ValueError(f"not a URL: {type(url).__name__}")  # noqa: TRY004 - batches catch ValueError
    text = _clean(url)
    if not text:
        raise ValueError("empty URL")
    if len(text) > MAX_URL_LENGTH:
        raise ValueError(f"URL longer than {MAX_URL_LENGTH} characters")
    rest, telegram = _strip_scheme(text)
    if telegram is not None:
        return telegram
    try:
        parts = urlsplit("//" + rest.replace("\\", "/"))
        port = parts.port
    except ValueError as err:
        raise ValueError(f"malformed URL: {err}") from None
    host = _host(parts.hostname or "", url)
    path, query = parts.path, parts.query
    if parts.fragment.startswith("!"):  # an old '#!/' route is the real path
        route, _, route_query = parts.fragment[1:].partition("?")
        path = path.rstrip("/") + "/" + route.lstrip("/")
        query = "&".join(q for q in (query, route_query) if q)
    host = _HOST_ALIASES.get(host, host)
    segments = _segments(path)
    pairs = parse_qsl(query, keep_blank_values=True)
    host, segments, pairs = _site_rules(host, segments, pairs)
    site_tracking = _SITE_TRACKING.get(host, frozenset())
    pairs = sorted(
        (k, v) for k, v in pairs
        if not _is_tracking(k.lower()) and k.lower() not in site_tracking
    )
    out = host if port in (None, 80, 443) else f"{host}:{port}"
    if segments:
        out += "/" + "/".join(segments)
    if pairs:
        out += "?" + "&".join(f"{quote(k, safe=_QUERY_SAFE)}={quote(v, safe=_QUERY_SAFE)}" for k, v in pairs)
    return out


def normalize_host(text: str) -> str:
    """A host as a list names it: ``Example.COM``, ``www.example.com``, ``*.example.com``,
    ``.example.com`` or ``https://example.com/`` are all ``example.com``. A path, a query or a
    port is a ValueError: a host entry is the host, and nothing else."""
    if not isinstance(text, str):
        raise ValueError(f"not a host: {type(text).__name__}")  # noqa: TRY004 - as above
    value = _clean(text)
    for prefix in ("*.", "."):
        value = value.removeprefix(prefix)
    if not value:
        raise ValueError("empty host")
    normalised = normalize_url(value)
    host, sep, rest = normalised.partition("/")
    if "?" in host or sep and rest:
        raise ValueError(f"a host entry has no path or query: {text!r}")
    if ":" in host and not host.startswith("["):
        raise ValueError(f"a host entry has no port: {text!r}")
    return host


def host_of(normalised: str) -> str:
    """The host of a normalised URL, without its port."""
    end = len(normalised)
    for sep in "/?":
        i = normalised.find(sep)
        if i != -1:
            end = min(end, i)
    host = normalised[:end]
    if host.startswith("["):
        return host[: host.index("]") + 1]
    return host.partition(":")[0]


def _clean(text: str) -> str:
    # As browsers do: tabs and newlines anywhere are removed, and leading and trailing
    # control characters and spaces are stripped.
    text = text.replace("\t", "").replace("\r", "").replace("\n", "")
    text = text.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13"
                      "\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f \u00a0\u200b\ufeff")
    for fanged, plain in _DEFANG:
        text = text.replace(fanged, plain)
    return text


def _strip_scheme(text: str) -> tuple[str, str | None]:
    """What follows the scheme; or, for a Telegram deep link, the whole normalised URL."""
    if text.startswith("//"):
        return text[2:], None
    match = _SCHEME.match(text)
    if match is None:
        return text, None
    scheme = match.group(1).lower()
    after = text[match.end():]
    if after.startswith(("//", "\\\\", "/\\", "\\/")):
        if scheme in _WEB_SCHEMES:
            return after[2:], None
        if scheme == "tg":
            return "", _telegram_deep_link(after[2:])
        raise ValueError(f"not a web URL: scheme {scheme!r}")
    if _HOST_PORT.match(text):  # 'example.com:8080/path' is a host and a port, not a scheme
        return text, None
    if scheme in _WEB_SCHEMES:  # 'http:example.com', as some pastes have it
        return after.lstrip("/\\"), None
    if "." not in scheme:  # mailto:, javascript:, data:, about:, ...
        raise ValueError(f"not a web URL: scheme {scheme!r}")
    return text, None


def _telegram_deep_link(rest: str) -> str:
    action, _, query = rest.partition("?")
    params = dict(parse_qsl(query))
    if action.rstrip("/").lower() == "resolve" and params.get("domain"):
        return "t.me/" + quote(params["domain"].lower(), safe=_PATH_SAFE) + (
            f"/{quote(params['post'], safe=_PATH_SAFE)}" if params.get("post") else ""
        )
    if action.rstrip("/").lower() == "join" and params.get("invite"):
        return "t.me/+" + quote(params["invite"], safe=_PATH_SAFE)
    raise ValueError(f"unsupported Telegram link: tg://{rest}")


def _host(raw: str, url: str) -> str:
    if not raw:
        raise ValueError(f"no host in {url[:200]!r}")
    if raw.startswith("[") or ":" in raw:  # urlsplit hands back IPv6 without brackets
        try:
            return f"[{ipaddress.IPv6Address(raw.strip('[]')).compressed}]"
        except ValueError:
            raise ValueError(f"bad IPv6 host {raw!r}") from None
    host = unicodedata.normalize("NFKC", unquote(raw)).lower()
    for dot in ("\u3002", "\uff0e", "\uff61"):
        host = host.replace(dot, ".")
    host = host.rstrip(".")
    if not host:
        raise ValueError(f"no host in {url[:200]!r}")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as err:
            raise ValueError(f"bad international host {raw!r}: {err}") from None
    if len(host) > 253:
        raise ValueError("host longer than 253 characters")
    labels = host.split(".")
    if not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"bad host {raw!r}")
    if labels[0] == "www" and len(labels) > 2:
        host = host[4:]
    return host


def _segments(path: str) -> list[str]:
    out: list[str] = []
    for raw in path.split("/")[1:] if path.startswith("/") else path.split("/"):
        decoded = unquote_to_bytes(raw)
        if decoded in (b".", b".."):
            if decoded == b".." and out:
                out.pop()
            continue
        out.append(quote(decoded, safe=_PATH_SAFE))
    while out and out[-1] == "":  # a trailing slash
        out.pop()
    return out


def _is_tracking(key: str) -> bool:
    return key in _TRACKING or key.startswith(_TRACKING_PREFIXES)


def _site_rules(
    host: str, segments: list[str], pairs: list[tuple[str, str]]
) -> tuple[str, list[str], list[tuple[str, str]]]:
    if host == "t.me" and segments:
        if segments[0] == "s" and len(segments) > 1:  # the web preview of a channel
            segments = segments[1:]
        if segments[0] == "joinchat" and len(segments) > 1:  # the old form of an invite
            segments = ["+" + segments[1], *segments[2:]]
        elif not segments[0].startswith(("+", "%2B")):
            segments = [segments[0].lower(), *segments[1:]]  # usernames ignore case
    elif host == "twitter.com" and segments and segments[0] not in ("i", "search", "hashtag"):
        segments = [segments[0].lower(), *segments[1:]]  # so do Twitter handles
    elif host == "youtu.be" and segments:
        host, pairs = "youtube.com", [("v", unquote(segments[0])), *pairs]
        segments = ["watch"]
    return host, segments, pairs
