"""Domain objects: plain dataclasses, no I/O, importing nothing else of cordon's.

Everything else in cordon depends inward on this package.

Account, Post, Interaction and Report are plain slots dataclasses, not frozen ones: ingest
builds about seven of them per tweet, and a frozen dataclass's __init__ (object.__setattr__
per field) made parsing 30% slower (59k against 83k tweets/s, measured). Treat them as values
all the same: change one with dataclasses.replace, never in place. The small value types used
as keys (SubjectRef, Span, Evidence) stay frozen.
"""

from cordon.domain.accounts import Account, AccountStatus
from cordon.domain.actors import Actor, Role
from cordon.domain.actions import Action, ActionKind
from cordon.domain.cases import Case, CaseQuery, CaseState
from cordon.domain.events import EventName, ModerationEvent
from cordon.domain.evidence import Evidence, Span
from cordon.domain.interactions import Interaction, InteractionKind
from cordon.domain.lists import FalsePositive, ListEntry, MatchListInfo
from cordon.domain.posts import Post
from cordon.domain.reports import Report
from cordon.domain.risk import AccountRisk
from cordon.domain.subjects import SubjectKind, SubjectRef

__all__ = [
    "Account",
    "AccountRisk",
    "AccountStatus",
    "Actor",
    "Action",
    "ActionKind",
    "Case",
    "CaseQuery",
    "CaseState",
    "EventName",
    "Evidence",
    "FalsePositive",
    "Interaction",
    "InteractionKind",
    "ListEntry",
    "MatchListInfo",
    "ModerationEvent",
    "Post",
    "Report",
    "Role",
    "Span",
    "SubjectKind",
    "SubjectRef",
]
