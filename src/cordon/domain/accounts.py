"""An account on a platform, as the platform last showed it to us."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cordon.domain.subjects import SubjectRef


class AccountStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    RESTRICTED = "restricted"
    # An intelligence or law-enforcement hold: the account stays up and is observed.
    WATCHED = "watched"
    DELETED = "deleted"


@dataclass(slots=True)
class Account:
    platform: str
    id: str
    handle: str
    display_name: str = ""
    bio: str = ""
    location: str = ""
    created_at: datetime | None = None
    followers_count: int | None = None
    following_count: int | None = None
    posts_count: int | None = None
    avatar_hash: str | None = None
    status: AccountStatus = AccountStatus.ACTIVE

    @property
    def ref(self) -> SubjectRef:
        return SubjectRef.account(self.platform, self.id)
