"""Who does something in cordon, and with which role. The roles follow a safety team's
hierarchy; what each may do is decided in one place (cordon.cases.permissions)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    MODERATOR = "moderator"
    # Appeals, bulk decisions, brigading reviews.
    SENIOR_MODERATOR = "senior_moderator"
    # Watch holds, law-enforcement escalations and evidence packets.
    LE_LIAISON = "le_liaison"
    # Users and policies; everything else too.
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Actor:
    """A person (or `policy:<rule>`, `cordon:<component>` for the machine) acting in a role.
    `str(actor)` is what the moderation log records as the event's actor."""

    name: str
    role: Role = Role.MODERATOR

    def __str__(self) -> str:
        return self.name
