"""What every ingest format yields: domain records, or a quarantined bad record."""

from __future__ import annotations

from dataclasses import dataclass

from cordon.domain import Account, Interaction, Post, Report

Record = Account | Post | Interaction | Report


@dataclass(frozen=True, slots=True)
class Quarantined:
    """A record that could not be ingested, kept whole so nothing is lost."""

    source: str
    line: int
    reason: str
    raw: bytes

    @property
    def location(self) -> str:
        return f"{self.source}:{self.line}"
