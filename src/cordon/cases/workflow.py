"""Review: claim, decide, escalate, appeal and close cases, with a claim lock.

Every change is an event appended with `expect={case_id: case.last_seq}`: the store refuses
it (StoreConflict) when anything happened to the case since it was read, under the same
serialisation that orders the log. So of two reviewers who read a case and act on it at
once, exactly one's events land; the other gets CaseConflict and nothing of theirs is
written. A claim holds the case: only its holder decides, escalates, releases or closes it.
A decision on an unclaimed case claims it in the same append.

    open ─claim─► assigned ─release─► open
      │              │
      ├──escalate────┴──► escalated (queue 'escalations': senior moderators)
      │                        │
      └──────decide────────────┴──► decided ─(action)─► closed ─appeal─► appealed
                                                                          │
                                   closed ◄── uphold / overturn (reinstate) ┘

A decision's action runs through the executor after the decision is logged, and the case is
closed when it has run. A crash between the two leaves the case decided and not closed;
`finish` carries the action out (the executor skips one already done) and closes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cordon.cases.permissions import Permission, require
from cordon.cases.state import ESCALATIONS
from cordon.domain import Action, ActionKind, Actor, Case, CaseState, EventName, ModerationEvent
from cordon.domain.cases import CaseQuery
from cordon.enforce import Executor
from cordon.errors import CordonError, StoreConflict
from cordon.store import Store

#: What a reviewer may decide, and the action each carries out (None: none).
DECISIONS: dict[str, ActionKind | None] = {
    "suspend": ActionKind.SUSPEND,
    "restrict": ActionKind.RESTRICT,
    "no_action": None,
    "dismiss": None,
}
#: An appeal's outcome: the decision stands, or it is overturned and the account reinstated.
APPEAL_OUTCOMES = ("uphold", "overturn")
# Cases a bulk decision reads per page of the read model.
_PAGE = 1000
#: How old a decision must be before finish_interrupted takes it for one a crash cut short.
FINISH_GRACE = timedelta(minutes=5)


class CaseNotFound(CordonError):
    """No case has that id."""


class IllegalTransition(CordonError):
    """The case is not in a state that allows the change (decided already, not appealed...)."""


class CaseConflict(StoreConflict):
    """Someone else holds the case, or acted on it between reading and writing."""


@dataclass(frozen=True, slots=True)
class BulkResult:
    """What a bulk decision did: cases decided, cases that changed while it ran (left as they
    are), and cases it found that a decision does not apply to (decided, held by another)."""

    decided: int = 0
    changed: int = 0
    skipped: int = 0


def _now() -> datetime:
    return datetime.now(UTC)


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CordonError(f"{what} is required")
    return value.strip()


class CaseService:
    def __init__(self, store: Store, executor: Executor, clock: Callable[[], datetime] = _now) -> None:
        self.store = store
        self.executor = executor
        self.clock = clock

    # -- reads ---------------------------------------------------------------------------
    def case(self, case_id: str) -> Case:
        case = self.store.case(case_id)
        if case is None:
            raise CaseNotFound(f"no case {case_id!r}")
        return case

    # -- claim lock ----------------------------------------------------------------------
    def claim(self, case_id: str, actor: Actor) -> Case:
        """Hold a waiting case. Claiming one's own case again is a no-op."""
        require(actor, Permission.CLAIM)
        case = self.case(case_id)
        self._check_reviewer(case, actor)
        if case.assigned_to == actor.name:
            return case
        self._holdable(case, actor)
        return self._write(case, [self._event(EventName.ASSIGNED, case, actor, assignee=actor.name)])

    def release(self, case_id: str, actor: Actor) -> Case:
        """Give a claimed case back to its queue."""
        require(actor, Permission.CLAIM)
        case = self.case(case_id)
        if case.assigned_to != actor.name:
            raise IllegalTransition(f"case {case_id} is not claimed by {actor.name}")
        return self._write(case, [self._event(EventName.RELEASED, case, actor)])

    # -- decisions -----------------------------------------------------------------------
    def decide(self, case_id: str, actor: Actor, decision: str, policy_clause: str, reason: str) -> Case:
        """Decide a waiting case (claiming it if unclaimed), carry out its action, close it."""
        require(actor, Permission.DECIDE)
        kind = self._decision(decision)
        clause, reason = _text(policy_clause, "a policy clause"), _text(reason, "a reason")
        case = self.case(case_id)
        if case.state is CaseState.APPEALED:
            raise IllegalTransition(f"case {case_id} is under appeal: decide the appeal (uphold or overturn)")
        return self._decide(case, actor, decision, kind, clause, reason)

    def _decide(
        self, case: Case, actor: Actor, decision: str, kind: ActionKind | None, clause: str, reason: str,
    ) -> Case:
        self._check_reviewer(case, actor)
        events = [] if case.assigned_to == actor.name else [self._holdable(case, actor)]
        events.append(self._event(
            EventName.DECIDED, case, actor, reason, decision=decision, policy_clause=clause,
            decided_by=actor.name,
        ))
        decided = self._write(case, events)
        return self._carry_out(decided, actor, kind, reason)

    def _carry_out(self, case: Case, actor: Actor, kind: ActionKind | None, reason: str) -> Case:
        """The decision's action, then the close."""
        if kind is not None:
            self.executor.execute(
                Action(kind, case.subject, actor.name, reason, case.id, case.policy_clause)
            )
        return self._close(case.id, actor, f"decided: {case.decision}")

    def finish(self, case_id: str, actor: Actor) -> Case:
        """Complete a decision a crash interrupted: its action (skipped by the executor if
        done), then the close."""
        require(actor, Permission.DECIDE)
        case = self.case(case_id)
        if case.state is not CaseState.DECIDED:
            raise IllegalTransition(f"case {case_id} is {case.state.value}, not decided and waiting to close")
        kind = ActionKind.REINSTATE if case.decision == "overturn" else DECISIONS.get(case.decision or "")
        return self._carry_out(case, actor, kind, f"completing the decision of {case.decided_by}")

    def finish_interrupted(self, actor: Actor, grace: timedelta = FINISH_GRACE) -> list[Case]:
        """`finish` every case a crash left decided and not closed, once its decision is older
        than `grace` (a decision in flight closes within a second or two; the grace keeps
        the sweep out of its way, and should the two meet anyway, the executor runs the
        action once and the claim lock lets one close through). Returns the cases closed."""
        cutoff = self.clock() - grace
        decided: list[Case] = []
        # Read every page first: closing cases while paging would shift the pages.
        while page := self.store.cases(
            CaseQuery(states=(CaseState.DECIDED,)), order="age", limit=_PAGE, offset=len(decided)
        ):
            decided.extend(page)
        due = [c.id for c in decided if c.updated_at is None or c.updated_at <= cutoff]
        finished: list[Case] = []
        for case_id in due:
            try:
                finished.append(self.finish(case_id, actor))
            except (StoreConflict, IllegalTransition):
                pass  # its reviewer closed it meanwhile
        return finished

    def escalate(self, case_id: str, actor: Actor, reason: str) -> Case:
        """Send a case to the escalations queue (senior moderators, the LE liaison), unclaimed."""
        require(actor, Permission.ESCALATE)
        reason = _text(reason, "a reason")
        case = self.case(case_id)
        if case.state not in (CaseState.OPEN, CaseState.ASSIGNED):
            raise IllegalTransition(f"case {case_id} is {case.state.value}; only open or claimed cases are escalated")
        self._not_held_by_another(case, actor)
        return self._write(case, [self._event(EventName.ESCALATED, case, actor, reason, queue=ESCALATIONS)])

    def close(self, case_id: str, actor: Actor, reason: str) -> Case:
        """Close a case without (another) decision: a duplicate, a subject gone."""
        require(actor, Permission.DECIDE)
        reason = _text(reason, "a reason")
        case = self.case(case_id)
        if case.state is CaseState.CLOSED:
            raise IllegalTransition(f"case {case_id} is closed already")
        self._not_held_by_another(case, actor)
        return self._write(case, [self._event(EventName.CLOSED, case, actor, reason)])

    # -- appeals -------------------------------------------------------------------------
    def appeal(self, case_id: str, appellant: Actor, reason: str) -> Case:
        """Record the account holder's appeal of a decision (a reviewer enters it from the
        platform). The case reopens in the appeals queue, unclaimed, for a reviewer other
        than the one who decided it."""
        require(appellant, Permission.DECIDE)
        reason = _text(reason, "a reason")
        case = self.case(case_id)
        if case.appealed_by is not None:
            raise IllegalTransition(f"case {case_id} was appealed already; an appeal is decided once")
        if case.decision not in ("suspend", "restrict") or case.state not in (CaseState.DECIDED, CaseState.CLOSED):
            raise IllegalTransition(
                f"case {case_id} is {case.state.value}"
                + (f" ({case.decision})" if case.decision else "")
                + "; only a suspension or restriction is appealed"
            )
        return self._write(case, [self._event(EventName.APPEALED, case, appellant, reason, appellant=appellant.name)])

    def decide_appeal(self, case_id: str, actor: Actor, outcome: str, reason: str) -> Case:
        """Uphold the decision, or overturn it and reinstate the account; either closes the case."""
        require(actor, Permission.DECIDE_APPEAL)
        if outcome not in APPEAL_OUTCOMES:
            raise CordonError(f"unknown appeal outcome {outcome!r} (uphold or overturn)")
        reason = _text(reason, "a reason")
        case = self.case(case_id)
        if case.state is not CaseState.APPEALED:
            raise IllegalTransition(f"case {case_id} is {case.state.value}; it has no appeal waiting")
        kind = ActionKind.REINSTATE if outcome == "overturn" else None
        return self._decide(case, actor, outcome, kind, case.policy_clause or "appeal", reason)

    # -- bulk ----------------------------------------------------------------------------
    def bulk_decide(
        self, query: CaseQuery, actor: Actor, decision: str, policy_clause: str, reason: str,
    ) -> BulkResult:
        """Decide every case the query finds, each with its own events and action. A case
        that changed after the query read it is skipped and counted, never overwritten."""
        require(actor, Permission.BULK_DECIDE)
        kind = self._decision(decision)
        clause, reason = _text(policy_clause, "a policy clause"), _text(reason, "a reason")
        found = self._all(query)
        decided = changed = skipped = 0
        for case in found:
            if case.state not in (CaseState.OPEN, CaseState.ASSIGNED, CaseState.ESCALATED) or (
                case.assigned_to not in (None, actor.name)
            ):
                skipped += 1
                continue
            try:
                self._decide(case, actor, decision, kind, clause, reason)
            except CaseConflict:
                changed += 1
                continue
            decided += 1
        return BulkResult(decided, changed, skipped)

    def _all(self, query: CaseQuery) -> list[Case]:
        # The whole selection first: deciding cases moves them out of a state filter, which
        # would shift the pages under an offset.
        out: list[Case] = []
        while page := self.store.cases(query, order="age", limit=_PAGE, offset=len(out)):
            out.extend(page)
            if len(page) < _PAGE:
                break
        return out

    # -- checks and writes ---------------------------------------------------------------
    @staticmethod
    def _decision(decision: str) -> ActionKind | None:
        if decision not in DECISIONS:
            raise CordonError(f"unknown decision {decision!r} (one of {', '.join(DECISIONS)})")
        return DECISIONS[decision]

    @staticmethod
    def _check_reviewer(case: Case, actor: Actor) -> None:
        """Who may hold this case: escalations need a senior; an appeal anyone but the
        reviewer who made the decision under appeal."""
        if case.state is CaseState.ESCALATED:
            require(actor, Permission.REVIEW_ESCALATED)
        if case.state is CaseState.APPEALED:
            require(actor, Permission.DECIDE_APPEAL)
            if case.decided_by == actor.name:
                raise IllegalTransition(
                    f"case {case.id}: {actor.name} made the decision under appeal; another reviewer decides it"
                )

    def _holdable(self, case: Case, actor: Actor) -> ModerationEvent:
        """The ASSIGNED event that claims a waiting case for the actor."""
        if not case.waiting:
            if case.decided_by not in (None, actor.name):
                raise CaseConflict(f"case {case.id} was decided by {case.decided_by} ({case.decision})")
            raise IllegalTransition(f"case {case.id} is {case.state.value}; only waiting cases are claimed")
        self._not_held_by_another(case, actor)
        return self._event(EventName.ASSIGNED, case, actor, assignee=actor.name)

    @staticmethod
    def _not_held_by_another(case: Case, actor: Actor) -> None:
        if case.assigned_to is not None and case.assigned_to != actor.name:
            raise CaseConflict(f"case {case.id} is claimed by {case.assigned_to}")

    def _event(self, name: EventName, case: Case, actor: Actor, reason: str = "", **payload: object) -> ModerationEvent:
        return ModerationEvent(
            name=name, actor=actor.name, created=self.clock(), subject=case.subject,
            case_id=case.id, reason=reason, payload=dict(payload),
        )

    def _write(self, case: Case, events: Sequence[ModerationEvent]) -> Case:
        """Append the events if the case is still as it was read; the case after them."""
        try:
            self.store.append_events(events, expect={case.id: case.last_seq})
        except StoreConflict:
            raise CaseConflict(self._lost(case)) from None
        return self.case(case.id)

    def _close(self, case_id: str, actor: Actor, reason: str) -> Case:
        """Close a decided case. The executor's events moved it on since the decision, and
        nobody else may change a decided case but to close it, so read it fresh."""
        while True:
            case = self.case(case_id)
            if case.state is not CaseState.DECIDED:
                return case  # closed already, or appealed in the meantime
            try:
                return self._write(case, [self._event(EventName.CLOSED, case, actor, reason)])
            except CaseConflict:
                continue  # an event on it landed between the read and the write: read again

    def _lost(self, case: Case) -> str:
        now = self.store.case(case.id)
        if now is None:
            return f"case {case.id} changed under you"
        if now.assigned_to and now.assigned_to != case.assigned_to:
            who = f"{now.assigned_to} claimed it"
        elif now.decided_by and now.decided_by != case.decided_by:
            who = f"{now.decided_by} decided it"
        else:
            who = f"it is now {now.state.value}"
        return f"case {case.id} changed under you: {who} first; nothing of yours was written"
