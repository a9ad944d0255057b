"""What a test does when something it needs is absent: skip on a user's machine, fail in CI
(CORDON_REQUIRE_SERVICES=1), so a missing service or data set never passes for a green run.
A module of its own (tests/ is on sys.path) so every folder's conftest can import it."""

from __future__ import annotations

import os

import pytest


def services_required() -> bool:
    return os.environ.get("CORDON_REQUIRE_SERVICES", "") not in ("", "0", "false")


def missing(reason: str) -> None:
    """Skip on a user's machine; fail in CI, where CORDON_REQUIRE_SERVICES=1."""
    if services_required():
        pytest.fail(f"{reason} (CORDON_REQUIRE_SERVICES=1 makes this a failure)")
    pytest.skip(reason)  # only on a user's machine: under CORDON_REQUIRE_SERVICES it failed above
