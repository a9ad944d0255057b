"""Match indexes for known-media hash lists: PDQ (256-bit, Hamming distance) and MD5 (exact).

Matching is kept apart from hashing, as in python-threatexchange (`signal_type/index.py`):
this module never sees an image, only hashes.

Codes. A PDQ hash is held as ``uint64[N, 4]`` ("codes"): word ``k`` is the big-endian value
of hex characters ``16k .. 16k+15``, so bit 0 of the hash (the first hex digit's high bit)
is the top bit of word 0. :func:`parse_pdq_hex` returns that layout; every index also
accepts ``uint8[N, 32]`` (the hash's bytes in order) and sequences of 64-hex strings.

Indexes. :class:`LinearPdqIndex` is the reference: brute force with numpy
``bitwise_count``, like pytx's ``TrivialLinearSearchHashIndex``. :class:`MultiIndexPdqIndex`
is multi-index hashing (Norouzi, Punjani & Fleet, "Fast search in Hamming space with
multi-index hashing", CVPR 2012): the 256 bits are split into ``m`` disjoint substrings,
each with its own table. If ``d(q, x) <= r`` and ``r = m * s + a`` (``0 <= a < m``), then by
pigeonhole some one of any ``a + 1`` chosen substrings is within ``s`` of the query's, or
some other substring is within ``s - 1``. So the search enumerates, per table, every key
within that radius of the query's substring, and checks each item found there with the full
256-bit distance. The result is exactly brute force's, for every radius.

Tables are CSR: per table the offsets of every substring value's bucket and the item ids
(uint32) sorted by substring value, then by id. Offsets are compressed (60 buckets a cache
line, see :data:`BLOCK`) when a table averages at most 2 items a bucket, plain uint32
otherwise. With 10 million hashes the default layout is m = 11 (six substrings of 24 bits
and four of 23 at radius 2, one of 20 at radius 1): about 907 MB with the codes, which are
kept 64-byte aligned (see :func:`_aligned_empty`).

The search kernels are compiled with numba (a dependency of the project for this module).
The same multi-index search written in numpy alone, vectorised over the whole batch (probe
keys, range expansion, gather, ``bitwise_count``), was measured first in
``benchmarks/hash_lookup.py``: about 1,300 queries/s on one core at 10M hashes, against the
4,000 issue 4 asks for. The cost is one cache miss per probe, per bucket and per candidate
(~8,000 a query), and numpy makes several passes over large temporaries for each; the numba
kernel runs them as a prefetching software pipeline (see ``_mih``) at about 4,000. numba is
imported on the first build or search, not on import (it costs 0.3 s), and its machine code
is cached in ``__pycache__``.
"""

from __future__ import annotations

import json
import math
import os
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "Hits",
    "LinearPdqIndex",
    "Md5Index",
    "MultiIndexPdqIndex",
    "PdqIndex",
    "build_pdq_index",
    "load_pdq_hex_file",
    "parse_md5_hex",
    "parse_pdq_hex",
    "to_hex",
]

PDQ_BITS = 256
#: The radius issue 4 asks every index to be exact at (PDQ's usual match threshold).
DEFAULT_RADIUS = 31
#: Below this many hashes :func:`build_pdq_index` uses the linear index; measured in
#: benchmarks/hash_lookup.py (see docs/benchmarks.md, "PDQ match index").
LINEAR_CROSSOVER = 1_000

_HEX_LUT = np.full(256, 255, dtype=np.uint8)
for _i, _c in enumerate(b"0123456789abcdef"):
    _HEX_LUT[_c] = _i
for _i, _c in enumerate(b"ABCDEF"):
    _HEX_LUT[_c] = 10 + _i
_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


# --------------------------------------------------------------------------- parsing


def _hex_rows(data: bytes, width: int, what: str) -> np.ndarray:
    """``uint8[N, width // 2]`` from text of ``width``-hex lines ("\\n" between them).

    The fast path reads the whole text as one array when every line has the same length;
    otherwise each line is checked so that the error names the bad entry.
    """
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
    if data.endswith(b"\n"):
        data = data[:-1]
    if not data:
        return np.zeros((0, width // 2), dtype=np.uint8)
    stride = width + 1
    n = (len(data) + 1) // stride
    if (len(data) + 1) % stride == 0:
        buf = np.frombuffer(data + b"\n", dtype=np.uint8).reshape(n, stride)
        if (buf[:, width] == ord("\n")).all():
            nib = _HEX_LUT[buf[:, :width]]
            bad = (nib == 255).any(axis=1)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise ValueError(
                    f"{what} entry {i}: not a {width}-hex string: {_show(buf[i, :width])}"
                )
            return (nib[:, 0::2] << 4) | nib[:, 1::2]
    lines = data.split(b"\n")
    out = np.empty((len(lines), width // 2), dtype=np.uint8)
    for i, line in enumerate(lines):
        line = line.strip()
        if len(line) != width:
            raise ValueError(
                f"{what} entry {i}: expected {width} hex characters, got {len(line)}: {_show(line)}"
            )
        nib = _HEX_LUT[np.frombuffer(line, dtype=np.uint8)]
        if (nib == 255).any():
            raise ValueError(f"{what} entry {i}: not a {width}-hex string: {_show(line)}")
        out[i] = (nib[0::2] << 4) | nib[1::2]
    return out


def _show(raw: bytes | np.ndarray) -> str:
    text = bytes(raw).decode("utf-8", "replace")
    return repr(text if len(text) <= 70 else text[:67] + "...")


def _to_bytes(hexes: Sequence[str] | str | bytes, what: str) -> bytes:
    if isinstance(hexes, bytes):
        return hexes
    if isinstance(hexes, str):
        return hexes.encode("ascii", "replace")
    try:
        data = ("\n".join(hexes) + "\n").encode("ascii")  # every entry a line, even ""
    except (TypeError, UnicodeEncodeError):
        data = None
    if data is None or data.count(b"\n") != len(hexes):  # a bad entry: name it
        for i, h in enumerate(hexes):
            if not isinstance(h, str) or not h.isascii() or "\n" in h:
                raise ValueError(f"{what} entry {i}: not a hex string: {h!r}")
    return data


def _bytes_to_codes(raw: np.ndarray) -> np.ndarray:
    out = _aligned_empty((len(raw), 4), np.uint64)  # aligned: see _aligned_empty
    out[...] = np.ascontiguousarray(raw).view(">u8")
    return out


def parse_pdq_hex(hexes: Sequence[str] | str | bytes) -> np.ndarray:
    """PDQ hashes as 64-hex strings -> codes, ``uint64[N, 4]`` (see the module docstring).

    ``hexes`` is a sequence of strings, or one string (or bytes) of lines, one hash a line;
    upper and lower case are both accepted. Raises ValueError naming the first bad entry.
    10 million lines parse in a few seconds.
    """
    return _bytes_to_codes(_hex_rows(_to_bytes(hexes, "PDQ"), 64, "PDQ"))


def load_pdq_hex_file(path: str | os.PathLike[str]) -> np.ndarray:
    """Codes from a file of 64-hex PDQ hashes, one a line (the format of hash list exports)."""
    return _bytes_to_codes(_hex_rows(Path(path).read_bytes(), 64, f"PDQ {path}"))


def as_codes(codes: Any) -> np.ndarray:
    """Accept codes ``uint64[N, 4]``, bytes ``uint8[N, 32]`` (or one hash as ``[4]``/``[32]``)
    or 64-hex strings; return C-contiguous ``uint64[N, 4]``."""
    if isinstance(codes, (str, bytes)):
        return parse_pdq_hex(codes)
    if not isinstance(codes, np.ndarray):
        codes = list(codes)
        if not codes:
            return np.zeros((0, 4), dtype=np.uint64)
        if isinstance(codes[0], str):
            return parse_pdq_hex(codes)
        codes = np.asarray(codes)
    if codes.ndim == 1:
        codes = codes[None, :]
    if codes.ndim == 2 and codes.shape[1] == 4 and codes.dtype == np.uint64:
        return np.ascontiguousarray(codes)
    if codes.ndim == 2 and codes.shape[1] == 32 and codes.dtype == np.uint8:
        return _bytes_to_codes(codes)
    if codes.ndim == 2 and codes.shape[0] == 0:
        return np.zeros((0, 4), dtype=np.uint64)
    raise ValueError(
        f"PDQ codes must be uint64[N, 4], uint8[N, 32] or 64-hex strings; got {codes.dtype}{list(codes.shape)}"
    )


def to_hex(codes: Any) -> list[str]:
    """Codes (``uint64[N, 4]`` or ``uint8[N, 32]``) -> lowercase 64-hex strings."""
    c = as_codes(codes)
    raw = c.astype(">u8").view(np.uint8).reshape(len(c), 32)
    chars = np.empty((len(c), 64), dtype=np.uint8)
    chars[:, 0::2] = _HEX_DIGITS[raw >> 4]
    chars[:, 1::2] = _HEX_DIGITS[raw & 15]
    text = chars.tobytes().decode("ascii")
    return [text[i * 64 : (i + 1) * 64] for i in range(len(c))]


def parse_md5_hex(hexes: Sequence[str] | str | bytes) -> np.ndarray:
    """MD5 digests as 32-hex strings -> ``uint8[N, 16]``. ValueError names a bad entry."""
    return _hex_rows(_to_bytes(hexes, "MD5"), 32, "MD5")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Hits:
    """Matches of a batch: ``query[i]`` (row of the query batch) matched ``item[i]`` (row of
    the indexed list) at ``distance[i]`` bits. Sorted by (query, distance, item)."""

    query: np.ndarray  # int32
    item: np.ndarray  # int64
    distance: np.ndarray  # uint16

    def __len__(self) -> int:
        return len(self.query)

    @staticmethod
    def empty() -> Hits:
        return Hits(np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros(0, np.uint16))

    @staticmethod
    def sorted(query: np.ndarray, item: np.ndarray, distance: np.ndarray) -> Hits:
        order = np.lexsort((item, distance, query))
        return Hits(
            query.astype(np.int32)[order],
            item.astype(np.int64)[order],
            distance.astype(np.uint16)[order],
        )

    def for_query(self, q: int) -> list[tuple[int, int]]:
        lo, hi = np.searchsorted(self.query, [q, q + 1])
        return list(zip(self.item[lo:hi].tolist(), self.distance[lo:hi].tolist(), strict=True))


# --------------------------------------------------------------------------- interface


class PdqIndex(ABC):
    """An index over PDQ codes; ``search`` returns every item within ``radius`` bits."""

    def __init__(self, codes: Any) -> None:
        self._codes = as_codes(codes)

    def __len__(self) -> int:
        return len(self._codes)

    @property
    def codes(self) -> np.ndarray:
        return self._codes

    def search(self, queries: Any, radius: int = DEFAULT_RADIUS) -> Hits:
        """All (query, item) pairs within ``radius`` (inclusive), sorted by
        (query, distance, item). ``queries`` is anything :func:`as_codes` accepts."""
        if isinstance(radius, bool) or not isinstance(radius, (int, np.integer)):
            raise ValueError(f"radius must be an int, got {radius!r}")  # noqa: TRY004 - bad input
        if not 0 <= radius <= PDQ_BITS:
            raise ValueError(f"radius must be in 0..{PDQ_BITS}, got {radius}")
        q = as_codes(queries)
        if len(q) == 0 or len(self._codes) == 0:
            return Hits.empty()
        return self._search(q, int(radius))

    def search_one(self, hex: str, radius: int = DEFAULT_RADIUS) -> list[tuple[int, int]]:
        """One 64-hex query -> [(item, distance)], nearest first."""
        return self.search(parse_pdq_hex([hex]), radius).for_query(0)

    def search_masked(self, queries: Any, masks: Any, radius: int, max_masked: int) -> Hits:
        """All (query, item) pairs within ``radius`` bits that also differ in at most
        ``max_masked`` of the bits set in the query's mask (the relaxed rule of guesses.py),
        sorted as search's; ``distance`` is the whole-hash distance. A compiled scan of every
        item, whatever the index: a per-query mask defeats the substring tables, and the
        scan reads each item once for the whole batch (see docs/benchmarks.md)."""
        q, m = as_codes(queries), as_codes(masks)
        if len(q) != len(m):
            raise ValueError(f"{len(q)} queries but {len(m)} masks")
        for name, value in (("radius", radius), ("max_masked", max_masked)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value <= PDQ_BITS:
                raise ValueError(f"{name} must be an int in 0..{PDQ_BITS}, got {value!r}")
        if len(q) == 0 or len(self._codes) == 0:
            return Hits.empty()
        room = 1024
        while True:
            hq, hi = np.empty(room, np.int32), np.empty(room, np.int64)
            hd = np.empty(room, np.uint16)
            found = _kernels().masked(q, m, self._codes, int(radius), int(max_masked), hq, hi, hd)
            if found <= room:
                return Hits.sorted(hq[:found], hi[:found], hd[:found])
            room = found

    @abstractmethod
    def _search(self, queries: np.ndarray, radius: int) -> Hits: ...

    def nbytes(self) -> int:
        """Memory held by the index's arrays."""
        return self._codes.nbytes


class LinearPdqIndex(PdqIndex):
    """Brute force with numpy ``bitwise_count``: the reference every other index must equal."""

    _BLOCK = 1 << 22  # query x item pairs per step: bounds the temporaries to ~130 MB

    def _search(self, queries: np.ndarray, radius: int) -> Hits:
        codes = self._codes
        n = len(codes)
        step = max(1, self._BLOCK // max(n, 1))
        qs, its, ds = [], [], []
        for start in range(0, len(queries), step):
            block = queries[start : start + step]
            dist = np.zeros((len(block), n), dtype=np.uint16)
            for w in range(4):
                dist += np.bitwise_count(block[:, w, None] ^ codes[None, :, w])
            qi, it = np.nonzero(dist <= radius)
            qs.append(qi + start)
            its.append(it)
            ds.append(dist[qi, it])
        return Hits.sorted(np.concatenate(qs), np.concatenate(its), np.concatenate(ds))


# --------------------------------------------------------------------------- multi-index hashing


#: Widest substring: a plain table's offsets take 4 * 2**bits bytes (1 GiB at 28).
MAX_BITS = 28
#: Buckets per block of a compressed offsets table. A block is one 64-byte cache line: the
#: uint32 start of its first bucket (``base``), then 60 uint8 running counts, ``c[j]`` = the
#: items in the block's buckets ``0 .. j`` (so bucket ``j`` is ``base + c[j-1] .. base + c[j]``).
#: One probe then reads one line, and at 10M hashes a 24-bit table takes 18 MB, not 64 MB.
BLOCK = 60
#: A table is compressed when it has at most this many items per bucket on average (a block
#: then holds ~120 of the 255 its counts allow); denser tables keep plain uint32 offsets.
COMPRESS_MAX_LOAD = 2.0
#: A block whose buckets hold more than 255 items (heavy buckets: near-duplicate families)
#: has this bit set in ``base`` and the rest of it indexes a row of 61 uint32 offsets in
#: the index's ``overflow`` array. So compressed tables need n < 2**31.
OVERFLOW = 0x80000000


def compressed(bits: int, n: int) -> bool:
    """Whether a table of ``bits``-wide substrings over ``n`` hashes gets compressed offsets."""
    return n < OVERFLOW and n <= COMPRESS_MAX_LOAD * (1 << bits)


def _blocks(bits: int) -> int:
    return -(-(1 << bits) // BLOCK)


@cache
def _offsets_bytes(bits: int, n: int | None) -> int:
    return 64 * _blocks(bits) if n is not None and compressed(bits, n) else 4 * ((1 << bits) + 1)


@dataclass(frozen=True)
class Layout:
    """Substring widths, in table order (widest first); they tile the 256 bits in order."""

    bits: tuple[int, ...]

    def __post_init__(self) -> None:
        if sum(self.bits) != PDQ_BITS or not all(1 <= b <= MAX_BITS for b in self.bits):
            raise ValueError(
                f"substring widths must be 1..{MAX_BITS} bits and sum to 256: {self.bits}"
            )
        if list(self.bits) != sorted(self.bits, reverse=True):
            raise ValueError(f"substring widths must be in decreasing order: {self.bits}")

    @property
    def m(self) -> int:
        return len(self.bits)

    @property
    def starts(self) -> tuple[int, ...]:
        return tuple(int(s) for s in np.cumsum((0, *self.bits[:-1])))

    def radii(self, radius: int) -> list[int]:
        """Per table, the substring radius to enumerate (-1: skip the table).

        ``radius = m*s + a``: the a+1 widest tables at ``s``, the others at ``s - 1``.
        """
        s, a = divmod(radius, self.m)
        return [s if t <= a else s - 1 for t in range(self.m)]

    def offsets_bytes(self, n: int | None = None) -> int:
        """Bytes of the tables' offsets for ``n`` hashes (``None``: every table plain)."""
        return sum(_offsets_bytes(b, n) for b in self.bits)

    def nbytes(self, n: int) -> int:
        """Bytes of the index over ``n`` hashes: codes, ids and offsets (not counting the
        overflow rows of heavy blocks, none on uniform codes)."""
        return 32 * n + 4 * self.m * n + self.offsets_bytes(n)

    def estimated_cost(self, n: int, radius: int = DEFAULT_RADIUS) -> float:
        """Cache lines one query reads (uniform codes): see :func:`_table_cost`."""
        return sum(
            _table_cost(b, rho, n) for b, rho in zip(self.bits, self.radii(radius), strict=True)
        )


@cache
def _table_cost(bits: int, rho: int, n: int) -> float:
    """Cache lines read by one query in one table of ``bits``-wide substrings at radius ``rho``.

    Every cache line missed costs about the same here (~25 ns of a core's throughput of
    random misses, measured on a 1 GB array; the kernel runs near that), so this counts lines:
    the offsets lines of the probes (probes that differ only in the low bits of the key share
    a line: 6 bits for a compressed table, 4 for uint32 offsets), a line of ids per non-empty
    bucket, and a line per candidate's code (codes are 64-byte aligned, two a line); plus
    :data:`_PROBE_COST` a probe.
    """
    if rho < 0:
        return 0.0
    probes = sum(math.comb(bits, k) for k in range(min(rho, bits) + 1))
    load = n / (1 << bits)
    high = max(bits - (6 if compressed(bits, n) else 4), 0)
    lines = sum(math.comb(high, k) for k in range(min(rho, high) + 1))
    return lines + probes * (_PROBE_COST + 1.0 - math.exp(-load) + load)


#: A probe's own work (key, block decode, range), in cache lines. With lines alone the model
#: picks (24 x 7, 23 x 3, 19) at 10M, measured 5-8% slower than (24 x 3, 23 x 8) and
#: (24 x 5, 23 x 5, 21), which have fewer probes and more candidates; with 1.0 it picks
#: (24 x 6, 23 x 4, 20), measured level with those two.
_PROBE_COST = 1.0


#: Default memory budget of :func:`choose_layout`: bytes per hash for codes (32), ids (4 per
#: table) and offsets. 96 keeps 10 million hashes under 960 MB.
BYTES_PER_ITEM = 96.0
#: ... and never less than this for the whole index.
MIN_BUDGET = 256 << 20


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + 1] * extra + [base] * (parts - extra)


@cache
def choose_layout(
    n: int, radius: int = DEFAULT_RADIUS, bytes_per_item: float = BYTES_PER_ITEM
) -> Layout:
    """The layout with the lowest estimated query cost at ``radius`` within the memory budget
    (at least :data:`MIN_BUDGET`, so that small lists get a sensible layout too).

    For each number of tables m, the a + 1 tables probed at the larger radius (``radius =
    m*s + a``) share W bits as evenly as they can, the others the rest; every W is tried.
    At 10M hashes and radius 31 this gives m = 11: (24 x 6, 23 x 4, 20), the first ten at
    substring radius 2 and the last at 1 (the old cost model, probes and candidates, chose
    (22 x 8, 20 x 4) with 5,600 candidates a query; this one 2,700).
    """
    best: tuple[float, Layout] | None = None
    budget = max(bytes_per_item * n, MIN_BUDGET)
    for m in range(-(-PDQ_BITS // MAX_BITS), 65):
        wide = min(radius % m + 1, m)
        narrow = m - wide
        for w in range(wide, wide * MAX_BITS + 1):
            rest = PDQ_BITS - w
            if (narrow == 0 and rest != 0) or not narrow <= rest <= narrow * MAX_BITS:
                continue
            bits = sorted(_split(w, wide) + (_split(rest, narrow) if narrow else []), reverse=True)
            nbytes = (32 + 4 * m) * n + sum(_offsets_bytes(b, n) for b in bits)
            if nbytes > budget:
                continue
            s = radius // m  # Layout.radii, inlined: this loop tries ~20,000 layouts
            cost = sum(_table_cost(b, s if t < wide else s - 1, n) for t, b in enumerate(bits))
            if best is None or cost < best[0]:
                best = (cost, bits)
    if best is None:  # a budget too small for any layout: the one with the least memory
        return Layout(tuple(_split(PDQ_BITS, 12)))
    return Layout(tuple(best[1]))


@cache
def _masks(bits: int, radius: int) -> np.ndarray:
    """Every ``bits``-wide mask of at most ``radius`` set bits, fewest bits first."""
    out = [0]
    for k in range(1, min(radius, bits) + 1):
        out.extend(sum(1 << i for i in c) for c in combinations(range(bits), k))
    return np.array(out, dtype=np.uint32)


def _substring_keys(codes: np.ndarray, start: int, bits: int) -> np.ndarray:
    w, off = divmod(start, 64)
    if off + bits <= 64:
        keys = (codes[:, w] >> np.uint64(64 - off - bits)) & np.uint64((1 << bits) - 1)
    else:
        lo = off + bits - 64
        keys = ((codes[:, w] & np.uint64((1 << (64 - off)) - 1)) << np.uint64(lo)) | (
            codes[:, w + 1] >> np.uint64(64 - lo)
        )
    return keys.astype(np.uint32)


def _aligned_empty(shape: tuple[int, ...], dtype: Any, align: int = 64) -> np.ndarray:
    """An uninitialised C array whose data starts on an ``align``-byte boundary.

    numpy's large allocations start 16 bytes into a page, so half of the 32-byte codes would
    straddle two cache lines: aligning the codes to 64 bytes cut the lines a query reads by a
    quarter, +40% queries/s at 10M hashes (3,654 -> ~5,100 q/s on the Intel VM of
    docs/benchmarks.md; 1,953 -> 2,776 with a concurrent job on the other core).
    """
    dt = np.dtype(dtype)
    nbytes = math.prod(shape) * dt.itemsize
    buf = np.empty(nbytes + align, dtype=np.uint8)
    start = -buf.ctypes.data % align
    return buf[start : start + nbytes].view(dt).reshape(shape)


def _aligned(a: np.ndarray, align: int = 64) -> np.ndarray:
    """``a`` itself if C-contiguous and aligned, else an aligned copy."""
    if a.flags.c_contiguous and a.ctypes.data % align == 0:
        return a
    out = _aligned_empty(a.shape, a.dtype, align)
    out[...] = a
    return out


def _compress(offsets: np.ndarray, first_overflow: int) -> tuple[np.ndarray, np.ndarray]:
    """A table's plain offsets (``uint32[2**bits + 1]``) -> its blocks (``uint8[nb, 64]``,
    see :data:`BLOCK`) and the overflow rows (``uint32[k, 61]``) of its blocks with more
    than 255 items, numbered from ``first_overflow``. (From the offsets, not a cumsum per
    row of counts: that took twice the build time at 10M.)"""
    nb = -(-(len(offsets) - 1) // BLOCK)
    padded = np.empty(nb * BLOCK + 1, dtype=np.uint32)
    padded[: len(offsets)] = offsets
    padded[len(offsets) :] = offsets[-1]
    base = padded[:-1:BLOCK].copy()
    cum = padded[1:].reshape(nb, BLOCK) - base[:, None]
    over = np.flatnonzero(cum[:, -1] > 255)
    blocks = _aligned_empty((nb, 64), np.uint8)
    np.minimum(cum, 255, out=cum)
    blocks[:, 4:] = cum
    rows = padded[(over * BLOCK)[:, None] + np.arange(BLOCK + 1)]
    if first_overflow + len(over) > OVERFLOW:
        raise ValueError("too many overflowing blocks")
    base[over] = OVERFLOW | (first_overflow + np.arange(len(over), dtype=np.uint32))
    blocks.view(np.uint32)[:, 0] = base  # native byte order, as the kernel reads it
    return blocks, rows


@dataclass(frozen=True)
class _Tables:
    """Per table: where its offsets start (an element of ``offsets`` for a plain table, a
    block of ``blocks`` for a compressed one), whether compressed, and its substring."""

    obase: np.ndarray  # int64
    kind: np.ndarray  # int64: 1 compressed, 0 plain
    words: np.ndarray
    shifts: np.ndarray
    spans: np.ndarray


class MultiIndexPdqIndex(PdqIndex):
    """Multi-index hashing over CSR tables; exact (equal to brute force) at every radius.

    Up to :attr:`max_radius` (``3 m - 1``: substring radius at most 2; 32 for the default
    10M layout) the tables are used; above it the search is an exact linear scan, since the
    enumeration would cost more than reading every code.

    Arrays: ``codes`` (``uint64[n, 4]``, 64-byte aligned), ``ids`` (``uint32[m, n]``: per
    table the item ids by substring, then id), and the bucket offsets: plain tables in
    ``offsets`` (uint32, one per substring value plus one), compressed tables (most, see
    :func:`compressed`) in ``blocks`` (``uint8[nb, 64]``, see :data:`BLOCK`) with the rows of
    their heavy blocks in ``overflow`` (``uint32[k, 61]``).

    ``layout`` overrides the widths chosen by :func:`choose_layout` (tests use it to drive
    every substring radius on small lists).
    """

    def __init__(self, codes: Any, layout: Layout | Sequence[int] | None = None) -> None:
        super().__init__(codes)
        self._codes = _aligned(self._codes)
        n = len(self._codes)
        if n >= 1 << 32:
            raise ValueError(f"at most 2**32 - 1 hashes per index, got {n}")
        if layout is None:
            layout = choose_layout(n)
        elif not isinstance(layout, Layout):
            layout = Layout(tuple(layout))
        self.layout = layout
        self._compressed = tuple(compressed(b, n) for b in layout.bits)
        k = _kernels()
        self._ids = _aligned_empty((layout.m, n), np.uint32)
        self._offsets = np.empty(
            sum((1 << b) + 1 for b, c in zip(layout.bits, self._compressed, strict=True) if not c),
            dtype=np.uint32,
        )
        blocks, rows = [], []
        nrows = 0
        base = 0
        for t, (start, b) in enumerate(zip(layout.starts, layout.bits, strict=True)):
            keys = _substring_keys(self._codes, start, b)
            counts = np.bincount(keys, minlength=1 << b)
            if self._compressed[t]:
                offs = np.empty((1 << b) + 1, dtype=np.uint32)
            else:
                offs = self._offsets[base : base + (1 << b) + 1]
                base += (1 << b) + 1
            offs[0] = 0
            np.cumsum(counts, out=offs[1:], dtype=np.uint32)
            k.scatter(keys, offs, self._ids[t])
            if self._compressed[t]:
                blk, row = _compress(offs, nrows)
                blocks.append(blk)
                rows.append(row)
                nrows += len(row)
        self._blocks = _aligned(np.concatenate(blocks) if blocks else np.zeros((0, 64), np.uint8))
        self._overflow = (
            np.concatenate(rows) if rows else np.zeros((0, BLOCK + 1), np.uint32)
        ).ravel()
        self._tables = self._table_arrays()

    def _table_arrays(self) -> _Tables:
        lay = self.layout
        obase, pos, blk = [], 0, 0
        for b, c in zip(lay.bits, self._compressed, strict=True):
            obase.append(blk if c else pos)
            if c:
                blk += _blocks(b)
            else:
                pos += (1 << b) + 1
        words, shifts = zip(*(divmod(s, 64) for s in lay.starts), strict=True)
        return _Tables(
            np.array(obase, np.int64),
            np.array(self._compressed, np.int64),
            np.array(words, np.int64),
            np.array(shifts, np.int64),
            np.array(lay.bits, np.int64),
        )

    def bucket_ranges(self, t: int, keys: Any) -> tuple[np.ndarray, np.ndarray]:
        """Table ``t``'s buckets ``keys`` -> (start, end) in ``ids[t]``, as int64 (numpy; the
        kernel reads the same)."""
        keys = np.asarray(keys, dtype=np.int64)
        ob = int(self._tables.obase[t])
        if not self._compressed[t]:
            return (
                self._offsets[ob + keys].astype(np.int64),
                self._offsets[ob + keys + 1].astype(np.int64),
            )
        blk, j = np.divmod(keys, BLOCK)
        rows = self._blocks[ob + blk]
        base = rows[:, :4].copy().view(np.uint32)[:, 0].astype(np.int64)
        cum = rows[:, 4:].astype(np.int64)
        lo = base + np.where(j > 0, cum[np.arange(len(j)), np.maximum(j - 1, 0)], 0)
        hi = base + cum[np.arange(len(j)), j]
        over = base >= OVERFLOW
        if over.any():
            o = self._overflow.reshape(-1, BLOCK + 1)[base[over] - OVERFLOW]
            lo[over] = o[np.arange(len(o)), j[over]]
            hi[over] = o[np.arange(len(o)), j[over] + 1]
        return lo, hi

    @property
    def max_radius(self) -> int:
        return 3 * self.layout.m - 1

    def nbytes(self) -> int:
        return (
            self._codes.nbytes
            + self._ids.nbytes
            + self._offsets.nbytes
            + self._blocks.nbytes
            + self._overflow.nbytes
        )

    def _search(self, queries: np.ndarray, radius: int) -> Hits:
        k = _kernels()
        if radius > self.max_radius:
            q, it, d = k.linear(queries, self._codes, radius)
            return Hits(q, it, d)
        radii = self.layout.radii(radius)
        masks = [
            _masks(b, max(r, 0)) if r >= 0 else np.zeros(0, np.uint32)
            for b, r in zip(self.layout.bits, radii, strict=True)
        ]
        mstart = np.cumsum([0] + [len(x) for x in masks[:-1]]).astype(np.int64)
        mcount = np.array([len(x) for x in masks], dtype=np.int64)
        tb = self._tables
        q, it, d = k.mih(
            queries, self._codes, self._ids, self._offsets, self._blocks,
            self._blocks.view(np.uint32), self._overflow, tb.obase, tb.kind, tb.words,
            tb.shifts, tb.spans, np.concatenate(masks), mstart, mcount, radius,
        )  # fmt: skip
        return Hits(q, it, d)

    # ---- persistence: a directory of .npy files, memory-mapped on load

    _FILES = ("codes", "ids", "offsets", "blocks", "overflow")

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the built index to the directory ``path`` (created if needed)."""
        p = Path(path)
        p.mkdir(parents=True, exist_ok=True)
        for name in self._FILES:
            np.save(p / f"{name}.npy", getattr(self, f"_{name}"))
        (p / "layout.json").write_text(
            json.dumps(
                {"format": 2, "bits": list(self.layout.bits), "compressed": list(self._compressed)}
            )
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str], mmap: bool = True) -> MultiIndexPdqIndex:
        """Open an index written by :meth:`save`; with ``mmap`` the arrays are paged in on use
        (.npy data starts 64-byte aligned, so the map keeps the codes and blocks aligned).
        Format 1 (plain offsets only, before compressed blocks) loads too."""
        p = Path(path)
        meta = json.loads((p / "layout.json").read_text())
        fmt = meta.get("format")
        if fmt not in (1, 2):
            raise ValueError(f"{p}: unknown index format {fmt!r}")
        self = cls.__new__(cls)
        for name in self._FILES:
            f = p / f"{name}.npy"
            if fmt == 1 and name in ("blocks", "overflow"):
                a = np.zeros((0, 64) if name == "blocks" else 0, np.uint8 if name == "blocks" else np.uint32)
            elif mmap:  # copy-on-write: never writes back; np.asarray: a plain ndarray view
                a = np.asarray(np.load(f, mmap_mode="c"))
            else:  # read through a map into an aligned array: one copy
                a = np.load(f, mmap_mode="r")
            setattr(self, f"_{name}", _aligned(a))
        self.layout = Layout(tuple(meta["bits"]))
        self._compressed = tuple(bool(c) for c in meta.get("compressed", [False] * self.layout.m))
        n = len(self._codes)
        lay = self.layout
        if (
            len(self._compressed) != lay.m
            or self._codes.shape != (n, 4)
            or self._codes.dtype != np.uint64
            or self._ids.shape != (lay.m, n)
            or self._ids.dtype != np.uint32
            or self._offsets.shape
            != (sum((1 << b) + 1 for b, c in zip(lay.bits, self._compressed, strict=True) if not c),)
            or self._blocks.shape
            != (sum(_blocks(b) for b, c in zip(lay.bits, self._compressed, strict=True) if c), 64)
            or self._blocks.dtype != np.uint8
            or self._overflow.dtype != np.uint32
            or len(self._overflow) % (BLOCK + 1)
        ):
            raise ValueError(f"{p}: arrays do not match the layout {self.layout.bits}")
        self._tables = self._table_arrays()
        return self


def build_pdq_index(codes: Any) -> PdqIndex:
    """The index to use for a list: linear below :data:`LINEAR_CROSSOVER` hashes, where a scan
    costs less than building tables, multi-index hashing above."""
    c = as_codes(codes)
    if len(c) < LINEAR_CROSSOVER:
        return LinearPdqIndex(c)
    return MultiIndexPdqIndex(c)


# --------------------------------------------------------------------------- MD5


class Md5Index:
    """Exact match over MD5 digests (32-hex strings); duplicates in the list all match."""

    def __init__(self, md5s: Sequence[str] | str | bytes | np.ndarray) -> None:
        raw = md5s if isinstance(md5s, np.ndarray) else parse_md5_hex(md5s)
        if raw.ndim != 2 or raw.shape[1] != 16 or raw.dtype != np.uint8:
            raise ValueError(
                f"MD5 digests must be 32-hex strings or uint8[N, 16], got {raw.dtype}{list(raw.shape)}"
            )
        hi, lo = self._words(raw)
        self._order = np.lexsort((lo, hi))
        self._hi = hi[self._order]
        self._lo = lo[self._order]

    @staticmethod
    def _words(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w = np.ascontiguousarray(raw).view(">u8").astype(np.uint64).reshape(len(raw), 2)
        return w[:, 0].copy(), w[:, 1].copy()

    def __len__(self) -> int:
        return len(self._order)

    def search(self, md5s: Sequence[str] | str | bytes | np.ndarray) -> Hits:
        """Every (query, item) with equal digests; distance 0; sorted by (query, item)."""
        raw = md5s if isinstance(md5s, np.ndarray) else parse_md5_hex(md5s)
        if len(raw) == 0 or len(self) == 0:
            return Hits.empty()
        qh, ql = self._words(raw)
        left = np.searchsorted(self._hi, qh, "left")
        right = np.searchsorted(self._hi, qh, "right")
        counts = right - left
        qi = np.repeat(np.arange(len(qh)), counts)
        pos = np.repeat(left - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        keep = self._lo[pos] == ql[qi]
        qi, pos = qi[keep], pos[keep]
        return Hits.sorted(qi, self._order[pos], np.zeros(len(qi), np.uint16))

    def search_one(self, md5: str) -> list[int]:
        return self.search([md5]).item.tolist()


# --------------------------------------------------------------------------- numba kernels
#
# Written as plain functions at module level and compiled on first use by _kernels(), so
# that importing this module does not import numba (0.3 s). cache=True keeps the machine
# code in __pycache__ between runs.

_popcount = None  # the LLVM ctpop intrinsic, set by _kernels()
_prefetch = None  # _prefetch(array2d, i, j): llvm.prefetch of &array[i, j], set by _kernels()


def _key(q0, q1, q2, q3, word, off, bits):
    if word == 0:
        a, b = q0, q1
    elif word == 1:
        a, b = q1, q2
    elif word == 2:
        a, b = q2, q3
    else:
        a, b = q3, q3
    mask = (np.uint64(1) << np.uint64(bits)) - np.uint64(1)
    if off + bits <= 64:
        return (a >> np.uint64(64 - off - bits)) & mask
    lo = off + bits - 64
    return ((a << np.uint64(lo)) | (b >> np.uint64(64 - lo))) & mask


def _scatter(keys, offsets, out):
    pos = offsets[:-1].astype(np.int64)
    for i in range(len(keys)):
        k = keys[i]
        out[pos[k]] = i
        pos[k] += 1


def _grow(buf, n):
    new = np.empty(max(2 * len(buf), n), dtype=buf.dtype)
    new[: len(buf)] = buf
    return new


def _finish(hq, hk, nh, qi, start):
    """Sort query qi's hits (packed distance << 32 | item) and drop the duplicates that come
    from one item matching in several tables; returns the new hit count."""
    if nh - start > 1:
        hk[start:nh] = np.sort(hk[start:nh])
    w = start
    for j in range(start, nh):
        if j == start or hk[j] != hk[j - 1]:
            hk[w] = hk[j]
            hq[w] = qi
            w += 1
    return w


def _mih(
    queries, codes, ids, offsets, blocks, blocks32, overflow, obase, kind, words, shifts, spans,
    masks, mstart, mcount, radius,
):  # fmt: skip
    # Every probe, id and candidate is a read from somewhere random in ~1 GB: a cache miss.
    # So the batch runs as a software pipeline over units of work, one unit being one query
    # in one table, and four stages, each on a different unit:
    #   A (unit u+3) computes the probe keys and prefetches their offsets (or blocks);
    #   B (unit u+2) reads the bucket ranges and prefetches the first ids of each;
    #   C (unit u+1) gathers the candidate ids and prefetches their codes;
    #   D (unit u)   verifies the candidates with the full 256-bit distance.
    # The misses of three units are in flight while one is verified, and a unit is small
    # enough (~50 KB of lines at 10M hashes) that what was prefetched is still in L2 when
    # it is used. Measured at 10M hashes: about 3x one straight loop per query, and within
    # ~15% of the core's throughput of independent random misses (~25 ns a line on the
    # Intel VM), so what pays now is reading fewer lines (see choose_layout, BLOCK).
    # Tried, no gain: a wider gap between stages (2 units: +3-5%, noise).
    nq = queries.shape[0]
    m = ids.shape[0]
    act = np.empty(m, dtype=np.int64)  # the tables this radius probes
    mt = 0
    widest = 1
    for t in range(m):
        if mcount[t] > 0:
            act[mt] = t
            mt += 1
            widest = max(widest, mcount[t])
    S = 4  # pipeline depth (ring of per-unit slots)
    kk = np.empty((S, widest), dtype=np.int64)
    rlo = np.empty((S, widest), dtype=np.int64)
    rhi = np.empty((S, widest), dtype=np.int64)
    ncand = np.zeros(S, dtype=np.int64)
    cand = np.empty((S, 1024), dtype=np.uint32)
    packed = np.empty(1024, dtype=np.uint64)
    offs2 = offsets.reshape(1, -1)
    hq = np.empty(max(16, 4 * nq), dtype=np.int32)
    hk = np.empty(max(16, 4 * nq), dtype=np.uint64)
    nh = 0
    qstart = 0
    nunits = nq * mt
    for step in range(nunits + 3):
        # stage A
        u = step
        if u < nunits:
            slot = u % S
            qi = u // mt
            t = act[u % mt]
            key = _key(
                queries[qi, 0],
                queries[qi, 1],
                queries[qi, 2],
                queries[qi, 3],
                words[t],
                shifts[t],
                spans[t],
            )
            ob = obase[t]
            p0 = mstart[t]
            if kind[t]:
                for p in range(mcount[t]):
                    k = np.int64(key ^ masks[p0 + p])
                    kk[slot, p] = k
                    _prefetch(blocks, ob + k // 60, 0)  # BLOCK
            else:
                for p in range(mcount[t]):
                    k = ob + np.int64(key ^ masks[p0 + p])
                    kk[slot, p] = k
                    _prefetch(offs2, 0, k)
        # stage B
        u = step - 1
        if 0 <= u < nunits:
            slot = u % S
            t = act[u % mt]
            total = 0
            if kind[t]:
                ob = obase[t]
                for p in range(mcount[t]):
                    k = kk[slot, p]
                    blk = k // 60  # BLOCK
                    j = k - blk * 60
                    row = ob + blk
                    base = np.int64(blocks32[row, 0])
                    if base < 0x80000000:  # OVERFLOW
                        lo = base + (np.int64(blocks[row, 3 + j]) if j > 0 else 0)
                        hi = base + np.int64(blocks[row, 4 + j])
                    else:
                        o = (base - 0x80000000) * 61 + j
                        lo = np.int64(overflow[o])
                        hi = np.int64(overflow[o + 1])
                    rlo[slot, p] = lo
                    rhi[slot, p] = hi
                    total += hi - lo
                    if hi > lo:
                        _prefetch(ids, t, lo)
            else:
                for p in range(mcount[t]):
                    k = kk[slot, p]
                    lo = np.int64(offsets[k])
                    hi = np.int64(offsets[k + 1])
                    rlo[slot, p] = lo
                    rhi[slot, p] = hi
                    total += hi - lo
                    if hi > lo:
                        _prefetch(ids, t, lo)
            ncand[slot] = total
        # stage C
        u = step - 2
        if 0 <= u < nunits:
            slot = u % S
            t = act[u % mt]
            if ncand[slot] > cand.shape[1]:
                bigger = np.empty((S, max(ncand[slot], 2 * cand.shape[1])), dtype=np.uint32)
                bigger[:, : cand.shape[1]] = cand
                cand = bigger
            c = 0
            for p in range(mcount[t]):
                for j in range(rlo[slot, p], rhi[slot, p]):
                    item = ids[t, j]
                    cand[slot, c] = item
                    _prefetch(codes, item, 0)
                    c += 1
        # stage D
        u = step - 3
        if 0 <= u < nunits:
            slot = u % S
            qi = u // mt
            c = ncand[slot]
            if c > len(packed):
                packed = np.empty(max(c, 2 * len(packed)), dtype=np.uint64)
            q0, q1, q2, q3 = queries[qi, 0], queries[qi, 1], queries[qi, 2], queries[qi, 3]
            w = 0
            for i in range(c):
                item = cand[slot, i]
                d = (
                    _popcount(codes[item, 0] ^ q0)
                    + _popcount(codes[item, 1] ^ q1)
                    + _popcount(codes[item, 2] ^ q2)
                    + _popcount(codes[item, 3] ^ q3)
                )
                packed[w] = (np.uint64(d) << np.uint64(32)) | np.uint64(item)
                w += d <= radius
            if nh + w > len(hk):
                hk = _grow(hk, nh + w)
                hq = _grow(hq, nh + w)
            for i in range(w):
                hk[nh] = packed[i]
                nh += 1
            if u % mt == mt - 1:  # the query's last table: sort and dedupe its hits
                nh = _finish(hq, hk, nh, qi, qstart)
                qstart = nh
    return _unpack(hq, hk, nh)


def _unpack(hq, hk, nh):
    item = np.empty(nh, dtype=np.int64)
    dist = np.empty(nh, dtype=np.uint16)
    for i in range(nh):
        item[i] = np.int64(hk[i] & np.uint64(0xFFFFFFFF))
        dist[i] = np.uint16(hk[i] >> np.uint64(32))
    return hq[:nh].copy(), item, dist


def _linear(queries, codes, radius):
    nq = queries.shape[0]
    hq = np.empty(max(16, 4 * nq), dtype=np.int32)
    hk = np.empty(max(16, 4 * nq), dtype=np.uint64)
    nh = 0
    for qi in range(nq):
        q0, q1, q2, q3 = queries[qi, 0], queries[qi, 1], queries[qi, 2], queries[qi, 3]
        start = nh
        for item in range(codes.shape[0]):
            d = (
                _popcount(codes[item, 0] ^ q0)
                + _popcount(codes[item, 1] ^ q1)
                + _popcount(codes[item, 2] ^ q2)
                + _popcount(codes[item, 3] ^ q3)
            )
            if d <= radius:
                if nh == len(hk):
                    hk = _grow(hk, nh + 1)
                    hq = _grow(hq, nh + 1)
                hk[nh] = (np.uint64(d) << np.uint64(32)) | np.uint64(item)
                nh += 1
        nh = _finish(hq, hk, nh, qi, start)
    return _unpack(hq, hk, nh)


def _masked(queries, masks, codes, radius, max_masked, hq, hi, hd):
    # Items outer, queries inner: each item is read once for the batch. Hits go to fixed
    # buffers and are only counted past their end (the caller retries with room for all):
    # growing them inside the loop made it run 2-3x slower.
    nq, cap, nh = queries.shape[0], hq.shape[0], 0
    for item in range(codes.shape[0]):
        c0, c1, c2, c3 = codes[item, 0], codes[item, 1], codes[item, 2], codes[item, 3]
        for qi in range(nq):
            x0, x1 = c0 ^ queries[qi, 0], c1 ^ queries[qi, 1]
            x2, x3 = c2 ^ queries[qi, 2], c3 ^ queries[qi, 3]
            d = _popcount(x0) + _popcount(x1) + _popcount(x2) + _popcount(x3)
            if d <= radius:
                sure = (
                    _popcount(x0 & masks[qi, 0])
                    + _popcount(x1 & masks[qi, 1])
                    + _popcount(x2 & masks[qi, 2])
                    + _popcount(x3 & masks[qi, 3])
                )
                if sure <= max_masked:
                    if nh < cap:
                        hq[nh], hi[nh], hd[nh] = qi, item, d
                    nh += 1
    return nh


@dataclass(frozen=True)
class _Kernels:
    scatter: Any
    mih: Any
    linear: Any
    masked: Any


@cache
def _kernels() -> _Kernels:
    global _popcount, _prefetch, _key, _grow, _finish, _unpack
    import numba
    from llvmlite import ir
    from numba import types
    from numba.core import cgutils
    from numba.extending import intrinsic

    @intrinsic
    def popcount(typingctx, x):
        def codegen(context, builder, signature, args):
            return builder.ctpop(args[0])

        return types.int64(types.uint64), codegen

    @intrinsic
    def prefetch(typingctx, arr, i, j):
        def codegen(context, builder, signature, args):
            aryty = signature.args[0]
            ary = context.make_array(aryty)(context, builder, args[0])
            at = [
                context.cast(builder, v, ty, types.intp)
                for v, ty in zip(args[1:], signature.args[1:], strict=True)
            ]
            ptr = cgutils.get_item_pointer(context, builder, aryty, ary, at, wraparound=False)
            i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
            fn = cgutils.get_or_insert_function(
                builder.module,
                ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
                "llvm.prefetch.p0",
            )
            builder.call(
                fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)]
            )  # read, keep, data
            return context.get_dummy_value()

        return types.void(arr, i, j), codegen

    jit = numba.njit(cache=True, nogil=True, boundscheck=False)
    _popcount = popcount
    _prefetch = prefetch
    _key = jit(_key)
    _grow = jit(_grow)
    _finish = jit(_finish)
    _unpack = jit(_unpack)
    return _Kernels(scatter=jit(_scatter), mih=jit(_mih), linear=jit(_linear), masked=jit(_masked))
