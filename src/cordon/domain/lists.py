"""Match lists: known terrorist media hashes and propaganda links, with where each came from.

A list is imported from its owner's file (a ThreatExchange/HMA export, a hash-per-line file, a
URL list) under a name. Each entry keeps its label and the time the owner says it was added.
A reviewer may mark an entry a false positive: it stops matching, and the marks can be sent
back to the list's owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

#: What an entry holds. pdq: 64 hex digits (256-bit PDQ); md5: 32 hex digits; url: a
#: normalised URL matched exactly; url_prefix: a normalised URL prefix; host: a host,
#: matching itself and its subdomains.
LIST_KINDS = ("pdq", "md5", "url", "url_prefix", "host")
HASH_KINDS = ("pdq", "md5")
LINK_KINDS = ("url", "url_prefix", "host")


@dataclass(frozen=True, slots=True)
class ListEntry:
    kind: str
    #: Normalised: lower-case hex for hashes, normalised URL or host for links.
    value: str
    label: str = ""
    #: When the list's owner says the entry was added (UTC), where the file says.
    added_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class MatchListInfo:
    name: str
    #: The kinds of entry the list holds, sorted.
    kinds: tuple[str, ...]
    #: Who the list comes from (an owner, a URL, a file name).
    source: str
    description: str
    imported_at: datetime
    entries: int
    false_positives: int


@dataclass(frozen=True, slots=True)
class FalsePositive:
    """A reviewer's mark on one entry of one list: it matched content that is not what the
    list says. A marked entry no longer matches."""

    list_name: str
    kind: str
    value: str
    reason: str
    marked_by: str
    marked_at: datetime
