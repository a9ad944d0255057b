"""Compressed offsets (blocks of 60 buckets a cache line, overflow rows for heavy blocks) and
the 64-byte alignment of the PDQ multi-index's arrays: edge cases against plain CSR."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cordon.signals.media.index import (
    BLOCK,
    OVERFLOW,
    LinearPdqIndex,
    MultiIndexPdqIndex,
    _compress,
    _substring_keys,
    compressed,
    parse_pdq_hex,
    to_hex,
)

LAYOUT = (16,) * 16  # 2**16 buckets a table: compressed for any n <= 131072


def random_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64)


def with_top16(codes: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Set table 0's substring (the top 16 bits of word 0) of each code to ``keys``."""
    out = codes.copy()
    low = out[:, 0] & np.uint64((1 << 48) - 1)
    out[:, 0] = (keys.astype(np.uint64) << np.uint64(48)) | low
    return out


def heavy_codes() -> np.ndarray:
    """Codes whose table-0 buckets hit every edge: empty buckets, a block of exactly 255
    items (fits), one of 256 (overflows), a single bucket of 300 (overflows), the last
    bucket (2**16 - 1: the partial last block) and a bucket at a block's first slot."""
    rng = np.random.default_rng(11)
    keys = np.concatenate(
        [
            np.repeat(np.arange(60, 120), 4)[:255],  # block 1: 255 items
            np.repeat(np.arange(120, 180), 5)[:256],  # block 2: 256 items -> overflow
            np.full(300, 600 + 7),  # block 10: one bucket of 300 -> overflow
            np.full(3, (1 << 16) - 1),  # the last bucket
            np.full(2, 1200),  # first slot of block 20
            rng.integers(3000, 1 << 16, 1000),  # light, random
        ]
    )
    codes = with_top16(random_codes(rng, len(keys)), keys)
    codes[-5:] = codes[300]  # duplicates of an item in a heavy bucket
    return codes[rng.permutation(len(codes))]


def plain_ranges(codes: np.ndarray, bits: int, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sub = np.sort(_substring_keys(codes, 0, bits).astype(np.int64))
    return np.searchsorted(sub, keys, "left"), np.searchsorted(sub, keys, "right")


def test_compress_edge_cases() -> None:
    counts = np.zeros(1 << 8, dtype=np.int64)  # 256 buckets: 5 blocks, the last partial
    counts[0] = 255  # block 0: exactly 255 in its first bucket
    counts[60:120] = 5  # block 1: 300 -> overflow
    counts[255] = 1  # the very last bucket
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.uint32)
    blocks, rows = _compress(offsets, first_overflow=7)
    assert blocks.shape == (-(-256 // BLOCK), 64) and blocks.ctypes.data % 64 == 0
    base = blocks.view(np.uint32)[:, 0]
    assert base[0] == 0 and base[1] == OVERFLOW | 7 and base[2] == 555
    assert rows.shape == (1, BLOCK + 1)
    np.testing.assert_array_equal(rows[0], 255 + 5 * np.arange(BLOCK + 1))
    assert blocks[0, 4] == 255 and (blocks[0, 5:] == 255).all()  # running counts
    assert blocks[4, 4 + (255 - 240)] == 1  # bucket 255 is slot 15 of block 4


@pytest.mark.parametrize("n_extra", [0, 1, 59, 61])  # n not a multiple of anything
def test_ranges_equal_plain_csr(n_extra: int) -> None:
    codes = heavy_codes()
    codes = np.concatenate([codes, random_codes(np.random.default_rng(n_extra), n_extra)])
    idx = MultiIndexPdqIndex(codes, LAYOUT)
    assert all(idx._compressed) and compressed(16, len(codes))
    assert len(idx._overflow) // (BLOCK + 1) == 2  # blocks 2 and 10 of table 0
    keys = np.arange(1 << 16)
    lo, hi = idx.bucket_ranges(0, keys)
    ref_lo, ref_hi = plain_ranges(codes, 16, keys)
    np.testing.assert_array_equal(lo, ref_lo)
    np.testing.assert_array_equal(hi, ref_hi)
    assert hi[607] - lo[607] >= 300 and (hi - lo)[1:60].sum() == 0
    # ids in each bucket: the items with that substring, by id
    sub = _substring_keys(idx.codes, 0, 16)
    for k in (0, 60, 119, 120, 607, 1200, (1 << 16) - 1):
        np.testing.assert_array_equal(idx._ids[0][lo[k] : hi[k]], np.flatnonzero(sub == k))


@pytest.mark.parametrize("radius", [0, 5, 16, 31, 40])
def test_heavy_blocks_equal_brute_force(radius: int) -> None:
    codes = heavy_codes()
    rng = np.random.default_rng(12)
    queries = np.concatenate([codes[rng.integers(0, len(codes), 40)], random_codes(rng, 10)])
    for pos in range(0, 40, 2):  # some near, not equal
        queries[pos, 3] ^= np.uint64(0b1011)
    ref = LinearPdqIndex(codes).search(queries, radius)
    for layout in (LAYOUT, None, (24,) * 2 + (16,) * 13):
        got = MultiIndexPdqIndex(codes, layout).search(queries, radius)
        np.testing.assert_array_equal(ref.query, got.query)
        np.testing.assert_array_equal(ref.item, got.item)
        np.testing.assert_array_equal(ref.distance, got.distance)


def test_save_load_compressed_and_aligned(tmp_path: Path) -> None:
    codes = heavy_codes()
    idx = MultiIndexPdqIndex(codes, LAYOUT)
    assert idx._codes.ctypes.data % 64 == 0 and idx._blocks.ctypes.data % 64 == 0
    queries = codes[:50]
    idx.save(tmp_path / "idx")
    meta = json.loads((tmp_path / "idx" / "layout.json").read_text())
    assert meta["format"] == 2 and all(meta["compressed"])
    ref = idx.search(queries)
    for mmap in (True, False):
        again = MultiIndexPdqIndex.load(tmp_path / "idx", mmap=mmap)
        assert again._codes.ctypes.data % 64 == 0 and again._blocks.ctypes.data % 64 == 0
        assert again.nbytes() == idx.nbytes()
        got = again.search(queries)
        np.testing.assert_array_equal(ref.item, got.item)
        np.testing.assert_array_equal(ref.distance, got.distance)
    # a truncated overflow array is refused
    np.save(tmp_path / "idx" / "overflow.npy", idx._overflow[:-1])
    with pytest.raises(ValueError, match="do not match"):
        MultiIndexPdqIndex.load(tmp_path / "idx")


def test_format_1_still_loads(tmp_path: Path) -> None:
    """An index saved before compressed blocks (plain offsets only) opens and searches."""
    rng = np.random.default_rng(13)
    codes = random_codes(rng, 3000)
    layout = (8,) * 32  # 11.7 items a bucket: every table plain
    idx = MultiIndexPdqIndex(codes, layout)
    assert not any(idx._compressed)
    p = tmp_path / "old"
    p.mkdir()
    np.save(p / "codes.npy", idx._codes)
    np.save(p / "ids.npy", idx._ids)
    np.save(p / "offsets.npy", idx._offsets)
    (p / "layout.json").write_text(json.dumps({"format": 1, "bits": list(layout)}))
    old = MultiIndexPdqIndex.load(p)
    q = codes[:20]
    np.testing.assert_array_equal(old.search(q).item, idx.search(q).item)


def test_parsed_codes_are_aligned() -> None:
    codes = random_codes(np.random.default_rng(14), 1001)
    parsed = parse_pdq_hex(to_hex(codes))
    assert parsed.ctypes.data % 64 == 0 and parsed.flags.c_contiguous
    np.testing.assert_array_equal(parsed, codes)
    # an unaligned caller's array is copied into aligned memory, equal
    buf = np.empty(1001 * 32 + 64, np.uint8)
    start = (16 - buf.ctypes.data) % 64
    unaligned = buf[start : start + 1001 * 32].view(np.uint64).reshape(1001, 4)
    unaligned[...] = codes
    assert unaligned.ctypes.data % 64 == 16
    idx = MultiIndexPdqIndex(unaligned, LAYOUT)
    assert idx.codes.ctypes.data % 64 == 0
    np.testing.assert_array_equal(idx.codes, codes)
