"""What a decision is about: an account or a post, on one platform."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SubjectKind(StrEnum):
    ACCOUNT = "account"
    POST = "post"


@dataclass(frozen=True, slots=True)
class SubjectRef:
    """A pointer to an account or a post. Its string form is stable and used as a key."""

    kind: SubjectKind
    platform: str
    id: str

    def __str__(self) -> str:
        return f"{self.kind.value}/{self.platform}/{self.id}"

    @classmethod
    def parse(cls, text: str) -> SubjectRef:
        kind, platform, ident = text.split("/", 2)
        return cls(SubjectKind(kind), platform, ident)

    @classmethod
    def account(cls, platform: str, ident: str) -> SubjectRef:
        return cls(SubjectKind.ACCOUNT, platform, ident)

    @classmethod
    def post(cls, platform: str, ident: str) -> SubjectRef:
        return cls(SubjectKind.POST, platform, ident)
