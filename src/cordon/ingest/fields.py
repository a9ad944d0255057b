"""Checked field access shared by the format parsers: every failure names the field."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from cordon.errors import RecordError


def require_id(obj: dict[str, Any], field: str) -> str:
    """An id as a non-empty string. Platforms send ids as strings or ints."""
    value = obj.get(field)
    if value is None or value == "":
        raise RecordError("missing id", field)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise RecordError(f"expected a string id, got {type(value).__name__}", field)
    return str(value)


def optional_id(obj: dict[str, Any], field: str) -> str | None:
    value = obj.get(field)
    if value is None or value == "":
        return None
    return require_id(obj, field)


def text(obj: dict[str, Any], field: str, default: str = "") -> str:
    value = obj.get(field)
    if value is None:
        return default
    if not isinstance(value, str):
        raise RecordError(f"expected text, got {type(value).__name__}", field)
    return value


def optional_int(obj: dict[str, Any], field: str) -> int | None:
    value = obj.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(f"expected an integer, got {type(value).__name__}", field)
    return value


def optional_float(obj: dict[str, Any], field: str, default: float) -> float:
    value = obj.get(field)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RecordError(f"expected a number, got {type(value).__name__}", field)
    return float(value)


def timestamp(obj: dict[str, Any], field: str) -> datetime | None:
    """An ISO-8601 time (twarc2's '2021-04-08T15:07:30.000Z' included), as aware UTC."""
    value = obj.get(field)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordError(f"expected an ISO-8601 time, got {type(value).__name__}", field)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RecordError(f"not an ISO-8601 time: {value[:40]!r}", field) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def string_list(obj: dict[str, Any], field: str) -> tuple[str, ...]:
    value = obj.get(field)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise RecordError("expected a list of strings", field)
    return tuple(str(v) for v in value)


def isoformat(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")
