"""The period a transparency report covers: a half-open span [since, until) of event times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from cordon.errors import InputError


@dataclass(frozen=True, slots=True)
class Period:
    """Events created at or after `since` and before `until`; None leaves that end open.

    Half-open so that consecutive periods (`--since 2016-01-01 --until 2017-01-01`, then
    `--since 2017-01-01 ...`) count every event exactly once."""

    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise InputError(f"report period: {name} must carry a time zone, got {value.isoformat()}")
        if self.since is not None and self.until is not None and self.since >= self.until:
            since, until = self.since.isoformat(), self.until.isoformat()
            raise InputError(f"report period: --since {since} is not before --until {until}")

    def __contains__(self, moment: datetime) -> bool:
        return (self.since is None or moment >= self.since) and (self.until is None or moment < self.until)

    def end(self, now: datetime) -> datetime:
        """The moment the period's state figures (holds active, appeals pending) describe."""
        return now if self.until is None or self.until > now else self.until

    @property
    def label(self) -> str:
        """'2016-01-01 to 2017-01-01', 'since 2016-01-01', ... or 'all time'."""
        since = _short(self.since) if self.since else None
        until = _short(self.until) if self.until else None
        if since and until:
            return f"{since} to {until}"
        if since:
            return f"since {since}"
        return f"until {until}" if until else "all time"

    @classmethod
    def parse(cls, since: str | None, until: str | None) -> Period:
        """From the command line: a date (its midnight, UTC) or an ISO 8601 time (UTC when it
        names no zone)."""
        return cls(parse_moment(since, "--since"), parse_moment(until, "--until"))


def parse_moment(text: str | None, option: str) -> datetime | None:
    if text is None or not text.strip():
        return None
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{option}: {text!r} is not a date or time (use 2016-01-31 or 2016-01-31T12:00:00+00:00)"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _short(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    if utc.time() == datetime.min.time():
        return date.isoformat(utc.date())
    return utc.strftime("%Y-%m-%d %H:%M UTC")
