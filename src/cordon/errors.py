"""One exception hierarchy. The CLI prints a CordonError as one line and exits 2."""

from __future__ import annotations


class CordonError(Exception):
    """A user-facing error: bad input, bad configuration, a missing file."""


class ConfigError(CordonError):
    pass


class InputError(CordonError):
    """A whole input cannot be read (unknown format, missing file). Single bad records are
    quarantined instead, with a RecordError."""


class RecordError(CordonError):
    """One record is bad. Ingest quarantines it with this reason and goes on."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        self.reason = reason
        self.field = field
        super().__init__(f"{field}: {reason}" if field else reason)


class StoreError(CordonError):
    pass


class StoreConflict(StoreError):
    """An optimistic append lost a race: a case it expected at one version had moved on
    (another reviewer's claim or decision came first). Nothing was written."""


class PolicyError(CordonError):
    pass


class MediaError(InputError):
    """One image cannot be hashed (unreadable, truncated, too large, empty). The message
    names the file and the reason; a batch reports it and goes on to the next file."""


class StreamError(CordonError):
    """The stream broker cannot be reached or refused a request (live intake, stream/)."""
