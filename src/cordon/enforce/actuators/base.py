"""What an actuator is: something that applies one action to the platform, or raises."""

from __future__ import annotations

from typing import Protocol

from cordon.domain import Action


class Actuator(Protocol):
    name: str

    def apply(self, action: Action, idempotency_key: str | None = None) -> None:
        """Carry the action out. The outbox passes the same key on every retry of one action,
        so an actuator that forwards it (the webhook) or checks the platform first (Mastodon)
        applies it once. An older actuator without the parameter still works: the outbox
        calls it with the action alone (enforce/outbox.call_actuator), and it must then be
        idempotent on the action itself."""
        ...
