"""Service levels: how long a case may wait in its queue before it is overdue.

A case's clock starts when it enters a queue: when it is opened, escalated or appealed.
The hours per queue come from CORDON_SLA_HOURS ("threats=1,media=4,*=24"); queues it does
not name keep the defaults below, and `*` sets the hours of every other queue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from types import MappingProxyType

from cordon.errors import ConfigError

#: Credible threats and escalations within the hour; evasion and known media within a shift.
DEFAULT_HOURS: Mapping[str, float] = MappingProxyType(
    {"threats": 1.0, "escalations": 1.0, "evasion": 4.0, "media": 4.0}
)
#: Every other queue: a day.
OTHER_HOURS = 24.0


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    hours: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_HOURS))
    other: float = OTHER_HOURS

    def hours_for(self, queue: str) -> float:
        return self.hours.get(queue, self.other)

    def due(self, queue: str, since: datetime) -> datetime:
        return since + timedelta(hours=self.hours_for(queue))

    @classmethod
    def parse(cls, text: str) -> SlaPolicy:
        """'threats=1,media=4,*=24' on top of the defaults. Raises ConfigError on a bad item."""
        hours = dict(DEFAULT_HOURS)
        other = OTHER_HOURS
        for item in (part.strip() for part in text.split(",")):
            if not item:
                continue
            queue, sep, value = (s.strip() for s in item.partition("="))
            try:
                figure = float(value)
            except ValueError:
                figure = -1.0
            if not sep or not queue or not figure > 0 or figure == float("inf"):
                raise ConfigError(
                    f"CORDON_SLA_HOURS: bad item {item!r} (queue=hours, hours > 0, e.g. threats=1)"
                )
            if queue == "*":
                other = figure
            else:
                hours[queue] = figure
        return cls(hours, other)


DEFAULT_SLA = SlaPolicy()


@cache
def _parsed(text: str) -> SlaPolicy:
    return SlaPolicy.parse(text)


def current_sla() -> SlaPolicy:
    """The policy the settings give (the defaults when CORDON_SLA_HOURS is unset)."""
    from cordon.config import get_settings

    return _parsed(get_settings().sla_hours)
