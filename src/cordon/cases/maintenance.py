"""Housekeeping that must happen whether or not anyone runs a command: watch holds past their
expiry are ended (and their accounts reinstated), and decisions a crash cut short between
the decision and its action are carried out. `cordon maintain` runs it once (for cron); the
stream worker runs it every CORDON_MAINTAIN_SECONDS. Both parts are idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from cordon.cases.workflow import FINISH_GRACE, CaseService
from cordon.domain import Actor, Role
from cordon.enforce import Executor
from cordon.enforce.watch import expire_holds
from cordon.store import Store

#: The machine's name in the log for what it completes on a reviewer's behalf. It acts as an
#: admin only to carry out decisions people already made: it decides nothing itself.
MAINTAINER = Actor("cordon:maintenance", Role.ADMIN)


@dataclass(frozen=True, slots=True)
class Maintained:
    holds_expired: int = 0
    decisions_finished: int = 0

    def __str__(self) -> str:
        return (f"expired {self.holds_expired} hold(s), finished {self.decisions_finished} "
                "interrupted decision(s)")


def maintain(store: Store, executor: Executor, grace: timedelta = FINISH_GRACE) -> Maintained:
    expired = expire_holds(store, executor)
    finished = CaseService(store, executor, clock=executor.clock).finish_interrupted(MAINTAINER, grace)
    return Maintained(len(expired), len(finished))
