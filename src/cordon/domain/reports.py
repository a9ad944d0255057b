"""A user's report of a policy violation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cordon.domain.subjects import SubjectRef


@dataclass(slots=True)
class Report:
    platform: str
    id: str
    reporter_id: str
    subject: SubjectRef
    # A short category: violent_threat, terrorism, hate, spam, other, ...
    reason: str
    text: str = ""
    created_at: datetime | None = None
