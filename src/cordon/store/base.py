"""The Store interface. Public methods check their input, then hand off to a backend's
underscored method, so every backend gets the same checks (pytx storage/interfaces.py)."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from cordon.domain import (
    Account,
    AccountRisk,
    AccountStatus,
    Interaction,
    InteractionKind,
    ModerationEvent,
    Post,
    Report,
    SubjectKind,
    SubjectRef,
)
from cordon.errors import StoreError


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


def _check_all(items: Sequence[object], kind: type, what: str) -> None:
    for item in items:
        if not isinstance(item, kind):
            raise StoreError(f"{what}: expected {kind.__name__}, got {type(item).__name__}")


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

    def post_authors(self, posts: Iterable[SubjectRef]) -> dict[SubjectRef, SubjectRef]:
        """The author of each given post that the store holds (unknown posts are left out)."""
        refs = list(dict.fromkeys(posts))
        for ref in refs:
            if ref.kind is not SubjectKind.POST:
                raise StoreError(f"post_authors: {ref} is not a post")
        return self._post_authors(refs) if refs else {}

    def interactions(self, kind: InteractionKind | None = None) -> Iterator[Interaction]:
        return self._interactions(None if kind is None else InteractionKind(kind))

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
    def append_events(self, events: Sequence[ModerationEvent]) -> list[ModerationEvent]:
        """Append in order, in one transaction; returns the events with their seq."""
        _check_all(events, ModerationEvent, "append_events")
        for event in events:
            if event.seq is not None:
                raise StoreError("append_events: the event already has a seq; events are appended once")
            if not event.actor:
                raise StoreError(f"append_events: {event.name} has no actor")
            if event.created.tzinfo is None:
                raise StoreError(f"append_events: {event.name} has a naive time")
        return self._append_events(events) if events else []

    def append_event(self, event: ModerationEvent) -> ModerationEvent:
        return self.append_events([event])[0]

    def events(
        self, *, subject: SubjectRef | None = None, case_id: str | None = None, after_seq: int = 0
    ) -> Iterator[ModerationEvent]:
        """Events in append order, optionally for one subject or case, after a seq."""
        return self._events(subject, case_id, after_seq)

    # -- lifecycle -----------------------------------------------------------------------
    def close(self) -> None:
        self._close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
    def _append_events(self, events: Sequence[ModerationEvent]) -> list[ModerationEvent]: ...
    @abstractmethod
    def _events(
        self, subject: SubjectRef | None, case_id: str | None, after_seq: int
    ) -> Iterator[ModerationEvent]: ...
    @abstractmethod
    def _close(self) -> None: ...
