"""The Store interface. Public methods check their input, then hand off to a backend's
underscored method, so every backend gets the same checks (pytx storage/interfaces.py)."""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import replace as with_changes  # import_list has a `replace` argument
from datetime import UTC, datetime, timedelta

import numpy as np

from cordon.domain import (
    Account,
    AccountRisk,
    AccountStatus,
    Action,
    FalsePositive,
    Interaction,
    InteractionKind,
    ListEntry,
    MatchListInfo,
    ModerationEvent,
    Post,
    Report,
    Role,
    SubjectKind,
    SubjectRef,
)
from cordon.cases.sla import SlaPolicy, current_sla
from cordon.domain.cases import Case, CaseQuery, CaseState
from cordon.domain.lists import LIST_KINDS
from cordon.errors import StoreError
from cordon.store.audit import AuditResult

#: The orders Store.cases() sorts by.
CASE_ORDERS = ("priority", "age", "sla", "risk")
#: Entries written per statement when a list is imported.
IMPORT_BATCH = 5000
_HASH_VALUE = {"pdq": re.compile(r"^[0-9a-f]{64}$"), "md5": re.compile(r"^[0-9a-f]{32}$")}
_MAX_VALUE = 8192


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What a bulk write did: rows that were new, rows that changed, rows already there as is."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0

    def __add__(self, other: WriteResult) -> WriteResult:
        return WriteResult(
            self.new + other.new, self.changed + other.changed, self.unchanged + other.unchanged
        )


#: States of an outbox row: waiting for an actuator, carried out, or given up on.
OUTBOX_STATES = ("pending", "done", "failed")


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One requested action in the enforcement outbox (see enforce/outbox.py). `key` is its
    idempotency key, the same on every attempt; `attempts` counts claims."""

    id: int
    key: str
    action: Action
    requested: datetime
    state: str = "pending"
    attempts: int = 0
    lease_owner: str | None = None
    lease_until: datetime | None = None
    done_at: datetime | None = None
    event_seq: int | None = None
    last_error: str | None = None


#: A console user's name: lower case, digits and . _ -, at most 64 characters.
USER_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_TOKEN_HASH = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class User:
    """A person who may sign in to the review console. The store keeps only the password's
    hash (a PHC string such as argon2id's); web/auth.py makes and checks it."""

    name: str
    role: Role
    password_hash: str
    created: datetime
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    """A signed-in browser. `token_hash` is the SHA-256 of the opaque token in its cookie: the
    token itself is never stored, so a copy of the database signs no one in."""

    token_hash: str
    user: str
    created: datetime
    expires: datetime


#: The int8 code of each interaction kind in InteractionColumns.kind: its place in this tuple.
KIND_CODES: tuple[InteractionKind, ...] = tuple(InteractionKind)


def canonical_int(ident: str) -> int | None:
    """The integer an id spells when it is a canonical decimal integer in int64 range ('0',
    '42', '-7', a snowflake; not '007', '+1', ' 1' or '1_0'), else None: exactly the ids that
    InteractionColumns may carry as int64, since str() of the number gives the id back."""
    if not 0 < len(ident) <= 20 or not ident.isascii():
        return None
    try:
        value = int(ident)
    except ValueError:
        return None
    return value if -(2**63) <= value < 2**63 and str(value) == ident else None


@dataclass(frozen=True, slots=True)
class InteractionColumns:
    """Interactions as columns, for the graph: one numpy array per field, no object per row.
    Ids are object arrays of str, or int64 arrays when every id of the batch is a canonical
    decimal integer (``canonical_int``: str() of the number is the id; the store's fast read,
    ``Store.interaction_batches``, gives those); kind holds KIND_CODES codes; created_at is
    Unix seconds (NaN where unknown)."""

    platform: np.ndarray
    kind: np.ndarray
    source_id: np.ndarray
    target_id: np.ndarray
    created_at: np.ndarray
    weight: np.ndarray

    def __len__(self) -> int:
        return len(self.kind)

    @property
    def numeric_ids(self) -> bool:
        """True when the ids are int64 numbers rather than text."""
        return self.source_id.dtype.kind == "i"

    def with_text_ids(self) -> InteractionColumns:
        """The same columns with the ids as object arrays of str."""
        if not self.numeric_ids:
            return self
        m = len(self)
        return InteractionColumns(
            self.platform,
            self.kind,
            np.array(self.source_id.astype(str).tolist(), dtype=object).reshape(m),
            np.array(self.target_id.astype(str).tolist(), dtype=object).reshape(m),
            self.created_at,
            self.weight,
        )

    @classmethod
    def concat(cls, parts: Sequence[InteractionColumns]) -> InteractionColumns:
        """One batch of several, ids as text unless every part's are numbers."""
        if not parts:
            return cls.from_interactions([])
        if len(parts) == 1:
            return parts[0]
        if not all(p.numeric_ids for p in parts):
            parts = [p.with_text_ids() for p in parts]
        fields = ("platform", "kind", "source_id", "target_id", "created_at", "weight")
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in fields))

    @classmethod
    def from_interactions(cls, items: Sequence[Interaction]) -> InteractionColumns:
        code = {k: i for i, k in enumerate(KIND_CODES)}
        m = len(items)
        return cls(
            platform=np.array([i.platform for i in items], dtype=object).reshape(m),
            kind=np.fromiter((code[i.kind] for i in items), dtype=np.int8, count=m),
            source_id=np.array([i.source_id for i in items], dtype=object).reshape(m),
            target_id=np.array([i.target_id for i in items], dtype=object).reshape(m),
            created_at=np.fromiter(
                (np.nan if i.created_at is None else i.created_at.timestamp() for i in items),
                dtype=np.float64, count=m,
            ),
            weight=np.fromiter((i.weight for i in items), dtype=np.float64, count=m),
        )


def _check_kinds(kinds: Iterable[InteractionKind | str] | None) -> tuple[InteractionKind, ...] | None:
    if kinds is None:
        return None
    try:
        return tuple(dict.fromkeys(InteractionKind(k) for k in kinds))
    except ValueError as exc:
        raise StoreError(f"unknown interaction kind: {exc}") from None


def _check_all(items: Sequence[object], kind: type, what: str) -> None:
    for item in items:
        if not isinstance(item, kind):
            raise StoreError(f"{what}: expected {kind.__name__}, got {type(item).__name__}")


def _check_list_name(name: object, what: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise StoreError(f"{what}: a list needs a name")
    if name != name.strip() or len(name) > 128 or any(ord(c) < 32 for c in name):
        raise StoreError(f"{what}: bad list name {name!r} (at most 128 characters, no surrounding spaces)")
    return name


def _check_kind(kind: object, what: str) -> str:
    if kind not in LIST_KINDS:
        raise StoreError(f"{what}: unknown entry kind {kind!r} (one of {', '.join(LIST_KINDS)})")
    return str(kind)


def _check_value(kind: str, value: object, what: str) -> str:
    if not isinstance(value, str) or not value or value != value.strip() or len(value) > _MAX_VALUE:
        raise StoreError(f"{what}: bad {kind} value {str(value)[:80]!r}")
    pattern = _HASH_VALUE.get(kind)
    if pattern is not None and not pattern.match(value):
        digits = 64 if kind == "pdq" else 32
        raise StoreError(f"{what}: a {kind} value is {digits} lower-case hex digits, not {value[:80]!r}")
    return value


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None:
        raise StoreError(f"{what}: naive time {value.isoformat()}")
    return value


def _check_events(events: Sequence[ModerationEvent], what: str) -> None:
    _check_all(events, ModerationEvent, what)
    for event in events:
        if event.seq is not None:
            raise StoreError(f"{what}: the event already has a seq; events are appended once")
        if not event.actor:
            raise StoreError(f"{what}: {event.name} has no actor")
        if event.created.tzinfo is None:
            raise StoreError(f"{what}: {event.name} has a naive time")


def _check_key(key: object, what: str) -> str:
    if not isinstance(key, str) or not key or len(key) > 128 or key != key.strip():
        raise StoreError(f"{what}: bad idempotency key {str(key)[:80]!r} (1 to 128 characters)")
    return key


def _check_user_name(name: object, what: str) -> str:
    if not isinstance(name, str) or not USER_NAME.match(name):
        raise StoreError(f"{what}: bad user name {str(name)[:80]!r} (lower case, digits, . _ -; 1 to 64)")
    return name


def _check_password_hash(value: object, what: str) -> str:
    # A PHC string ($argon2id$...) and never a password: the store refuses anything else.
    if not isinstance(value, str) or not value.startswith("$") or not 20 <= len(value) <= 512:
        raise StoreError(f"{what}: a password hash is a PHC string ($argon2id$...), not a password")
    return value


def _check_token_hash(value: object, what: str) -> str:
    if not isinstance(value, str) or not _TOKEN_HASH.match(value):
        raise StoreError(f"{what}: a session token hash is 64 lower-case hex digits")
    return value


def _entry_batches(entries: Iterable[ListEntry], size: int = IMPORT_BATCH) -> Iterator[list[ListEntry]]:
    """Checked entries, deduplicated within each batch (the last one wins)."""
    batch: dict[tuple[str, str], ListEntry] = {}
    for entry in entries:
        if not isinstance(entry, ListEntry):
            raise StoreError(f"import_list: expected ListEntry, got {type(entry).__name__}")
        _check_value(_check_kind(entry.kind, "import_list"), entry.value, "import_list")
        if not isinstance(entry.label, str):
            raise StoreError(f"import_list: label of {entry.value!r} is not text")
        if entry.added_at is not None:
            _aware(entry.added_at, "import_list")
        batch[(entry.kind, entry.value)] = entry
        if len(batch) >= size:
            yield list(batch.values())
            batch = {}
    if batch:
        yield list(batch.values())


class Store(ABC):
    """Accounts, posts, interactions and reports (upserted, idempotent), account risk, and the
    append-only moderation log. There is deliberately no way to update or delete an event."""

    # -- platform data -------------------------------------------------------------------
    def write_batch(
        self,
        accounts: Sequence[Account] = (),
        posts: Sequence[Post] = (),
        interactions: Sequence[Interaction] = (),
        reports: Sequence[Report] = (),
    ) -> dict[str, WriteResult]:
        """Write a batch in one transaction: it lands whole or not at all. Accounts are
        upserted (new profiles inserted, changed ones updated, identical ones left alone);
        posts, interactions and reports are inserted once and never changed."""
        _check_all(accounts, Account, "accounts")
        _check_all(posts, Post, "posts")
        _check_all(interactions, Interaction, "interactions")
        _check_all(reports, Report, "reports")
        for edge in interactions:
            if not math.isfinite(edge.weight) or edge.weight < 0:
                raise StoreError(f"interactions: bad weight {edge.weight!r}")
        if not (accounts or posts or interactions or reports):
            return {}
        return self._write_batch(accounts, posts, interactions, reports)

    def upsert_accounts(self, accounts: Sequence[Account]) -> WriteResult:
        return self.write_batch(accounts=accounts).get("accounts", WriteResult())

    def insert_posts(self, posts: Sequence[Post]) -> WriteResult:
        return self.write_batch(posts=posts).get("posts", WriteResult())

    def insert_interactions(self, interactions: Sequence[Interaction]) -> WriteResult:
        return self.write_batch(interactions=interactions).get("interactions", WriteResult())

    def insert_reports(self, reports: Sequence[Report]) -> WriteResult:
        return self.write_batch(reports=reports).get("reports", WriteResult())

    def get_account(self, ref: SubjectRef) -> Account | None:
        if ref.kind is not SubjectKind.ACCOUNT:
            raise StoreError(f"get_account: {ref} is not an account")
        return self._get_account(ref)

    def get_accounts(self, refs: Iterable[SubjectRef]) -> dict[SubjectRef, Account]:
        """The stored accounts among `refs`, in one query per platform and chunk of ids (a
        page, a batch or a partition needs many at once; one get_account each is a round
        trip each). Accounts not stored are absent from the result."""
        wanted = list(dict.fromkeys(refs))
        for ref in wanted:
            if not isinstance(ref, SubjectRef) or ref.kind is not SubjectKind.ACCOUNT:
                raise StoreError(f"get_accounts: {ref} is not an account")
        return self._get_accounts(wanted) if wanted else {}

    def set_account_status(self, ref: SubjectRef, status: AccountStatus) -> None:
        """The internal actuator's write: the only way account status changes after ingest."""
        if ref.kind is not SubjectKind.ACCOUNT:
            raise StoreError(f"set_account_status: {ref} is not an account")
        if self._get_account(ref) is None:
            raise StoreError(f"set_account_status: no such account {ref}")
        self._set_account_status(ref, AccountStatus(status))

    def accounts(self, platform: str | None = None) -> Iterator[Account]:
        return self._accounts(platform)

    def posts(self, author: SubjectRef | None = None) -> Iterator[Post]:
        """All posts ordered by (platform, author, created), or one author's."""
        if author is not None and author.kind is not SubjectKind.ACCOUNT:
            raise StoreError(f"posts: author {author} is not an account")
        return self._posts(author)

    def post_skeletons(self) -> Iterator[Post]:
        """Every post's structure, in posts()' order: platform, id, author, time and what it
        replies to, reposts or quotes, with no text, links, media, mentions or hashtags (empty
        in the Post given). The cascade analyses (hubs) read nothing else, and decoding the
        rest was most of their read."""
        return self._post_skeletons()

    def posts_of(self, authors: Iterable[SubjectRef]) -> Iterator[Post]:
        """The posts of several authors, each author's together and in time order, read in one
        query per platform and chunk of authors: a batch of a stream or a partition of a
        backfill reads its accounts' posts at once instead of an author at a time."""
        wanted = list(dict.fromkeys(authors))
        for ref in wanted:
            if not isinstance(ref, SubjectRef) or ref.kind is not SubjectKind.ACCOUNT:
                raise StoreError(f"posts_of: author {ref} is not an account")
        return self._posts_of(wanted) if wanted else iter(())

    def post_authors(self, posts: Iterable[SubjectRef]) -> dict[SubjectRef, SubjectRef]:
        """The author of each given post that the store holds (unknown posts are left out)."""
        refs = list(dict.fromkeys(posts))
        for ref in refs:
            if ref.kind is not SubjectKind.POST:
                raise StoreError(f"post_authors: {ref} is not a post")
        return self._post_authors(refs) if refs else {}

    def interactions(self, kind: InteractionKind | None = None) -> Iterator[Interaction]:
        return self._interactions(None if kind is None else InteractionKind(kind))

    def interaction_arrays(
        self, kinds: Iterable[InteractionKind | str] | None = None, platform: str | None = None
    ) -> InteractionColumns:
        """Every interaction (of some kinds, on one platform) as numpy columns, ids as text:
        several times faster than interactions(). The graph reads interaction_batches()."""
        parts = list(self.interaction_batches(kinds, platform))
        return InteractionColumns.concat([p.with_text_ids() for p in parts])

    def interaction_batches(
        self, kinds: Iterable[InteractionKind | str] | None = None, platform: str | None = None
    ) -> Iterator[InteractionColumns]:
        """The bulk read that builds the graph: every interaction (of some kinds, on one
        platform) once, as numpy columns in batches of up to about a million rows. A batch
        whose ids are all canonical decimal integers (Twitter and Mastodon ids) carries them
        as int64 arrays, other batches as text; times are exact to the microsecond. Batches
        come in no particular order, and rows within them neither."""
        return self._interaction_batches(_check_kinds(kinds), platform)

    def neighbourhood(
        self,
        seeds: Iterable[SubjectRef],
        hops: int = 2,
        kinds: Iterable[InteractionKind | str] | None = None,
        limit: int | None = 5_000_000,
        max_degree: int | None = None,
    ) -> Iterator[Interaction]:
        """The interactions within `hops` of the seed accounts, either direction, each once:
        hop 1 is every edge touching a seed, hop 2 every edge touching an account hop 1
        reached, and so on. Only that subgraph is read (frontier by frontier, through the
        adjacency indexes), never the whole table. An account beyond the seeds with more than
        `max_degree` edges of one direction (a celebrity's followers) keeps only the edges of
        that direction to accounts already reached, and is not expanded through them;
        `limit` caps the edges returned."""
        refs = list(dict.fromkeys(seeds))
        for ref in refs:
            if not isinstance(ref, SubjectRef) or ref.kind is not SubjectKind.ACCOUNT:
                raise StoreError(f"neighbourhood: {ref} is not an account")
        if not isinstance(hops, int) or hops < 1:
            raise StoreError(f"neighbourhood: hops must be an integer >= 1, not {hops!r}")
        if limit is not None and limit < 0:
            raise StoreError("neighbourhood: limit must be >= 0")
        if max_degree is not None and max_degree < 1:
            raise StoreError("neighbourhood: max_degree must be >= 1")
        if not refs or limit == 0:
            return iter(())
        return self._neighbourhood(refs, hops, _check_kinds(kinds), limit, max_degree)

    def reports(self, subject: SubjectRef | None = None) -> Iterator[Report]:
        return self._reports(subject)

    def counts(self) -> dict[str, int]:
        """Rows per table: accounts, posts, interactions, reports, events."""
        return self._counts()

    # -- risk ----------------------------------------------------------------------------
    def save_risks(self, risks: Iterable[AccountRisk]) -> int:
        batch = list(risks)
        _check_all(batch, AccountRisk, "save_risks")
        for risk in batch:
            if not 0.0 <= risk.score <= 1.0:
                raise StoreError(f"save_risks: score {risk.score!r} of {risk.account} is outside [0,1]")
        return self._save_risks(batch) if batch else 0

    def risks(
        self, limit: int | None = None, min_score: float = 0.0, accounts: Iterable[SubjectRef] | None = None
    ) -> list[AccountRisk]:
        """Highest risk first; only the given accounts' when `accounts` is given."""
        if limit is not None and limit < 0:
            raise StoreError("risks: limit must be >= 0")
        wanted = None if accounts is None else list(dict.fromkeys(accounts))
        if wanted == []:
            return []
        return self._risks(limit, min_score, wanted)

    # -- moderation log ------------------------------------------------------------------
    def append_events(
        self, events: Sequence[ModerationEvent], *, expect: Mapping[str, int] | None = None
    ) -> list[ModerationEvent]:
        """Append in order, in one transaction; returns the events with their seq. The case
        read model (cases()) moves in the same transaction.

        `expect` maps case ids to the version (Case.last_seq; 0 for a case not opened yet)
        each must still be at: if any has moved on, StoreConflict is raised and nothing is
        written. The check runs with appends serialised, so of two appends expecting the
        same version exactly one succeeds: the claim lock of cases/workflow.py."""
        _check_events(events, "append_events")
        if expect is not None:
            for case_id, version in expect.items():
                if not isinstance(case_id, str) or not case_id or not isinstance(version, int) or version < 0:
                    raise StoreError(f"append_events: bad expectation {case_id!r}: {version!r}")
        return self._append_events(events, dict(expect or {})) if events else []

    def append_event(self, event: ModerationEvent) -> ModerationEvent:
        return self.append_events([event])[0]

    def events(
        self, *, subject: SubjectRef | None = None, case_id: str | None = None, after_seq: int = 0
    ) -> Iterator[ModerationEvent]:
        """Events in append order, optionally for one subject or case, after a seq."""
        return self._events(subject, case_id, after_seq)

    # -- the case read model ------------------------------------------------------------
    @property
    def sla(self) -> SlaPolicy:
        """The SLA hours the case read model gives due times by (CORDON_SLA_HOURS unless set
        here; rebuild_cases() after changing it)."""
        if self._sla is None:
            self._sla = current_sla()
        return self._sla

    @sla.setter
    def sla(self, policy: SlaPolicy) -> None:
        if not isinstance(policy, SlaPolicy):
            raise StoreError(f"sla: expected SlaPolicy, got {type(policy).__name__}")
        self._sla = policy

    _sla: SlaPolicy | None = None

    def cases(
        self, query: CaseQuery = CaseQuery(), *, order: str = "priority", limit: int = 50, offset: int = 0
    ) -> list[Case]:
        """Cases a query selects, from the read model (never a fold of the log): ordered by
        priority (highest first, then oldest), age (oldest first), sla (soonest due first)
        or risk (highest first); a page of `limit` from `offset`."""
        if not isinstance(query, CaseQuery):
            raise StoreError(f"cases: expected CaseQuery, got {type(query).__name__}")
        if order not in CASE_ORDERS:
            raise StoreError(f"cases: unknown order {order!r} (one of {', '.join(CASE_ORDERS)})")
        if not isinstance(limit, int) or not 1 <= limit <= 10_000:
            raise StoreError("cases: limit must be an integer from 1 to 10000")
        if not isinstance(offset, int) or offset < 0:
            raise StoreError("cases: offset must be an integer >= 0")
        try:
            query = with_changes(query, states=tuple(CaseState(s) for s in query.states))
        except ValueError as exc:
            raise StoreError(f"cases: {exc}") from None
        for when in (query.opened_before, query.overdue_at):
            if when is not None:
                _aware(when, "cases")
        for ref in query.subjects:
            if not isinstance(ref, SubjectRef):
                raise StoreError(f"cases: subject {ref!r} is not a SubjectRef")
        return self._cases(query, order, limit, offset)

    def case(self, case_id: str) -> Case | None:
        """One case from the read model, or None."""
        if not isinstance(case_id, str) or not case_id or len(case_id) > 64:
            raise StoreError(f"case: bad case id {str(case_id)[:80]!r}")
        return self._case(case_id)

    def case_counts(self) -> dict[tuple[str, str], int]:
        """How many cases per (queue, state): the queue page's header."""
        return self._case_counts()

    def rebuild_cases(self) -> int:
        """Recompute the case read model from the log (after a change of the SLA hours, or to
        check it); returns the number of cases."""
        return self._rebuild_cases()

    def verify_audit(self) -> AuditResult:
        """Recompute the hash chain over the whole log: the first event that was edited,
        deleted or moved, if any (store/audit.py)."""
        return self._verify_audit()

    # -- enforcement outbox --------------------------------------------------------------
    def enqueue_action(
        self, action: Action, key: str, *, requested: datetime | None = None,
        events: Sequence[ModerationEvent] = (),
    ) -> tuple[OutboxEntry, bool]:
        """Put an action in the outbox under its idempotency key, and append `events` (the
        request, a decision), all in one transaction. An action already queued under the key
        (pending, done or failed) is returned as it is, with False, and nothing is written."""
        if not isinstance(action, Action):
            raise StoreError(f"enqueue_action: expected Action, got {type(action).__name__}")
        _check_key(key, "enqueue_action")
        if not action.actor:
            raise StoreError("enqueue_action: the action has no actor")
        _check_events(events, "enqueue_action")
        when = _aware(requested, "enqueue_action") if requested is not None else datetime.now(UTC)
        return self._enqueue_action(action, key, when, list(events))

    def claim_actions(
        self, owner: str, *, limit: int = 100, lease: timedelta = timedelta(seconds=60),
        key: str | None = None, now: datetime | None = None,
    ) -> list[OutboxEntry]:
        """Lease up to `limit` pending actions (oldest first; only `key`'s when given) to
        `owner` until now + lease, counting an attempt on each. A row leased to someone else
        is skipped until its lease runs out; rows already leased to `owner` are claimed
        again, so a worker restarted under the same name resumes at once. Rows locked by
        another claim are skipped (FOR UPDATE SKIP LOCKED on PostgreSQL)."""
        if not isinstance(owner, str) or not owner.strip():
            raise StoreError("claim_actions: no owner")
        if not isinstance(limit, int) or limit < 1:
            raise StoreError("claim_actions: limit must be an integer >= 1")
        if lease <= timedelta(0):
            raise StoreError("claim_actions: the lease must be positive")
        if key is not None:
            _check_key(key, "claim_actions")
        now = _aware(now, "claim_actions") if now is not None else datetime.now(UTC)
        return self._claim_actions(owner, limit, now, now + lease, key)

    def complete_action(self, key: str, event: ModerationEvent) -> ModerationEvent | None:
        """In one transaction: mark the pending action done, append `event` (its
        ACTION_EXECUTED) and set the account's status to the action's resulting status.
        Returns the appended event, or None when the action was already done (by another
        worker or an earlier attempt): then nothing is written."""
        _check_key(key, "complete_action")
        _check_events([event], "complete_action")
        return self._complete_action(key, event)

    def release_action(
        self, key: str, owner: str, error: str, *, retry_at: datetime | None = None,
        give_up: bool = False,
    ) -> None:
        """An attempt failed: record the error and free the row for another attempt at
        `retry_at` (now when not given), or mark it failed when `give_up`."""
        _check_key(key, "release_action")
        if retry_at is not None:
            _aware(retry_at, "release_action")
        self._release_action(key, owner, str(error)[:4000], retry_at or datetime.now(UTC), give_up)

    def outbox(self, state: str | None = None) -> list[OutboxEntry]:
        """The outbox in request order; only rows in `state` when given."""
        if state is not None and state not in OUTBOX_STATES:
            raise StoreError(f"outbox: unknown state {state!r} (one of {', '.join(OUTBOX_STATES)})")
        return self._outbox(state)

    # -- match lists ---------------------------------------------------------------------
    def import_list(
        self,
        name: str,
        source: str,
        entries: Iterable[ListEntry],
        *,
        description: str = "",
        replace: bool = False,
    ) -> WriteResult:
        """Import a list's entries under `name` in one transaction, streamed in batches.

        Each entry keeps its list, its label, the owner's added time and the time it first
        came in. Re-importing the same entries changes nothing; an entry whose label or added
        time changed is updated. Entries of earlier imports that this one lacks stay, unless
        `replace`, which makes the list exactly this import (and counts every entry new).
        False-positive marks are kept either way. Entries that fail the checks abort the
        whole import."""
        _check_list_name(name, "import_list")
        if not isinstance(source, str) or not isinstance(description, str):
            raise StoreError("import_list: source and description are text")
        now = datetime.now(UTC)
        return self._import_list(name, source, description, _entry_batches(entries), bool(replace), now)

    def lists(self) -> list[MatchListInfo]:
        """Every imported list, by name, with its entry and false-positive counts."""
        return self._lists()

    def list_entries(self, name: str | None = None, kind: str | None = None) -> Iterator[tuple[str, ListEntry]]:
        """(list name, entry) of every entry that is not marked false positive, ordered by
        list, kind and value; one list's or one kind's when given."""
        if name is not None:
            _check_list_name(name, "list_entries")
        if kind is not None:
            _check_kind(kind, "list_entries")
        return self._list_entries(name, kind)

    def remove_list(self, name: str) -> bool:
        """Remove a list, its entries and its false-positive marks; False if there was none."""
        return self._remove_list(_check_list_name(name, "remove_list"))

    def mark_false_positive(
        self, list_name: str, kind: str, value: str, reason: str, actor: str, at: datetime | None = None
    ) -> FalsePositive:
        """Mark one entry of one list a false positive: it stops matching (list_entries
        leaves it out) until the mark is cleared. Marking again replaces the mark. The value
        is the entry's normalised value (hashes may be given in upper case)."""
        _check_list_name(list_name, "mark_false_positive")
        _check_kind(kind, "mark_false_positive")
        if isinstance(value, str) and kind in _HASH_VALUE:
            value = value.strip().lower()
        _check_value(kind, value, "mark_false_positive")
        if not isinstance(actor, str) or not actor.strip():
            raise StoreError("mark_false_positive: no actor")
        if not isinstance(reason, str):
            raise StoreError("mark_false_positive: reason is text")
        if not self._has_list_entry(list_name, kind, value):
            raise StoreError(f"mark_false_positive: list {list_name!r} has no {kind} entry {value[:80]!r}")
        mark = FalsePositive(
            list_name, kind, value, reason, actor,
            _aware(at, "mark_false_positive") if at is not None else datetime.now(UTC),
        )
        self._mark_false_positive(mark)
        return mark

    def clear_false_positive(self, list_name: str, kind: str, value: str) -> bool:
        """Remove a false-positive mark, so the entry matches again; False if there was none."""
        _check_list_name(list_name, "clear_false_positive")
        _check_kind(kind, "clear_false_positive")
        if isinstance(value, str) and kind in _HASH_VALUE:
            value = value.strip().lower()
        return self._clear_false_positive(list_name, kind, _check_value(kind, value, "clear_false_positive"))

    def false_positives(self, list_name: str | None = None) -> list[FalsePositive]:
        """False-positive marks, by list and time marked; one list's when given."""
        if list_name is not None:
            _check_list_name(list_name, "false_positives")
        return self._false_positives(list_name)

    # -- console users and sessions --------------------------------------------------------
    def create_user(self, user: User) -> User:
        """Add a console user; a StoreError when the name is taken."""
        if not isinstance(user, User):
            raise StoreError(f"create_user: expected User, got {type(user).__name__}")
        _check_user_name(user.name, "create_user")
        _check_password_hash(user.password_hash, "create_user")
        user = with_changes(user, role=Role(user.role), created=_aware(user.created, "create_user"))
        if self._get_user(user.name) is not None:
            raise StoreError(f"create_user: user {user.name!r} exists")
        self._create_user(user)
        return user

    def get_user(self, name: str) -> User | None:
        if not isinstance(name, str) or not USER_NAME.match(name):
            return None  # no such name can exist: a login form may send anything
        return self._get_user(name)

    def users(self) -> list[User]:
        """Every console user, by name."""
        return self._users()

    def update_user(
        self, name: str, *, role: Role | None = None, password_hash: str | None = None,
        disabled: bool | None = None,
    ) -> User:
        """Change a user's role, password hash or disabled flag. A new password or disabling
        the user ends every session of theirs, in the same transaction."""
        _check_user_name(name, "update_user")
        changes: dict[str, object] = {}
        if role is not None:
            try:
                changes["role"] = Role(role)
            except ValueError:
                raise StoreError(f"update_user: unknown role {role!r}") from None
        if password_hash is not None:
            changes["password_hash"] = _check_password_hash(password_hash, "update_user")
        if disabled is not None:
            changes["disabled"] = bool(disabled)
        current = self._get_user(name)
        if current is None:
            raise StoreError(f"update_user: no such user {name!r}")
        if not changes:
            return current
        end_sessions = password_hash is not None or bool(disabled)
        self._update_user(name, changes, end_sessions)
        return with_changes(current, **changes)  # type: ignore[arg-type]

    def create_session(self, session: ConsoleSession) -> ConsoleSession:
        """Record a signed-in session (and drop every session already expired)."""
        if not isinstance(session, ConsoleSession):
            raise StoreError(f"create_session: expected ConsoleSession, got {type(session).__name__}")
        _check_token_hash(session.token_hash, "create_session")
        _check_user_name(session.user, "create_session")
        if _aware(session.expires, "create_session") <= _aware(session.created, "create_session"):
            raise StoreError("create_session: a session must expire after it starts")
        if self._get_user(session.user) is None:
            raise StoreError(f"create_session: no such user {session.user!r}")
        self._create_session(session)
        return session

    def get_session(self, token_hash: str) -> ConsoleSession | None:
        """The session under a token's hash, expired or not (the caller checks `expires`)."""
        if not isinstance(token_hash, str) or not _TOKEN_HASH.match(token_hash):
            return None  # a forged cookie: nothing to look up
        return self._get_session(token_hash)

    def delete_session(self, token_hash: str) -> bool:
        """End a session (sign out); False when there was none."""
        if not isinstance(token_hash, str) or not _TOKEN_HASH.match(token_hash):
            return False
        return self._delete_session(token_hash)

    # -- lifecycle -----------------------------------------------------------------------
    def close(self) -> None:
        self._close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what a backend may do faster ---------------------------------------------------
    def _interaction_batches(
        self, kinds: tuple[InteractionKind, ...] | None, platform: str | None
    ) -> Iterator[InteractionColumns]:
        batch: list[Interaction] = []
        for i in self._interactions(None):
            if (kinds is None or i.kind in kinds) and (platform is None or i.platform == platform):
                batch.append(i)
                if len(batch) >= 1_000_000:
                    yield InteractionColumns.from_interactions(batch)
                    batch = []
        if batch:
            yield InteractionColumns.from_interactions(batch)

    @abstractmethod
    def _neighbourhood(
        self, seeds: list[SubjectRef], hops: int, kinds: tuple[InteractionKind, ...] | None,
        limit: int | None, max_degree: int | None,
    ) -> Iterator[Interaction]: ...

    # -- what a backend implements -------------------------------------------------------
    @abstractmethod
    def _write_batch(
        self,
        accounts: Sequence[Account],
        posts: Sequence[Post],
        interactions: Sequence[Interaction],
        reports: Sequence[Report],
    ) -> dict[str, WriteResult]: ...
    @abstractmethod
    def _get_account(self, ref: SubjectRef) -> Account | None: ...
    @abstractmethod
    def _get_accounts(self, refs: list[SubjectRef]) -> dict[SubjectRef, Account]: ...
    @abstractmethod
    def _posts_of(self, authors: list[SubjectRef]) -> Iterator[Post]: ...
    @abstractmethod
    def _post_skeletons(self) -> Iterator[Post]: ...
    @abstractmethod
    def _set_account_status(self, ref: SubjectRef, status: AccountStatus) -> None: ...
    @abstractmethod
    def _accounts(self, platform: str | None) -> Iterator[Account]: ...
    @abstractmethod
    def _posts(self, author: SubjectRef | None) -> Iterator[Post]: ...
    @abstractmethod
    def _post_authors(self, posts: list[SubjectRef]) -> dict[SubjectRef, SubjectRef]: ...
    @abstractmethod
    def _interactions(self, kind: InteractionKind | None) -> Iterator[Interaction]: ...
    @abstractmethod
    def _reports(self, subject: SubjectRef | None) -> Iterator[Report]: ...
    @abstractmethod
    def _counts(self) -> dict[str, int]: ...
    @abstractmethod
    def _save_risks(self, risks: list[AccountRisk]) -> int: ...
    @abstractmethod
    def _risks(self, limit: int | None, min_score: float, accounts: list[SubjectRef] | None) -> list[AccountRisk]: ...
    @abstractmethod
    def _append_events(
        self, events: Sequence[ModerationEvent], expect: Mapping[str, int]
    ) -> list[ModerationEvent]: ...
    @abstractmethod
    def _cases(self, query: CaseQuery, order: str, limit: int, offset: int) -> list[Case]: ...
    @abstractmethod
    def _case(self, case_id: str) -> Case | None: ...
    @abstractmethod
    def _case_counts(self) -> dict[tuple[str, str], int]: ...
    @abstractmethod
    def _rebuild_cases(self) -> int: ...
    @abstractmethod
    def _events(
        self, subject: SubjectRef | None, case_id: str | None, after_seq: int
    ) -> Iterator[ModerationEvent]: ...
    @abstractmethod
    def _verify_audit(self) -> AuditResult: ...
    @abstractmethod
    def _enqueue_action(
        self, action: Action, key: str, requested: datetime, events: list[ModerationEvent]
    ) -> tuple[OutboxEntry, bool]: ...
    @abstractmethod
    def _claim_actions(
        self, owner: str, limit: int, now: datetime, until: datetime, key: str | None
    ) -> list[OutboxEntry]: ...
    @abstractmethod
    def _complete_action(self, key: str, event: ModerationEvent) -> ModerationEvent | None: ...
    @abstractmethod
    def _release_action(
        self, key: str, owner: str, error: str, retry_at: datetime, give_up: bool
    ) -> None: ...
    @abstractmethod
    def _outbox(self, state: str | None) -> list[OutboxEntry]: ...
    @abstractmethod
    def _import_list(
        self, name: str, source: str, description: str, batches: Iterator[list[ListEntry]],
        replace: bool, now: datetime,
    ) -> WriteResult: ...
    @abstractmethod
    def _lists(self) -> list[MatchListInfo]: ...
    @abstractmethod
    def _list_entries(self, name: str | None, kind: str | None) -> Iterator[tuple[str, ListEntry]]: ...
    @abstractmethod
    def _remove_list(self, name: str) -> bool: ...
    @abstractmethod
    def _has_list_entry(self, list_name: str, kind: str, value: str) -> bool: ...
    @abstractmethod
    def _mark_false_positive(self, mark: FalsePositive) -> None: ...
    @abstractmethod
    def _clear_false_positive(self, list_name: str, kind: str, value: str) -> bool: ...
    @abstractmethod
    def _false_positives(self, list_name: str | None) -> list[FalsePositive]: ...
    @abstractmethod
    def _create_user(self, user: User) -> None: ...
    @abstractmethod
    def _get_user(self, name: str) -> User | None: ...
    @abstractmethod
    def _users(self) -> list[User]: ...
    @abstractmethod
    def _update_user(self, name: str, changes: dict[str, object], end_sessions: bool) -> None: ...
    @abstractmethod
    def _create_session(self, session: ConsoleSession) -> None: ...
    @abstractmethod
    def _get_session(self, token_hash: str) -> ConsoleSession | None: ...
    @abstractmethod
    def _delete_session(self, token_hash: str) -> bool: ...
    @abstractmethod
    def _close(self) -> None: ...
