"""The input formats, in one registry, and telling them apart from a file's first JSON value."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from cordon.errors import InputError
from cordon.ingest import mastodon, native, twarc2
from cordon.ingest.records import Record


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    looks: Callable[[Any], bool]
    parse: Callable[[Any], Iterator[Record]]
    description: str


# Detection tries these in order: native records say what they are, so they go first.
FORMATS: dict[str, Format] = {
    fmt.name: fmt
    for fmt in (
        Format("native", native.looks_native, native.parse, "cordon's own JSONL records"),
        Format(
            "twarc2",
            twarc2.looks_twarc2,
            twarc2.parse,
            "Twitter API v2 as twarc2 writes it (raw pages or flattened tweets)",
        ),
        Format("mastodon", mastodon.looks_mastodon, mastodon.parse, "Mastodon REST API entities"),
    )
}


def get_format(name: str) -> Format:
    """The format called name; InputError listing the known ones otherwise."""
    try:
        return FORMATS[name]
    except KeyError:
        raise InputError(f"unknown format {name!r}; expected one of {', '.join(FORMATS)}") from None


def match_format(obj: Any) -> str | None:
    """The name of the first format obj looks like, or None."""
    for fmt in FORMATS.values():
        if fmt.looks(obj):
            return fmt.name
    return None


def detect_format(first_obj: Any, source: str = "<input>") -> str:
    """The format of a file whose first JSON value is first_obj; InputError naming source if
    none fits."""
    name = match_format(first_obj)
    if name is None:
        raise InputError(f"{source}: unknown format: {describe(first_obj)} {EXPECTED}")
    return name


EXPECTED = (
    "(expected twarc2 / Twitter API v2 JSONL, Mastodon API JSON, or cordon's native JSONL; "
    "name the format to skip detection)"
)


def describe(obj: Any) -> str:
    """A short account of a JSON value, for error messages."""
    if isinstance(obj, dict):
        keys = list(obj)
        shown = ", ".join(repr(k) for k in keys[:8])
        more = f", … ({len(keys)} keys)" if len(keys) > 8 else ""
        return f"a JSON object with keys {shown}{more}" if keys else "an empty JSON object"
    if isinstance(obj, list):
        if not obj:
            return "an empty JSON array"
        return f"a JSON array of {len(obj)} values, the first {describe(obj[0])}"
    return f"a JSON {type(obj).__name__} {str(obj)[:40]!r}"
