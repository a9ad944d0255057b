"""What a signal saw: the spans, match or path behind a score, so a reviewer can check it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cordon.domain.subjects import SubjectRef


@dataclass(frozen=True, slots=True)
class Span:
    """Characters [start, end) of the subject's text, and why they matter."""

    start: int
    end: int
    label: str


@dataclass(frozen=True, slots=True)
class Evidence:
    signal: str
    subject: SubjectRef
    score: float
    summary: str
    spans: tuple[Span, ...] = ()
    # Signal-specific detail that must survive to the reviewer (hash and distance, rule, path).
    detail: dict[str, Any] = field(default_factory=dict)
