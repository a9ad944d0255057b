"""Streaming an input file into records, with every bad record quarantined and the run going on.

A file is read in binary, one line at a time (no line-length limit; nothing is loaded whole),
from a path or from ``-`` (stdin), gzip or not (told by its magic bytes, whatever the name).
Each non-blank line is one JSON value; a line holding a JSON array stands for its elements.
A file that is one JSON document spread over lines (a pretty-printed array or object, such as
a saved Mastodon timeline) is read whole when it is under WHOLE_DOCUMENT_LIMIT, and all its
records carry the line the document starts on.

Unless the caller names the format, it is detected from the first JSON value that a format
recognises among the first PROBE_LINES non-blank lines.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from pathlib import Path
from typing import IO, Any

import orjson

from cordon.errors import InputError, RecordError
from cordon.ingest.detect import EXPECTED, FORMATS, describe, get_format, match_format
from cordon.ingest.records import Quarantined, Record

WHOLE_DOCUMENT_LIMIT = 256 * 1024 * 1024
PROBE_LINES = 20
_BUFFER = 1 << 20
_BOM = b"\xef\xbb\xbf"
# What a broken gzip stream raises part-way (gzip.BadGzipFile is an OSError).
_STREAM_ERRORS = (OSError, EOFError, zlib.error)

Parser = Callable[[Any], Iterable[Record]]
Item = Record | Quarantined


def read_records(
    path: str | Path | IO[bytes], *, fmt: str | None = None, name: str | None = None
) -> Iterator[Item]:
    """Records and quarantined records from the file at path ('-' for stdin), in file order.
    `path` may also be an open binary stream (a progress bar's wrapper, say), named by `name`.

    The file is opened and its format detected at once, so a missing file, an unknown format
    name or an undetectable format raise InputError (naming the file) from this call. After
    that nothing raises: a bad record, or the corrupt tail of a gzip file, is a Quarantined.
    """
    source = name or _source(path)
    parse = get_format(fmt).parse if fmt is not None else None
    stream, closers = _open(path, source)
    try:
        lines, head, parse = _begin(stream, source, parse)
    except BaseException:
        _close(closers)
        raise
    return _read(lines, head, parse, source, closers)


def format_of(path: str | Path) -> str | None:
    """The detected format name of the file at path; None for a file without records."""
    source = _source(path)
    stream, closers = _open(path, source)
    try:
        _, _, parse = _begin(stream, source, None)
    finally:
        _close(closers)
    return next((name for name, fmt in FORMATS.items() if fmt.parse is parse), None)


def _source(path: str | Path | IO[bytes]) -> str:
    if hasattr(path, "read"):
        return str(getattr(path, "name", "<stream>"))
    return "<stdin>" if str(path) == "-" else str(path)


# -- opening -----------------------------------------------------------------------------


def _open(path: str | Path | IO[bytes], source: str) -> tuple[IO[bytes], list[IO[bytes]]]:
    """A binary stream, decompressed when the data are gzip, and what to close afterwards."""
    if hasattr(path, "read"):
        # The caller owns the stream; buffer it so the gzip magic can be peeked at.
        raw: Any = path if hasattr(path, "peek") else io.BufferedReader(path, _BUFFER)  # type: ignore[arg-type]
        closers: list[IO[bytes]] = []
    elif source == "<stdin>":
        raw = sys.stdin.buffer
        closers = []
    else:
        try:
            raw = open(path, "rb", buffering=_BUFFER)  # noqa: SIM115 (closed by _read)
        except FileNotFoundError:
            raise InputError(f"{source}: no such file") from None
        except IsADirectoryError:
            raise InputError(f"{source}: is a directory, not a file") from None
        except PermissionError:
            raise InputError(f"{source}: permission denied") from None
        except OSError as err:
            raise InputError(f"{source}: cannot open: {err.strerror or err}") from None
        closers = [raw]
    try:
        magic = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    except OSError as err:
        _close(closers)
        raise InputError(f"{source}: cannot read: {err.strerror or err}") from None
    if magic == b"\x1f\x8b":
        unzipped = gzip.GzipFile(fileobj=raw, mode="rb")
        lines = io.BufferedReader(_Gunzip(unzipped), _BUFFER)
        return lines, [lines, unzipped, *closers]
    return raw, closers


class _Gunzip(io.RawIOBase):
    """A GzipFile as a raw stream that hands over what it has decompressed so far. (Buffering
    the GzipFile itself would lose the lines before the break in a truncated file.)"""

    def __init__(self, unzipped: gzip.GzipFile) -> None:
        self._unzipped = unzipped

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._unzipped.read1(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _close(closers: list[IO[bytes]]) -> None:
    for stream in closers:
        # Closing a broken gzip stream can fail too; there is nothing left to save.
        with contextlib.suppress(Exception):
            stream.close()


# -- lines -------------------------------------------------------------------------------


class _Lines:
    """(line number, line) for each non-blank line. A stream that breaks off (a truncated gzip
    file) ends the lines and leaves the reason in ``error``."""

    __slots__ = ("_it", "n", "error")

    def __init__(self, chunks: Iterable[bytes], start: int = 0) -> None:
        self._it = iter(chunks)
        self.n = start
        self.error: str | None = None

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> tuple[int, bytes]:
        while True:
            try:
                raw = next(self._it)
            except StopIteration:
                raise
            except _STREAM_ERRORS as err:
                self.error = f"the data break off here: {type(err).__name__}: {err}"
                self._it = iter(())
                raise StopIteration from None
            self.n += 1
            if raw.isspace():
                continue
            if self.n == 1 and raw.startswith(_BOM):
                raw = raw[3:]
                if not raw or raw.isspace():
                    continue
            return self.n, raw


class _Bad:
    """A line that is not JSON, held during format detection."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


# Lines read while detecting the format: (line number, raw bytes, parsed value or _Bad).
# Raw b"" stands for an element of an array, serialised again if it must be quarantined.
_Head = list[tuple[int, bytes, Any]]


def _begin(
    stream: IO[bytes], source: str, parse: Parser | None
) -> tuple[_Lines, _Head, Parser | None]:
    """The lines still to read, the lines read so far, and the parser (None: no records)."""
    lines = _Lines(stream)
    first = next(lines, None)
    if first is None:
        if lines.error is not None:
            raise InputError(f"{source}: cannot read: {lines.error}")
        return lines, [], parse
    n, raw = first
    try:
        value: Any = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        bad = _Bad(_invalid_json(raw, err))
        # Perhaps one JSON document over many lines (a pretty-printed array or object).
        found = _whole_document(stream, source, raw, n)
        if isinstance(found, list):
            return _Lines(()), found, parse or _detect(found, source, at_end=True)
        lines = found
        n, raw = next(lines)
        value = bad
    head: _Head = [(n, raw, value)]
    if parse is not None:
        return lines, head, parse
    # Detect the format from the first value that a format recognises, among the first lines.
    while (found := _detect(head, source, at_end=False)) is None:
        following = next(lines, None) if len(head) < PROBE_LINES else None
        if following is None:
            return lines, head, _detect(head, source, at_end=True)
        n, raw = following
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError as err:
            value = _Bad(_invalid_json(raw, err))
        head.append((n, raw, value))
    return lines, head, found


def _whole_document(stream: IO[bytes], source: str, first: bytes, n: int) -> _Head | _Lines:
    """The head of a one-document file (every value on line n), or, when the data are not one
    JSON document, lines to read again from line n."""
    seekable = source != "<stdin>" and isinstance(stream, io.BufferedReader) and stream.seekable()
    if seekable:
        try:
            if os.fstat(stream.fileno()).st_size > WHOLE_DOCUMENT_LIMIT:
                return _Lines(chain([first], stream), n - 1)
        except (OSError, io.UnsupportedOperation):
            seekable = False
    wanted = WHOLE_DOCUMENT_LIMIT + 1 - len(first)
    try:
        rest = stream.read(wanted)
    except _STREAM_ERRORS:
        return _Lines(chain([first], stream), n - 1)
    if len(rest) < wanted:  # the whole input is in hand
        data = first + rest
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
        else:
            if isinstance(value, list):
                return [(n, b"", item) for item in value]
            return [(n, data.strip(), value)]
    if seekable:  # read it again from the top rather than hold it in memory
        stream.seek(0)
        return _Lines(stream)
    if not rest.endswith(b"\n"):
        with contextlib.suppress(*_STREAM_ERRORS):
            rest += stream.readline()
    return _Lines(chain(io.BytesIO(first + rest), stream), n - 1)


def _detect(head: _Head, source: str, *, at_end: bool) -> Parser | None:
    """The parser for the first value in head that a format recognises.

    None while more lines may tell (not at_end), or when the input holds nothing but empty
    arrays. By the end of the probe, InputError naming source if no format fits.
    """
    for _, _, value in head:
        if isinstance(value, _Bad):
            continue
        name = match_format(value)
        if name is None and isinstance(value, list) and value:
            name = match_format(value[0])
        if name is not None:
            return get_format(name).parse
    if not at_end:
        return None
    values = [value for _, _, value in head if not isinstance(value, _Bad)]
    if not values and not head:
        return None
    if values and len(values) == len(head) and all(v == [] for v in values):
        return None  # nothing but empty arrays: no records, and nothing wrong
    if values:
        raise InputError(f"{source}: unknown format: {describe(values[0])} {EXPECTED}")
    n, _, bad = head[0]
    raise InputError(
        f"{source}: unknown format: no JSON value in the first {len(head)} non-blank "
        f"line{'s' if len(head) > 1 else ''} (line {n}: {bad.reason})"
    )


# -- records -----------------------------------------------------------------------------


def _read(
    lines: _Lines, head: _Head, parse: Parser | None, source: str, closers: list[IO[bytes]]
) -> Iterator[Item]:
    try:
        if parse is None:
            return
        for n, raw, value in head:
            if b"\\u0000" in raw:
                value = without_nul(value)
            if isinstance(value, _Bad):
                yield Quarantined(source, n, value.reason, raw.rstrip(b"\r\n"))
            elif type(value) is list:
                for item in value:
                    yield from _value(parse, item, source, n, b"")
            else:
                yield from _value(parse, value, source, n, raw)
        loads = orjson.loads
        decode_error = orjson.JSONDecodeError
        for n, raw in lines:
            try:
                value = loads(raw)
            except decode_error as err:
                yield Quarantined(source, n, _invalid_json(raw, err), raw.rstrip(b"\r\n"))
                continue
            if b"\\u0000" in raw:
                value = without_nul(value)
            if type(value) is list:
                for item in value:
                    yield from _value(parse, item, source, n, b"")
                continue
            try:
                records = list(parse(value))
            except RecordError as err:
                yield Quarantined(source, n, str(err), raw.rstrip(b"\r\n"))
                continue
            except Exception as err:  # a parser bug must not stop the run; it says so plainly
                yield Quarantined(source, n, _bug(err), raw.rstrip(b"\r\n"))
                continue
            yield from records
        if lines.error is not None:
            yield Quarantined(source, lines.n + 1, lines.error, b"")
    finally:
        _close(closers)


def without_nul(value: Any) -> Any:
    """The value with NUL characters removed from every string. JSON allows "\\u0000", but
    PostgreSQL text cannot hold it, and it carries no meaning in a post or a profile. Only
    lines whose bytes contain the escape pay for this walk."""
    if type(value) is str:
        return value.replace("\x00", "")
    if type(value) is list:
        return [without_nul(v) for v in value]
    if type(value) is dict:
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    return value


def _value(parse: Parser, value: Any, source: str, n: int, raw: bytes) -> Iterator[Item]:
    """The records of one JSON value, or a Quarantined for it (raw b'': serialise the value)."""
    try:
        records = list(parse(value))
    except RecordError as err:
        yield Quarantined(source, n, str(err), raw.rstrip(b"\r\n") if raw else orjson.dumps(value))
        return
    except Exception as err:  # see _read
        yield Quarantined(source, n, _bug(err), raw.rstrip(b"\r\n") if raw else orjson.dumps(value))
        return
    yield from records


def _invalid_json(raw: bytes, err: orjson.JSONDecodeError) -> str:
    """orjson's complaint about the line without its line break, whose position it would
    otherwise count as a line of its own."""
    stripped = raw.rstrip(b"\r\n")
    if len(stripped) != len(raw):
        try:
            orjson.loads(stripped)
        except orjson.JSONDecodeError as again:
            err = again
    return f"invalid JSON: {err}"


def _bug(err: Exception) -> str:
    return f"parser error ({type(err).__name__}: {err}); this is a bug in cordon, please report it"
