"""Review: case state computed from the moderation log, and the queues built from it."""

from cordon.cases.queue import review_queue
from cordon.cases.state import fold_cases

__all__ = ["fold_cases", "review_queue"]
