"""Who is who on the synthetic platform: the roles and how many accounts each gets."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from cordon.scenario.config import ScenarioConfig


class Role(IntEnum):
    """An account's role. Int-valued so a million of them fit in a numpy int8 array."""

    OFFICIAL = 0
    HUB = 1
    SUPPORTER = 2
    RETURNING = 3
    ORDINARY = 4
    JOURNALIST = 5
    RESEARCHER = 6
    COUNTER_SPEECH = 7
    BRIGADE = 8

    @property
    def label(self) -> str:
        """The name ground truth uses ("counter_speech", "hub", ...)."""
        return self.name.lower()

    @property
    def in_network(self) -> bool:
        """Part of the extremist network: what the platform's rules are violated by."""
        return self in NETWORK

    @property
    def hard_negative(self) -> bool:
        """Talks about the network all day without endorsing it."""
        return self in HARD_NEGATIVES


NETWORK = frozenset({Role.OFFICIAL, Role.HUB, Role.SUPPORTER, Role.RETURNING})
HARD_NEGATIVES = frozenset({Role.JOURNALIST, Role.RESEARCHER, Role.COUNTER_SPEECH})
LABELS = tuple(r.label for r in Role)


@dataclass(frozen=True, slots=True)
class RoleCounts:
    """Fixed role sizes. Returning accounts are not here: how many come back is drawn."""

    officials: int
    hubs: int
    supporters: int
    journalists: int
    researchers: int
    counter_speech: int
    brigade: int

    @property
    def fixed_total(self) -> int:
        return (
            self.officials
            + self.hubs
            + self.supporters
            + self.journalists
            + self.researchers
            + self.counter_speech
            + self.brigade
        )


def role_counts(config: ScenarioConfig) -> RoleCounts:
    """Role sizes for a config. Small worlds still get a few of each, so every feature exists."""
    n = config.accounts
    return RoleCounts(
        officials=config.officials,
        hubs=config.hubs,
        supporters=max(20, round(n * config.supporter_share)),
        journalists=max(3, round(n * config.journalist_share)),
        researchers=max(2, round(n * config.researcher_share)),
        counter_speech=max(3, round(n * config.counter_speech_share)),
        # A brigade larger than a twentieth of a small world would swamp it.
        brigade=min(config.brigade_size, n // 20),
    )
