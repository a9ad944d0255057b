"""The feeds' errors. Each is a CordonError, so the CLI prints it as one line."""

from __future__ import annotations

from cordon.errors import CordonError, RecordError


class FeedError(CordonError):
    """A feed cannot run: a missing secret, an unreachable server, an unreadable cursor file."""


class SignatureError(FeedError):
    """A webhook request whose signature is missing or wrong: it is not from the platform."""


class ReplayError(FeedError):
    """A signed webhook event seen before within the replay window, or one too old (or too far
    in the future) to be checked against that window."""


class BadEvent(RecordError):
    """A signed event that cannot be turned into cordon records; quarantined with its reason."""
