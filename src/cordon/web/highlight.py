"""Evidence spans as text segments, so a template can mark them without building markup:
each segment is plain text (escaped on output) and the label of the span it lies in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cordon.domain import Span


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    label: str | None = None


def segments(text: str, spans: Iterable[Span]) -> list[Segment]:
    """The text cut at the spans' edges. Spans are clamped to the text; where spans overlap
    they are merged, with their labels joined."""
    cuts = sorted(
        (max(0, s.start), min(len(text), s.end), s.label) for s in spans
        if min(len(text), s.end) > max(0, s.start)
    )
    merged: list[list] = []
    for start, end, label in cuts:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            if label not in merged[-1][2]:
                merged[-1][2].append(label)
        else:
            merged.append([start, end, [label]])
    out: list[Segment] = []
    at = 0
    for start, end, labels in merged:
        if start > at:
            out.append(Segment(text[at:start]))
        out.append(Segment(text[start:end], ", ".join(labels)))
        at = end
    if at < len(text) or not out:
        out.append(Segment(text[at:]))
    return out
