"""The case_status read model: cases/state.py's fold of the moderation log, kept as rows.

SqlStore calls `project` inside the transaction of every append, with the events just given
their seq: the affected cases are loaded in one query per 900 ids, advanced event by event
with apply_event, and written back in one statement each way. So the table always equals
fold_cases(store.events()), and a bulk append of thousands of events costs a few statements,
not a few per event. `check_expected` is the optimistic lock: an append may name the
version (last_seq) each case must still be at, checked under the append's serialisation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select
from sqlalchemy.sql import Select

from cordon.cases.sla import SlaPolicy
from cordon.cases.state import apply_event
from cordon.domain import Case, CaseState, ModerationEvent, SubjectKind, SubjectRef
from cordon.domain.cases import CaseQuery
from cordon.errors import StoreConflict
from cordon.store import codec
from cordon.domain.cases import WAITING_STATES
from cordon.store.schema import WAITING_PREDICATE, case_status

#: Orders of Store.cases(): the queue page's columns. Each ends on case_id, so pages are stable.
_c = case_status.c
ORDERS: Mapping[str, tuple] = {
    "priority": (_c.priority.desc(), _c.opened_at, _c.case_id),
    "age": (_c.opened_at, _c.case_id),
    # Missing values last, as a leading IS NULL term the same on both backends and the same
    # as the partial indexes' (schema.WAITING_ORDERS).
    "sla": (_c.sla_due.is_(None), _c.sla_due, _c.priority.desc(), _c.case_id),
    "risk": (_c.risk.is_(None), _c.risk.desc(), _c.priority.desc(), _c.case_id),
}

# Below SQLite's default limit of bound parameters per statement.
_CHUNK = 900
_WRITE_BATCH = 5000


def case_row(case: Case) -> dict[str, Any]:
    return {
        "case_id": case.id,
        "subject_kind": case.subject.kind.value,
        "subject_platform": case.subject.platform,
        "subject_id": case.subject.id,
        "queue": case.queue,
        "priority": case.priority,
        "state": case.state.value,
        "assigned_to": case.assigned_to,
        "decision": case.decision,
        "policy_clause": case.policy_clause,
        "decided_by": case.decided_by,
        "appealed_by": case.appealed_by,
        "opened_at": codec.utc(case.opened_at),
        "updated_at": codec.utc(case.updated_at or case.opened_at),
        "last_seq": case.last_seq,
        "report_count": case.report_count,
        "risk": case.risk,
        "sla_due": codec.utc(case.sla_due),
        "reasons": codec.dumps(case.reasons),
    }


def row_to_case(row: Mapping[str, Any]) -> Case:
    return Case(
        id=row["case_id"],
        subject=SubjectRef(SubjectKind(row["subject_kind"]), row["subject_platform"], row["subject_id"]),
        queue=row["queue"],
        priority=row["priority"],
        opened_at=codec.utc(row["opened_at"]),  # type: ignore[arg-type]
        state=CaseState(row["state"]),
        assigned_to=row["assigned_to"],
        decision=row["decision"],
        policy_clause=row["policy_clause"],
        reasons=codec.loads(row["reasons"]) or [],
        report_count=row["report_count"],
        decided_by=row["decided_by"],
        appealed_by=row["appealed_by"],
        risk=row["risk"],
        sla_due=codec.utc(row["sla_due"]),
        updated_at=codec.utc(row["updated_at"]),
        last_seq=int(row["last_seq"]),
    )


def _chunks(ids: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def load(conn: Connection, ids: Iterable[str]) -> dict[str, Case]:
    """The stored cases among `ids` (unknown ids are left out)."""
    wanted = sorted(set(ids))
    out: dict[str, Case] = {}
    for chunk in _chunks(wanted):
        for row in conn.execute(select(case_status).where(_c.case_id.in_(chunk))).mappings():
            out[row["case_id"]] = row_to_case(row)
    return out


def check_expected(conn: Connection, expect: Mapping[str, int]) -> None:
    """Raise StoreConflict unless every case in `expect` is still at its expected last_seq
    (0: the case must not exist yet). Call it with the appends serialised."""
    found = {}
    for chunk in _chunks(sorted(expect)):
        found.update(conn.execute(select(_c.case_id, _c.last_seq).where(_c.case_id.in_(chunk))).all())
    for case_id, expected in expect.items():
        now = int(found.get(case_id, 0))
        if now != expected:
            raise StoreConflict(
                f"case {case_id} changed under you (at version {now}, expected {expected}): "
                "someone else acted on it first; reload it and try again"
            )


def project(conn: Connection, events: Sequence[ModerationEvent], sla: SlaPolicy) -> None:
    """Advance the stored cases by events just appended (with their seq), in the caller's
    transaction."""
    ids = {e.case_id for e in events if e.case_id is not None}
    if not ids:
        return
    cases = load(conn, ids)
    stored = set(cases)
    for event in events:
        apply_event(cases, event, sla)
    touched = [cases[i] for i in ids if i in cases]
    replaced = sorted(stored & ids)
    for chunk in _chunks(replaced):
        conn.execute(delete(case_status).where(_c.case_id.in_(chunk)))
    _insert(conn, touched)


def _insert(conn: Connection, cases: Sequence[Case]) -> None:
    for start in range(0, len(cases), _WRITE_BATCH):
        conn.execute(insert(case_status), [case_row(c) for c in cases[start : start + _WRITE_BATCH]])


def rebuild(conn: Connection, cases: Iterable[Case]) -> int:
    """Replace every row with the given cases (the log's fold); returns how many."""
    conn.execute(delete(case_status))
    batch = list(cases)
    _insert(conn, batch)
    return len(batch)


def select_cases(query: CaseQuery) -> Select:
    """The rows a CaseQuery selects (unordered)."""
    statement = select(case_status)
    if query.queue is not None:
        statement = statement.where(_c.queue == query.queue)
    if query.states and set(query.states) == set(WAITING_STATES):
        # Word for word the partial indexes' predicate, so both planners can use them.
        statement = statement.where(WAITING_PREDICATE)
    elif query.states:
        states = [s.value for s in query.states]
        statement = statement.where(_c.state == states[0] if len(states) == 1 else _c.state.in_(states))
    if query.assigned_to is not None:
        statement = statement.where(_c.assigned_to == query.assigned_to)
    if query.min_risk is not None:
        statement = statement.where(_c.risk >= query.min_risk)
    if query.max_risk is not None:
        statement = statement.where(_c.risk <= query.max_risk)
    if query.opened_before is not None:
        statement = statement.where(_c.opened_at < codec.utc(query.opened_before))
    if query.overdue_at is not None:
        statement = statement.where(_c.sla_due < codec.utc(query.overdue_at))
    if query.subjects:
        by_key: dict[tuple[str, str], list[str]] = {}
        for ref in query.subjects:
            by_key.setdefault((ref.kind.value, ref.platform), []).append(ref.id)
        statement = statement.where(or_(*(
            (_c.subject_kind == kind) & (_c.subject_platform == platform) & _c.subject_id.in_(ids)
            for (kind, platform), ids in by_key.items()
        )))
    return statement


def count_by_queue_and_state(conn: Connection) -> dict[tuple[str, str], int]:
    rows = conn.execute(select(_c.queue, _c.state, func.count()).group_by(_c.queue, _c.state))
    return {(queue, state): int(n) for queue, state, n in rows}
