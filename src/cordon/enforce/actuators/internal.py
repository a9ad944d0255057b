"""The internal actuator: the account's status in cordon's own store. Always present, so a
platform with no API (or a researcher's copy of one) still has a record of what was done."""

from __future__ import annotations

from cordon.domain import Action
from cordon.store import Store


class InternalActuator:
    name = "internal"

    def __init__(self, store: Store) -> None:
        self._store = store

    def apply(self, action: Action) -> None:
        status = action.kind.resulting_status
        if status is not None:
            self._store.set_account_status(action.subject, status)
