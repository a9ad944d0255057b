"""Enforcement: an executor that carries actions out through actuators and records them."""

from cordon.enforce.executor import Executor

__all__ = ["Executor"]
