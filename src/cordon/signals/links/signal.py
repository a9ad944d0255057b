"""The propaganda-link signal: a post that links to a URL, URL prefix or host on a link list."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from cordon.domain import Evidence, SubjectKind, SubjectRef
from cordon.domain.lists import ListEntry
from cordon.signals.base import Score, Signal
from cordon.signals.links.lists import LinkMatch, LinkMatcher

_RULE_WORDS = {"url": "the listed URL", "url_prefix": "a URL under the listed prefix", "host": "a listed host"}


class LinkSignal(Signal):
    """Matches a post's URLs (expanded, as ingest stores them) against link lists.

    Each match is one piece of evidence, scored by how much it says: the very URL on a list
    says the most, a URL under a listed prefix a little less, a page on a listed host (a
    paste site or file locker that also hosts other things) least."""

    name: ClassVar[str] = "links.propaganda"
    applies_to: ClassVar[SubjectKind] = SubjectKind.POST
    rule_scores: ClassVar[dict[str, float]] = {"url": 1.0, "url_prefix": 0.9, "host": 0.6}

    def __init__(self, matcher: LinkMatcher | Iterable[tuple[str, ListEntry] | ListEntry]) -> None:
        self.matcher = matcher if isinstance(matcher, LinkMatcher) else LinkMatcher(matcher)

    def match(self, post_urls: Iterable[str], subject: SubjectRef) -> tuple[Evidence, ...]:
        """Evidence for every (URL, list entry) match among the post's URLs, strongest first.
        URLs that are not web URLs are skipped, never raised."""
        seen: set[tuple[str, str, str, str]] = set()
        out: list[Evidence] = []
        for url in dict.fromkeys(post_urls):
            if not isinstance(url, str):
                continue
            for m in self.matcher.match_one(url):
                key = (m.normalised, m.list_name, m.entry.kind, m.entry.value)
                if key not in seen:
                    seen.add(key)
                    out.append(self._evidence(m, subject))
        out.sort(key=lambda e: -e.score)
        return tuple(out)

    def score(self, post_urls: Iterable[str], subject: SubjectRef) -> Score:
        evidence = self.match(post_urls, subject)
        return Score(max((e.score for e in evidence), default=0.0), evidence)

    def _evidence(self, m: LinkMatch, subject: SubjectRef) -> Evidence:
        where = f"list {m.list_name!r}" if m.list_name else "a link list"
        label = f" ({m.entry.label})" if m.entry.label else ""
        return Evidence(
            signal=self.name,
            subject=subject,
            score=self.rule_scores[m.rule],
            summary=f"links to {m.normalised}: {m.rule} match on {where}{label}",
            detail={
                "url": m.url,
                "normalised": m.normalised,
                "list": m.list_name,
                "label": m.entry.label,
                "rule": m.rule,
                "entry": m.entry.value,
                "added_at": m.entry.added_at.isoformat() if m.entry.added_at else None,
            },
        )

    def explain(self, evidence: Evidence) -> str:
        d = evidence.detail
        where = f"list '{d.get('list')}'" if d.get("list") else "a link list"
        label = f", labelled '{d['label']}'" if d.get("label") else ""
        return (
            f"The post links to {d.get('url')} (normalised {d.get('normalised')}), which is "
            f"{_RULE_WORDS.get(d.get('rule', ''), 'a match')} {d.get('entry')} on {where}{label}."
        )
