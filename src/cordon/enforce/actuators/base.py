"""What an actuator is: something that applies one action to the platform, or raises."""

from __future__ import annotations

from typing import Protocol

from cordon.domain import Action


class Actuator(Protocol):
    name: str

    def apply(self, action: Action) -> None: ...
