"""Reading match-list files (hash lists, link lists) and writing false-positive exports.

One reader for every list file, streamed line by line, gzip or not. The format is told from
the first line that is neither blank nor a ``#`` comment:

- a CSV (comma or tab) whose header names a value column: ThreatExchange/HMA exports such as
  python-threatexchange's ``dataset --csv`` (``collab,signal_type,signal_str,category,tags``),
  HMA bank exports (``signal_type,signal_value``), ``FilePath,Hash``, ``url,label``, ...;
- a vPDQ hash file: ``frame_number,quality,pdq_hex,timestamp`` with no header;
- a JSON array (the Tech Against Terrorism hash list: ``hash_digest``, ``algorithm``,
  ``ideology``) or JSON lines, with the same field names as the CSV columns;
- otherwise one entry per line: ``VALUE``, ``SIGNAL_TYPE VALUE`` (python-threatexchange's
  local file format) or ``VALUE LABEL...``; a CSV with no header (``VALUE,LABEL,ADDED``) too.

A hash is a PDQ hash (64 hex digits) or an MD5 (32); its kind comes from a type column or
from its length. A link is a URL (exact), a URL ending in ``*`` (a prefix) or a bare host
(that host and its subdomains). Rows the list itself marks false positive are left out.
A bad line (wrong length, not hex, not a URL, broken CSV, bad time) is yielded as a
Quarantined with file:line and the reason, and reading goes on.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from cordon.domain.lists import HASH_KINDS, LINK_KINDS, LIST_KINDS, FalsePositive, ListEntry
from cordon.errors import InputError
from cordon.ingest.records import Quarantined

__all__ = [
    "ListEntry",
    "Quarantined",
    "parse_value",
    "read_hash_list",
    "read_list",
    "write_false_positive_export",
]

Item = ListEntry | Quarantined

JSON_DOCUMENT_LIMIT = 256 * 1024 * 1024
_HEX = re.compile(r"^[0-9a-f]+$")
_HASH_LENGTH = {"pdq": 64, "md5": 32}

# Header names, lower case with spaces and hyphens as '_'. A value column named after a kind
# says the kind of its values.
_VALUE_COLUMNS = {
    "signal": None, "signal_str": None, "signal_value": None, "signal_hash": None,
    "hash": None, "hash_digest": None, "hash_value": None, "indicator": None, "value": None,
    "pdq": "pdq", "pdq_hex": "pdq", "pdq_hash": "pdq",
    "md5": "md5", "md5_hash": "md5", "video_md5": "md5", "photo_md5": "md5",
    "url": "url", "link": "url", "uri": "url",
    "url_prefix": "url_prefix", "prefix": "url_prefix",
    "host": "host", "domain": "host", "hostname": "host",
}
_TYPE_COLUMNS = ("signal_type", "type", "hash_type", "algorithm", "algorithim", "indicator_type", "kind", "match")
_LABEL_COLUMNS = ("label", "labels", "tags", "tag", "ideology", "collab", "category")
_OPINION_COLUMNS = ("status", "opinion", "category")
_ADDED_COLUMNS = (
    "added_at", "added", "time", "timestamp", "created_at", "created_on", "creation_time",
    "date", "first_seen",
)
# Signal type names as ThreatExchange, HMA, pytx and TCAP write them, lower case.
_TYPE_NAMES = {
    "pdq": "pdq", "photo_pdq": "pdq", "image_pdq": "pdq", "imagepdq": "pdq", "hash_pdq": "pdq",
    "md5": "md5", "video_md5": "md5", "videomd5": "md5", "photo_md5": "md5", "hash_md5": "md5",
    "file_md5": "md5",
    "url": "url", "uri": "url", "link": "url", "exact": "url",
    "url_prefix": "url_prefix", "prefix": "url_prefix",
    "host": "host", "domain": "host", "hostname": "host",
}
# Opinions that say the list's owner does not stand behind the entry.
_NEGATIVE_OPINIONS = {
    "false_positive", "falsepositive", "fp", "negative_class", "does_not_fit_category",
    "disputed", "benign", "non_malicious",
}
# What the export calls each kind: pytx/HMA names where there is one.
EXPORT_TYPE_NAMES = {"pdq": "pdq", "md5": "video_md5", "url": "url", "url_prefix": "url_prefix", "host": "host"}


def read_hash_list(path: str | Path, default_label: str = "") -> Iterator[Item]:
    """PDQ and MD5 entries of a hash-list file; anything else in it is quarantined."""
    return read_list(path, default_label, kinds=HASH_KINDS)


def read_list(
    path: str | Path, default_label: str = "", *, kinds: Iterable[str] = LIST_KINDS
) -> Iterator[Item]:
    """Entries of the given kinds from a list file, in file order, and its bad lines as
    Quarantined. Entries without a label of their own get `default_label`.

    The file is opened and its format told at once: a missing or unreadable file raises
    InputError from this call. After that nothing raises."""
    wanted = tuple(kinds)
    for kind in wanted:
        if kind not in LIST_KINDS:
            raise ValueError(f"unknown list kind {kind!r}")
    source = str(path)
    stream = _open(Path(path), source)
    try:
        lines = _Lines(stream)
        head = lines.first_content()
    except BaseException:
        stream.close()
        raise
    return _read(stream, lines, head, source, default_label, wanted)


def parse_value(kind: str | None, raw: str, kinds: Iterable[str] = LIST_KINDS) -> tuple[str, str]:
    """(kind, normalised value) of one entry; kind None means: tell it from the value.
    ValueError with the reason when the value is not a valid entry of the allowed kinds."""
    from cordon.signals.links.normalize import normalize_host, normalize_url  # links imports us

    allowed = tuple(kinds)
    value = raw.strip()
    if not value:
        raise ValueError("empty value")
    if kind is None:
        kind = _guess_kind(value, allowed)
    if kind == "url" and value.endswith("*"):
        kind = "url_prefix"
    if kind not in allowed:
        raise ValueError(f"a {kind} entry does not belong in a list of {'/'.join(allowed)}")
    if kind in _HASH_LENGTH:
        value = value.lower()
        if not _HEX.match(value):
            raise ValueError(f"{kind} hash is not hexadecimal: {value[:80]!r}")
        if len(value) != _HASH_LENGTH[kind]:
            raise ValueError(f"{kind} hash must be {_HASH_LENGTH[kind]} hex digits, got {len(value)}")
        return kind, value
    if kind == "url":
        return kind, normalize_url(value)
    if kind == "url_prefix":
        stem = value.rstrip("*")
        prefix = normalize_url(stem)
        if stem.endswith("/") and "/" in prefix:
            prefix += "/"
        return kind, prefix
    host = normalize_host(value)
    if "." not in host and not host.startswith("["):
        raise ValueError(f"host {host!r} would match a whole top-level domain")
    return kind, host


def _guess_kind(value: str, allowed: tuple[str, ...]) -> str:
    lowered = value.lower()
    if _HEX.match(lowered) and len(lowered) in (64, 32):
        return "pdq" if len(lowered) == 64 else "md5"
    if not any(k in LINK_KINDS for k in allowed):
        if _HEX.match(lowered):
            raise ValueError(f"not a PDQ (64 hex digits) or MD5 (32 hex digits) hash: {len(lowered)} hex digits")
        raise ValueError(f"not a PDQ or MD5 hash: {value[:80]!r}")
    if value.endswith("*"):
        return "url_prefix"
    rest = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", value).rstrip("/")
    return "url" if ("/" in rest or "?" in rest) else "host"


# -- reading ---------------------------------------------------------------------------------
def _open(path: Path, source: str) -> IO[bytes]:
    try:
        raw = path.open("rb")
    except OSError as err:
        raise InputError(f"{source}: cannot read: {err.strerror or err}") from None
    if raw.peek(2)[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    return raw


class _Lines:
    """Decoded lines with their numbers; lines read ahead to tell the format are replayed."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._ahead: list[tuple[int, str]] = []
        self.n = 0  # lines read from the file
        self.line = 0  # the number of the line last handed out
        self.taken: list[str] = []  # the lines of the record being read, for quarantine

    def _next_raw(self) -> tuple[int, str]:
        raw = self._stream.readline()
        if not raw:
            raise StopIteration
        self.n += 1
        if self.n == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        return self.n, raw.decode("utf-8", "surrogateescape")

    def first_content(self) -> str | None:
        """Read ahead to the first line that is not blank or a comment."""
        try:
            while True:
                n, text = self._next_raw()
                self._ahead.append((n, text))
                if text.strip() and not text.lstrip().startswith("#"):
                    return text
        except StopIteration:
            return None
        except (OSError, EOFError) as err:
            raise InputError(f"cannot read: {err}") from None

    @property
    def next_line(self) -> int:
        return self.n + 1 - len(self._ahead)

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._ahead:
            self.line, text = self._ahead.pop(0)
        else:
            self.line, text = self._next_raw()
        self.taken.append(text)
        return text

    def numbered(self) -> Iterator[tuple[int, str]]:
        for text in self:
            self.taken.clear()
            yield self.line, text


def _read(
    stream: IO[bytes], lines: _Lines, head: str | None, source: str, label: str, kinds: tuple[str, ...]
) -> Iterator[Item]:
    try:
        if head is None:
            return
        first = head.strip()
        items: Iterable[Item | None]
        if first.startswith("["):
            items = _read_json_document(lines, source, label, kinds)
        elif first.startswith("{"):
            items = _read_json_lines(lines, source, label, kinds)
        elif (delimiter := _header_delimiter(first)) is not None:
            items = _read_csv(lines, source, label, kinds, delimiter, header=True)
        elif _is_vpdq(first):
            items = _read_vpdq(lines, source, label, kinds)
        elif "," in first and _is_hash(first.split(",")[0]):  # HASH,LABEL[,ADDED] without a header
            items = _read_csv(lines, source, label, kinds, ",", header=False)
        else:
            items = _read_plain(lines, source, label, kinds)
        for item in items:
            if item is not None:  # None: a row its owner marks false positive
                yield item
    except (OSError, EOFError) as err:  # a truncated gzip stream, a disk error part-way
        yield Quarantined(source, lines.n + 1, f"file unreadable from here on: {err}", b"")
    finally:
        stream.close()


def _column(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _header_delimiter(line: str) -> str | None:
    for delimiter in ("\t", ","):
        if delimiter in line and any(_column(c) in _VALUE_COLUMNS for c in line.split(delimiter)):
            return delimiter
    # A header of one column ('url', 'hash') with nothing else.
    return "," if _column(line) in _VALUE_COLUMNS else None


def _is_vpdq(line: str) -> bool:
    cells = [c.strip() for c in line.split(",")]
    return len(cells) == 4 and cells[0].isdigit() and cells[1].isdigit() and len(cells[2]) == 64 and bool(
        _HEX.match(cells[2].lower())
    )


def _is_hash(text: str) -> bool:
    value = text.strip().lower()
    return len(value) in (32, 64) and bool(_HEX.match(value))


def _is_value(text: str, kinds: tuple[str, ...]) -> bool:
    try:
        parse_value(None, text, kinds)
    except ValueError:
        return False
    return True


def _bad(source: str, line: int, reason: str, text: str) -> Quarantined:
    return Quarantined(source, line, reason, text.rstrip("\r\n").encode("utf-8", "surrogateescape"))


def _read_plain(lines: _Lines, source: str, label: str, kinds: tuple[str, ...]) -> Iterator[Item]:
    for n, text in lines.numbered():
        line = text.strip()
        if not line or line.startswith("#"):
            continue
        kind = None
        tokens = line.split(None, 1)
        if len(tokens) == 2 and _type_name(tokens[0]) and not _is_value(tokens[0], kinds):
            kind = _type_name(tokens[0])  # 'pdq <hash>', as python-threatexchange's file API
            tokens = tokens[1].split(None, 1)
        value, extra = tokens[0], tokens[1].strip() if len(tokens) == 2 else ""
        yield _entry(source, n, text, kind, value, extra or label, None, kinds)


def _read_vpdq(lines: _Lines, source: str, label: str, kinds: tuple[str, ...]) -> Iterator[Item]:
    for n, text in lines.numbered():
        line = text.strip()
        if not line or line.startswith("#"):
            continue
        cells = [c.strip() for c in line.split(",")]
        if len(cells) != 4:
            yield _bad(source, n, f"vPDQ line: expected 4 fields (frame,quality,pdq,timestamp), got {len(cells)}", text)
            continue
        if not cells[1].isdigit() or not 0 <= int(cells[1]) <= 100:
            yield _bad(source, n, f"vPDQ line: quality {cells[1]!r} is not 0-100", text)
            continue
        yield _entry(source, n, text, "pdq", cells[2], label, None, kinds)


def _read_csv(
    lines: _Lines, source: str, label: str, kinds: tuple[str, ...], delimiter: str, *, header: bool
) -> Iterator[Item | None]:
    reader = csv.reader(_skip_comments(lines), delimiter=delimiter, strict=True)
    columns: list[str] | None = None if header else ["value", "label", "added_at"]
    while True:
        lines.taken.clear()
        start = lines.next_line
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            yield _bad(source, start, f"bad CSV: {err}", "".join(lines.taken))
            continue
        if not row or not any(cell.strip() for cell in row):
            continue
        raw = "".join(lines.taken)
        if columns is None:
            columns = [_column(c) for c in row]
            continue
        if len(row) > len(columns):
            yield _bad(source, start, f"{len(row)} fields, more than the header's {len(columns)}", raw)
            continue
        yield _mapped(source, start, raw, dict(zip(columns, row)), label, kinds)


def _skip_comments(lines: _Lines) -> Iterator[str]:
    for text in lines:
        if text.lstrip().startswith("#"):
            yield "\n"  # keeps csv's view of line breaks; the blank row is skipped
        else:
            yield text


def _read_json_lines(lines: _Lines, source: str, label: str, kinds: tuple[str, ...]) -> Iterator[Item | None]:
    for n, text in lines.numbered():
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        try:
            value = orjson.loads(text.encode("utf-8", "surrogateescape"))
        except orjson.JSONDecodeError as err:
            yield _bad(source, n, f"invalid JSON: {err}", text)
            continue
        for item in value if isinstance(value, list) else [value]:
            yield _json_item(source, n, text, item, label, kinds)


def _read_json_document(
    lines: _Lines, source: str, label: str, kinds: tuple[str, ...]
) -> Iterator[Item | None]:
    chunks: list[str] = []
    size = 0
    start = None
    for n, text in lines.numbered():
        start = start or n
        size += len(text)
        if size > JSON_DOCUMENT_LIMIT:
            yield _bad(source, start, f"JSON document over {JSON_DOCUMENT_LIMIT} bytes: use JSON lines", "")
            return
        chunks.append(text)
    try:
        document = orjson.loads("".join(chunks).encode("utf-8", "surrogateescape"))
    except orjson.JSONDecodeError as err:
        yield _bad(source, start or 1, f"invalid JSON: {err}", "")
        return
    if not isinstance(document, list):
        yield _bad(source, start or 1, "a JSON document must be an array of entries", "")
        return
    for index, item in enumerate(document):
        yield _json_item(source, start or 1, f"[{index}]", item, label, kinds)


def _json_item(source: str, n: int, raw: str, item: Any, label: str, kinds: tuple[str, ...]) -> Item | None:
    if isinstance(item, str):
        return _entry(source, n, raw, None, item, label, None, kinds)
    if not isinstance(item, dict):
        return _bad(source, n, f"{raw.strip()[:20]}: expected an object or a string, got {type(item).__name__}", raw)
    fields = {}
    for key, value in item.items():
        if isinstance(value, list):
            value = " ".join(str(v) for v in value)
        fields[_column(str(key))] = "" if value is None else str(value)
    return _mapped(source, n, orjson.dumps(item).decode(), fields, label, kinds)


def _first(fields: Mapping[str, str], names: Iterable[str]) -> tuple[str, str] | None:
    for name in names:
        value = fields.get(name)
        if value is not None and value.strip():
            return name, value.strip()
    return None


def _mapped(
    source: str, n: int, raw: str, fields: Mapping[str, str], label: str, kinds: tuple[str, ...]
) -> Item | None:
    found = _first(fields, _VALUE_COLUMNS)
    if found is None:
        return _bad(source, n, "no value (no hash, signal, url or host column with a value)", raw)
    column, value = found
    kind = _VALUE_COLUMNS[column]
    typed = _first(fields, _TYPE_COLUMNS)
    if typed is not None:
        kind = _type_name(typed[1])
        if kind is None:
            return _bad(source, n, f"unsupported signal type {typed[1]!r}", raw)
    opinion = _first(fields, _OPINION_COLUMNS)
    if opinion is not None and _column(opinion[1]) in _NEGATIVE_OPINIONS:
        return None  # the owner says it is a false positive: not an entry
    entry_label = _first(fields, (c for c in _LABEL_COLUMNS if c != "category"))
    if entry_label is None and opinion is None:
        entry_label = _first(fields, ("category",))
    added = _first(fields, _ADDED_COLUMNS)
    return _entry(source, n, raw, kind, value, entry_label[1] if entry_label else label, added, kinds)


def _entry(
    source: str, n: int, raw: str, kind: str | None, value: str, label: str,
    added: tuple[str, str] | None, kinds: tuple[str, ...],
) -> Item:
    if any("\udc80" <= ch <= "\udcff" for ch in raw):
        return _bad(source, n, "not UTF-8", raw)
    try:
        kind, value = parse_value(kind, value, kinds)
        added_at = _parse_time(added[1]) if added else None
    except ValueError as err:
        return _bad(source, n, str(err), raw)
    return ListEntry(kind, value, label.strip(), added_at)


def _type_name(text: str) -> str | None:
    return _TYPE_NAMES.get(_column(text))


def _parse_time(text: str) -> datetime:
    value = text.strip()
    try:
        if re.fullmatch(r"\d+(\.\d+)?", value):
            seconds = float(value)
            if seconds > 1e11:  # milliseconds
                seconds /= 1000
            return datetime.fromtimestamp(seconds, UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" UTC", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"added: not a time: {value[:40]!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


# -- false-positive export -------------------------------------------------------------------
EXPORT_COLUMNS = ("list", "signal_type", "signal", "status", "reason", "marked_at")


def write_false_positive_export(
    path: str | Path | IO[str], false_positives: Iterable[FalsePositive], *, include_actor: bool = False
) -> int:
    """Write false-positive marks as a CSV for the list's owner, in the ThreatExchange/HMA
    manner of an opinion on a signal: ``list,signal_type,signal,status,reason,marked_at``
    with status ``false_positive`` (and ``marked_by`` when `include_actor`: reviewer names
    stay in house unless asked). Returns the number of rows. Reading the file back as a
    list gives no entries: every row says false positive."""
    columns = EXPORT_COLUMNS + (("marked_by",) if include_actor else ())
    if hasattr(path, "write"):
        return _write_export(path, false_positives, columns, include_actor)  # type: ignore[arg-type]
    if str(path) == "-":
        return _write_export(sys.stdout, false_positives, columns, include_actor)
    with open(path, "w", encoding="utf-8", newline="") as out:
        return _write_export(out, false_positives, columns, include_actor)


def _write_export(
    out: IO[str] | io.TextIOBase, marks: Iterable[FalsePositive], columns: tuple[str, ...], actor: bool
) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for mark in marks:
        row = [
            mark.list_name, EXPORT_TYPE_NAMES.get(mark.kind, mark.kind), mark.value, "false_positive",
            mark.reason, mark.marked_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        ]
        if actor:
            row.append(mark.marked_by)
        writer.writerow(row)
        count += 1
    return count
