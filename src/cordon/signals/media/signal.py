"""The known-media signal: a post's picture is on a hash list (PDQ within 31 bits, or the same
MD5), with the hash, the distance, the list and its label as evidence.

Matching is kept apart from hashing (as in python-threatexchange): this module looks up
hashes that ingest or `cordon hash` computed, through the index in index.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from cordon.domain import Evidence, SubjectKind, SubjectRef
from cordon.domain.lists import ListEntry
from cordon.signals.base import Score, Signal
from cordon.signals.media.guesses import GuessedHash, search_guessed
from cordon.signals.media.index import DEFAULT_RADIUS, Md5Index, build_pdq_index

PDQ_HEX = 64
MD5_HEX = 32
_HEX = frozenset("0123456789abcdef")


def hash_kind(value: str) -> str | None:
    """'pdq' or 'md5' for a hex digest of that length, else None."""
    v = value.strip().lower()
    if not _HEX.issuperset(v):
        return None
    return {PDQ_HEX: "pdq", MD5_HEX: "md5"}.get(len(v))


@dataclass(frozen=True, slots=True)
class HashMatch:
    query: str  # the hash looked up (lower-case hex)
    list_name: str
    entry: ListEntry
    distance: int  # Hamming bits for PDQ, 0 for MD5
    #: For a guessed query (guesses.GuessedHash) matched by the relaxed rule: its variant's
    #: name and how many of its sure bits differ. None for a match within the plain radius.
    guess: tuple[str, int] | None = None


class HashMatcher:
    """Every PDQ and MD5 entry of some lists, indexed. Built once, then queried in batches."""

    def __init__(self, entries: Iterable[tuple[str, ListEntry]], radius: int = DEFAULT_RADIUS) -> None:
        self.radius = radius
        pdq: list[tuple[str, ListEntry]] = []
        md5: list[tuple[str, ListEntry]] = []
        for list_name, entry in entries:
            if entry.kind == "pdq":
                pdq.append((list_name, entry))
            elif entry.kind == "md5":
                md5.append((list_name, entry))
        self._pdq, self._md5 = pdq, md5
        self._pdq_index = build_pdq_index([e.value for _, e in pdq]) if pdq else None
        self._md5_index = Md5Index([e.value for _, e in md5]) if md5 else None

    def __len__(self) -> int:
        return len(self._pdq) + len(self._md5)

    def match(self, hashes: Sequence[str]) -> list[list[HashMatch]]:
        """For each hash (64-hex PDQ or 32-hex MD5; anything else matches nothing), its
        matches, nearest first."""
        out: list[list[HashMatch]] = [[] for _ in hashes]
        norm = [h.strip().lower() if isinstance(h, str) else "" for h in hashes]
        kinds = [hash_kind(h) for h in norm]
        for kind, index, entries in (("pdq", self._pdq_index, self._pdq), ("md5", self._md5_index, self._md5)):
            rows = [i for i, k in enumerate(kinds) if k == kind]
            if index is None or not rows:
                continue
            queries = [norm[i] for i in rows]
            hits = index.search(queries, self.radius) if kind == "pdq" else index.search(queries)
            for q, item, distance in zip(hits.query.tolist(), hits.item.tolist(), hits.distance.tolist(), strict=True):
                list_name, entry = entries[item]
                out[rows[q]].append(HashMatch(norm[rows[q]], list_name, entry, int(distance)))
        return out

    def match_guessed(self, guesses: Sequence[GuessedHash]) -> list[list[HashMatch]]:
        """For each guessed query hash, the PDQ entries it matches by the relaxed rule of
        guesses.py (within GUESS_RADIUS and at most GUESS_MAX_SURE sure bits apart), nearest
        first. One scan of the list for the whole batch."""
        out: list[list[HashMatch]] = [[] for _ in guesses]
        if self._pdq_index is None or not guesses:
            return out
        hits = search_guessed(self._pdq_index, guesses)
        for q, item, distance in zip(hits.query.tolist(), hits.item.tolist(), hits.distance.tolist(), strict=True):
            g = guesses[q]
            list_name, entry = self._pdq[item]
            guess = (g.variant, g.sure_distance(entry.value))
            out[q].append(HashMatch(g.hex, list_name, entry, int(distance), guess))
        return out


class MediaMatchSignal(Signal):
    """A post whose media is on a hash list. A match within PDQ's threshold is as strong a
    signal as a platform has (lists are curated by people who saw the content), so it scores
    near 1; nearer matches a little higher, so the reviewer sees the closest first."""

    name: ClassVar[str] = "media.hash"
    applies_to: ClassVar[SubjectKind] = SubjectKind.POST

    def __init__(self, matcher: HashMatcher | Iterable[tuple[str, ListEntry]]) -> None:
        self.matcher = matcher if isinstance(matcher, HashMatcher) else HashMatcher(matcher)

    def match_many(self, items: Sequence[tuple[Sequence[str], SubjectRef]]) -> list[tuple[Evidence, ...]]:
        """Evidence for each (media hashes, post) pair; one batch lookup for all of them."""
        flat = [(k, h) for k, (hashes, _) in enumerate(items) for h in hashes]
        found = self.matcher.match([h for _, h in flat]) if flat and len(self.matcher) else []
        out: list[list[Evidence]] = [[] for _ in items]
        for (k, _), matches in zip(flat, found, strict=False):
            out[k].extend(self._evidence(m, items[k][1]) for m in matches)
        return [tuple(sorted(ev, key=lambda e: -e.score)) for ev in out]

    def score(self, hashes: Sequence[str], subject: SubjectRef) -> Score:
        evidence = self.match_many([(hashes, subject)])[0]
        return Score(max((e.score for e in evidence), default=0.0), evidence)

    @staticmethod
    def match_score(distance: int) -> float:
        # 1.0 for the same picture, 0.969 at the threshold: every match stays above the 0.95
        # that automatic suspension needs.
        return round(1.0 - distance / 1000.0, 4)

    def _evidence(self, m: HashMatch, subject: SubjectRef) -> Evidence:
        label = f" ({m.entry.label})" if m.entry.label else ""
        how = "same MD5" if m.entry.kind == "md5" else f"PDQ {m.distance} bits away"
        return Evidence(
            signal=self.name, subject=subject, score=self.match_score(m.distance),
            summary=f"media on list {m.list_name!r}{label}: {how}",
            detail={"hash": m.query, "kind": m.entry.kind, "matched": m.entry.value, "distance": m.distance,
                    "list": m.list_name, "label": m.entry.label,
                    "added_at": m.entry.added_at.isoformat() if m.entry.added_at else None},
        )

    def explain(self, evidence: Evidence) -> str:
        d = evidence.detail
        label = f", labelled '{d['label']}'" if d.get("label") else ""
        if d.get("kind") == "md5":
            return f"The post's media has MD5 {d.get('hash')}, which is on list '{d.get('list')}'{label}."
        return (f"The post's media has PDQ hash {d.get('hash')}, {d.get('distance')} of 256 bits from "
                f"{d.get('matched')} on list '{d.get('list')}'{label} (a match is 31 bits or fewer).")

