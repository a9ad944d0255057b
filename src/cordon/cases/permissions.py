"""What each role may do: the one table every entry point (CLI, console, API) checks.

Roles nest: a senior moderator may do what a moderator may, an admin everything. The
law-enforcement liaison is a side branch: holds, escalations and evidence packets, and
reading cases, but not deciding them."""

from __future__ import annotations

from enum import StrEnum

from cordon.domain import Actor, Role
from cordon.errors import CordonError


class Permission(StrEnum):
    VIEW_CASES = "view_cases"
    CLAIM = "claim"
    DECIDE = "decide"
    ESCALATE = "escalate"
    BULK_DECIDE = "bulk_decide"
    DECIDE_APPEAL = "decide_appeal"
    # Claim and decide cases in the escalations queue (credible threats).
    REVIEW_ESCALATED = "review_escalated"
    WATCH = "watch"
    PRESERVE = "preserve"
    EXPORT_PACKET = "export_packet"
    VIEW_AUDIT = "view_audit"
    VIEW_REPORTS = "view_reports"
    MANAGE_USERS = "manage_users"
    MANAGE_POLICY = "manage_policy"


_MODERATOR = frozenset({
    Permission.VIEW_CASES, Permission.CLAIM, Permission.DECIDE, Permission.ESCALATE,
    Permission.PRESERVE, Permission.VIEW_AUDIT, Permission.VIEW_REPORTS,
})
_SENIOR = _MODERATOR | {Permission.BULK_DECIDE, Permission.DECIDE_APPEAL, Permission.REVIEW_ESCALATED}
_LIAISON = frozenset({
    Permission.VIEW_CASES, Permission.ESCALATE, Permission.WATCH, Permission.PRESERVE,
    Permission.EXPORT_PACKET, Permission.VIEW_AUDIT, Permission.VIEW_REPORTS,
})

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.MODERATOR: _MODERATOR,
    Role.SENIOR_MODERATOR: _SENIOR,
    Role.LE_LIAISON: _LIAISON,
    Role.ADMIN: frozenset(Permission),
}


class PermissionDenied(CordonError):
    """The actor's role does not allow the action."""


def can(role: Role, permission: Permission) -> bool:
    return permission in GRANTS[role]


def require(actor: Actor, permission: Permission) -> None:
    if not can(actor.role, permission):
        raise PermissionDenied(f"{actor.name} ({actor.role.value}) may not {permission.value.replace('_', ' ')}")
