"""Link lists (known propaganda URLs, URL prefixes and hosts) and matching URLs against them.

A list file is read by the one list reader (cordon.signals.lists.read_list), limited to
link entries: one URL or host per line (``*`` at the end of a URL makes it a prefix), or a CSV
with a ``url``/``host`` column and optionally ``label``, ``type`` (url, url_prefix, host) and
``added_at`` columns.

Three rules, as an entry's kind says:
- ``url``: the normalised URL equals the entry;
- ``url_prefix``: the normalised URL starts with the entry (on the same host), or equals it
  without its trailing slash;
- ``host``: the URL's host is the entry or a subdomain of it (``cdn.justpaste.it`` for
  ``justpaste.it``), never a look-alike (``evil-justpaste.it.example.com``, ``notjustpaste.it``).

LinkMatcher looks each URL up in dicts: one per host suffix for hosts, one per URL for exact
entries, one per (host, prefix length) for prefixes; never a loop over the entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cordon.domain.lists import LINK_KINDS, ListEntry
from cordon.ingest.records import Quarantined
from cordon.signals.links.normalize import host_of, normalize_url
from cordon.signals.lists import read_list

#: How a URL matched: the kind of the entry.
RULES = LINK_KINDS


def read_link_list(path: str | Path, default_label: str = "") -> Iterator[ListEntry | Quarantined]:
    """URL, URL-prefix and host entries of a link-list file; bad lines as Quarantined."""
    return read_list(path, default_label, kinds=LINK_KINDS)


@dataclass(frozen=True, slots=True)
class LinkMatch:
    url: str  # as the post has it
    normalised: str
    entry: ListEntry
    rule: str  # url, url_prefix or host
    list_name: str = ""


class LinkMatcher:
    """Matches URLs against link-list entries. Built from ``(list_name, entry)`` pairs, as
    Store.list_entries gives them, or from bare entries (list name '')."""

    def __init__(self, entries: Iterable[tuple[str, ListEntry] | ListEntry] = ()) -> None:
        self._exact: dict[str, list[tuple[str, ListEntry]]] = {}
        self._hosts: dict[str, list[tuple[str, ListEntry]]] = {}
        # host -> prefix length -> prefix -> entries
        self._prefixes: dict[str, dict[int, dict[str, list[tuple[str, ListEntry]]]]] = {}
        # normalised prefix without its trailing slash -> entries ('a.org/x/' matches 'a.org/x')
        self._prefix_stems: dict[str, list[tuple[str, ListEntry]]] = {}
        self.size = 0
        for item in entries:
            list_name, entry = item if isinstance(item, tuple) else ("", item)
            self.add(list_name, entry)

    def add(self, list_name: str, entry: ListEntry) -> None:
        pair = (list_name, entry)
        if entry.kind == "url":
            self._exact.setdefault(entry.value, []).append(pair)
        elif entry.kind == "host":
            self._hosts.setdefault(entry.value, []).append(pair)
        elif entry.kind == "url_prefix":
            by_length = self._prefixes.setdefault(host_of(entry.value), {})
            by_length.setdefault(len(entry.value), {}).setdefault(entry.value, []).append(pair)
            if entry.value.endswith("/"):
                self._prefix_stems.setdefault(entry.value.rstrip("/"), []).append(pair)
        else:
            return  # hash entries are the media matchers' business
        self.size += 1

    def __len__(self) -> int:
        return self.size

    def match_one(self, url: str) -> list[LinkMatch]:
        """Every entry the URL matches; [] for a URL that does not normalise (it can match
        nothing)."""
        try:
            normalised = normalize_url(url)
        except ValueError:
            return []
        return self.match_normalised(normalised, url)

    def match_normalised(self, normalised: str, url: str | None = None) -> list[LinkMatch]:
        original = normalised if url is None else url
        out: list[LinkMatch] = []
        for list_name, entry in self._exact.get(normalised, ()):
            out.append(LinkMatch(original, normalised, entry, "url", list_name))
        host = host_of(normalised)
        by_length = self._prefixes.get(host)
        if by_length:
            for length, prefixes in by_length.items():
                for list_name, entry in prefixes.get(normalised[:length], ()) if length <= len(normalised) else ():
                    out.append(LinkMatch(original, normalised, entry, "url_prefix", list_name))
            for list_name, entry in self._prefix_stems.get(normalised, ()):
                out.append(LinkMatch(original, normalised, entry, "url_prefix", list_name))
        if self._hosts:
            labels = host.split(".")
            # An IP address matches only itself: its 'suffixes' are other networks' numbers.
            ip = host.startswith("[") or host.replace(".", "").isdigit()
            for i in range(1 if ip else len(labels)):
                for list_name, entry in self._hosts.get(".".join(labels[i:]), ()):
                    out.append(LinkMatch(original, normalised, entry, "host", list_name))
        return out

    def match(self, urls: Iterable[str]) -> list[LinkMatch]:
        """Matches of each URL, in order; a URL that is not a valid web URL is skipped."""
        out: list[LinkMatch] = []
        for url in urls:
            out.extend(self.match_one(url))
        return out
