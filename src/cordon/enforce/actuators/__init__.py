"""Adapters that carry an action out on a platform. Each SDK is imported in its own module."""

from cordon.enforce.actuators.base import Actuator
from cordon.enforce.actuators.configured import configured_actuators
from cordon.enforce.actuators.internal import InternalActuator

__all__ = ["Actuator", "InternalActuator", "configured_actuators"]
