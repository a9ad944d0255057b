"""Case fixtures on every backend: a clock and the review service over the store."""

from __future__ import annotations

import pytest
from casekit import Clock

from cordon.cases.workflow import CaseService
from cordon.enforce import Executor


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(store, clock) -> CaseService:
    return CaseService(store, Executor(store, [], clock=clock), clock=clock)
