"""The review console: a FastAPI app over the store, the review queues and the executor,
with a JSON API beside the pages. Every post it shows was written by an adversary."""

from cordon.web.app import create_app

__all__ = ["create_app"]
