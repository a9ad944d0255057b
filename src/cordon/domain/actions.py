"""What enforcement does to an account. Names follow Mastodon's admin account actions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cordon.domain.accounts import AccountStatus
from cordon.domain.subjects import SubjectRef


class ActionKind(StrEnum):
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    RESTRICT = "restrict"
    WATCH = "watch"
    PRESERVE = "preserve"
    ESCALATE = "escalate"

    @property
    def resulting_status(self) -> AccountStatus | None:
        """The account status the action leaves behind, or None when it leaves status alone."""
        return _STATUS_AFTER.get(self)


_STATUS_AFTER = {
    ActionKind.SUSPEND: AccountStatus.SUSPENDED,
    ActionKind.REINSTATE: AccountStatus.ACTIVE,
    ActionKind.RESTRICT: AccountStatus.RESTRICTED,
    ActionKind.WATCH: AccountStatus.WATCHED,
}


@dataclass(frozen=True, slots=True)
class Action:
    kind: ActionKind
    subject: SubjectRef
    actor: str
    reason: str
    case_id: str | None = None
    policy_clause: str | None = None
