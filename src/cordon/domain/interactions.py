"""A directed edge between two accounts: who followed, reposted, mentioned, replied to or quoted whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class InteractionKind(StrEnum):
    # Endorsement: the source spreads or subscribes to the target.
    FOLLOW = "follow"
    REPOST = "repost"
    QUOTE = "quote"
    # Attention: journalists and researchers do this to extremists all day.
    MENTION = "mention"
    REPLY = "reply"

    @property
    def is_endorsement(self) -> bool:
        return self in (InteractionKind.FOLLOW, InteractionKind.REPOST, InteractionKind.QUOTE)


@dataclass(slots=True)
class Interaction:
    platform: str
    kind: InteractionKind
    source_id: str
    target_id: str
    created_at: datetime | None = None
    # The post that carried it (repost, quote, reply, mention); None for a follow.
    post_id: str | None = None
    weight: float = 1.0
