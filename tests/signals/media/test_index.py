"""The PDQ and MD5 match indexes: every fast index must return exactly what brute force does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cordon.signals.media.index import (
    Hits,
    Layout,
    LinearPdqIndex,
    Md5Index,
    MultiIndexPdqIndex,
    PdqIndex,
    build_pdq_index,
    choose_layout,
    load_pdq_hex_file,
    parse_md5_hex,
    parse_pdq_hex,
    to_hex,
)

# Layouts that drive every substring radius at r <= 40 on small lists: s = r // m is 0 for
# m = 32 (up to r = 31), up to 2 for m = 16, 3 (the linear fallback) for m = 12 and 13.
LAYOUTS = [
    None,
    (8,) * 32,
    (16,) * 16,
    (22,) * 8 + (20,) * 4,
    (24,) * 2 + (16,) * 13,
    (20,) * 12 + (16,),
]


def random_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64)


def flip(code: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    out = code.copy()
    for pos in rng.choice(256, size=k, replace=False):
        out[pos // 64] ^= np.uint64(1) << np.uint64(63 - pos % 64)
    return out


def distance(a: np.ndarray, b: np.ndarray) -> int:
    return int(np.bitwise_count(a ^ b).sum())


def assert_same(a: Hits, b: Hits) -> None:
    assert a.query.dtype == np.int32 and a.item.dtype == np.int64 and a.distance.dtype == np.uint16
    assert b.query.dtype == np.int32 and b.item.dtype == np.int64 and b.distance.dtype == np.uint16
    np.testing.assert_array_equal(a.query, b.query)
    np.testing.assert_array_equal(a.item, b.item)
    np.testing.assert_array_equal(a.distance, b.distance)


def assert_sorted(h: Hits) -> None:
    keys = list(zip(h.query.tolist(), h.distance.tolist(), h.item.tolist(), strict=True))
    assert keys == sorted(keys)
    assert len(set(zip(h.query.tolist(), h.item.tolist(), strict=True))) == len(h)


@pytest.fixture(scope="module")
def planted() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """3,000 random codes with duplicates; queries at every distance 0..40 from a listed code."""
    rng = np.random.default_rng(4)
    codes = random_codes(rng, 3000)
    codes[2990:] = codes[:10]  # duplicates: items i and 2990 + i are equal
    sources = rng.integers(0, 3000, size=41 * 3)
    ks = np.tile(np.arange(41), 3)
    queries = np.stack([flip(codes[s], int(k), rng) for s, k in zip(sources, ks, strict=True)])
    queries = np.concatenate([queries, random_codes(rng, 50)])
    return codes, queries, sources, ks


# ------------------------------------------------------------------ parsing


def test_hex_round_trip_and_layout() -> None:
    rng = np.random.default_rng(0)
    codes = random_codes(rng, 50)
    hexes = to_hex(codes)
    assert all(len(h) == 64 and h == h.lower() for h in hexes)
    np.testing.assert_array_equal(parse_pdq_hex(hexes), codes)
    np.testing.assert_array_equal(parse_pdq_hex("\n".join(hexes) + "\n"), codes)
    np.testing.assert_array_equal(parse_pdq_hex([h.upper() for h in hexes]), codes)
    np.testing.assert_array_equal(parse_pdq_hex("\r\n".join(hexes)), codes)
    # word k is the big-endian value of hex characters 16k..16k+15
    h = "0123456789abcdef" + "f" * 16 + "0" * 15 + "1" + "8" + "0" * 15
    assert parse_pdq_hex([h]).tolist() == [[0x0123456789ABCDEF, 2**64 - 1, 1, 1 << 63]]
    # bytes in order are the same hash
    raw = np.frombuffer(bytes.fromhex(h), dtype=np.uint8).reshape(1, 32)
    assert to_hex(raw) == [h]
    assert parse_pdq_hex([]).shape == (0, 4)
    assert parse_pdq_hex("").shape == (0, 4)


@pytest.mark.parametrize(
    ("entries", "index"),
    [
        (["0" * 64, "0" * 63], 1),
        (["0" * 64, "0" * 64, "g" + "0" * 63], 2),
        (["0" * 65], 0),
        (["0" * 64, ""], 1),
        (["0" * 64, "0" * 32 + "\n" + "0" * 31], 1),
        (["0" * 64, 7], 1),
        (["0" * 64, "é" * 64], 1),
    ],
)
def test_bad_hex_names_the_entry(entries: list, index: int) -> None:
    with pytest.raises(ValueError, match=f"entry {index}\\b"):
        parse_pdq_hex(entries)


def test_bad_line_in_file_names_the_entry(tmp_path: Path) -> None:
    p = tmp_path / "list.txt"
    p.write_text("a" * 64 + "\n" + "b" * 64 + "\n" + "zz" * 32 + "\n")
    with pytest.raises(ValueError, match="entry 2"):
        load_pdq_hex_file(p)
    p.write_text("a" * 64 + "\n" + "b" * 64 + "\n")
    assert to_hex(load_pdq_hex_file(p)) == ["a" * 64, "b" * 64]


def test_codes_in_every_accepted_form() -> None:
    rng = np.random.default_rng(1)
    codes = random_codes(rng, 20)
    raw = codes.astype(">u8").view(np.uint8).reshape(20, 32)
    idx = LinearPdqIndex(raw)
    np.testing.assert_array_equal(idx.codes, codes)
    assert_same(idx.search(to_hex(codes[:3]), 0), idx.search(codes[:3], 0))
    assert idx.search(codes[0], 0).item.tolist() == [0]  # one code, 1-d
    with pytest.raises(ValueError, match="uint64"):
        LinearPdqIndex(np.zeros((3, 5), dtype=np.uint64))


# ------------------------------------------------------------------ equality with brute force


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda x: "auto" if x is None else f"m{len(x)}")
@pytest.mark.parametrize("radius", [0, 1, 7, 15, 31, 32, 40])
def test_multi_index_equals_brute_force(planted, layout, radius: int) -> None:
    codes, queries, _, _ = planted
    ref = LinearPdqIndex(codes).search(queries, radius)
    got = MultiIndexPdqIndex(codes, layout).search(queries, radius)
    assert_same(ref, got)
    assert_sorted(got)


def test_planted_neighbours_found_and_far_ones_not(planted) -> None:
    codes, queries, sources, ks = planted
    hits = MultiIndexPdqIndex(codes).search(queries, 31)
    found = set(zip(hits.query.tolist(), hits.item.tolist(), strict=True))
    for qi, (s, k) in enumerate(zip(sources.tolist(), ks.tolist(), strict=True)):
        if k <= 31:
            assert (qi, s) in found
            assert dict(hits.for_query(qi))[s] == k
        else:
            assert (qi, s) not in found  # distances 32..40 must not come back
    assert hits.distance.max() <= 31
    for qi, it, d in zip(hits.query, hits.item, hits.distance, strict=True):
        assert distance(queries[qi], codes[it]) == d


def test_duplicates_all_returned() -> None:
    rng = np.random.default_rng(2)
    code = random_codes(rng, 1)
    codes = np.concatenate(
        [random_codes(rng, 500), np.repeat(code, 7, axis=0), random_codes(rng, 500)]
    )
    codes[-1] = code[0]
    for idx in (LinearPdqIndex(codes), MultiIndexPdqIndex(codes)):
        hits = idx.search(code, 0)
        assert hits.item.tolist() == [*range(500, 507), 1006]
        assert hits.distance.tolist() == [0] * 8


def test_empty_index_and_empty_queries() -> None:
    rng = np.random.default_rng(3)
    for idx in (
        LinearPdqIndex([]),
        MultiIndexPdqIndex(np.zeros((0, 4), np.uint64)),
        build_pdq_index([]),
    ):
        assert len(idx) == 0
        h = idx.search(random_codes(rng, 5))
        assert len(h) == 0 and h.query.dtype == np.int32
        assert idx.search_one("0" * 64) == []
    idx = MultiIndexPdqIndex(random_codes(rng, 10))
    assert len(idx.search(np.zeros((0, 4), np.uint64))) == 0
    assert len(idx.search([])) == 0


def test_radius_zero_is_exact_match() -> None:
    rng = np.random.default_rng(5)
    codes = random_codes(rng, 2000)
    q = np.stack([codes[17], flip(codes[18], 1, rng)])
    for idx in (LinearPdqIndex(codes), MultiIndexPdqIndex(codes)):
        h = idx.search(q, radius=0)
        assert (h.query.tolist(), h.item.tolist()) == ([0], [17])


def test_radius_above_tables_falls_back_exactly() -> None:
    rng = np.random.default_rng(6)
    codes = random_codes(rng, 1000)
    queries = np.stack([flip(codes[i], 60 + i, rng) for i in range(10)])
    idx = MultiIndexPdqIndex(codes, (22,) * 8 + (20,) * 4)
    assert idx.max_radius == 35
    for radius in (36, 70, 128, 256):
        assert_same(LinearPdqIndex(codes).search(queries, radius), idx.search(queries, radius))
    assert len(idx.search(queries[:1], 256)) == 1000


@pytest.mark.parametrize("radius", [-1, 257, 3.0, True, "31"])
def test_bad_radius(radius: object) -> None:
    idx = MultiIndexPdqIndex(np.zeros((1, 4), np.uint64))
    with pytest.raises(ValueError, match="radius"):
        idx.search(["0" * 64], radius)  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 400),
    radius=st.integers(0, 48),
    layout=st.sampled_from(LAYOUTS),
    family=st.integers(1, 30),
)
def test_property_equal_to_brute_force(seed: int, n: int, radius: int, layout, family: int) -> None:
    """Random lists with near-duplicate families (skewed buckets), queries near and far."""
    rng = np.random.default_rng(seed)
    base = random_codes(rng, max(1, n // family))
    members = [flip(base[i % len(base)], int(rng.integers(0, 20)), rng) for i in range(n)]
    codes = np.array(members, dtype=np.uint64).reshape(n, 4)
    near = [
        flip(codes[int(rng.integers(0, n))], int(rng.integers(0, 50)), rng)
        for _ in range(10 if n else 0)
    ]
    queries = np.concatenate([np.array(near, dtype=np.uint64).reshape(-1, 4), random_codes(rng, 3)])
    assert_same(
        LinearPdqIndex(codes).search(queries, radius),
        MultiIndexPdqIndex(codes, layout).search(queries, radius),
    )


def test_real_pdq_hash_lists(shared_data: Path) -> None:
    folder = shared_data / "pdq_test_vectors" / "reg-test-input"
    needles = load_pdq_hex_file(folder / "needles.txt")
    haystack = load_pdq_hex_file(folder / "haystack.txt")
    assert len(needles) == 100 and len(haystack) == 1350
    for radius in (0, 10, 31, 40):
        ref = LinearPdqIndex(haystack).search(needles, radius)
        for layout in LAYOUTS:
            assert_same(ref, MultiIndexPdqIndex(haystack, layout).search(needles, radius))
        assert_same(
            LinearPdqIndex(needles).search(haystack, radius),
            MultiIndexPdqIndex(needles).search(haystack, radius),
        )
    # the hay holds modified copies of the needles: most needles find something within 31
    ref = LinearPdqIndex(haystack).search(needles, 31)
    assert len(np.unique(ref.query)) > 50


# ------------------------------------------------------------------ API, persistence, layout


def test_search_one_and_hits_order() -> None:
    rng = np.random.default_rng(7)
    codes = random_codes(rng, 100)
    codes[50] = flip(codes[10], 3, rng)
    codes[60] = flip(codes[10], 1, rng)
    idx = MultiIndexPdqIndex(codes)
    assert idx.search_one(to_hex(codes[10:11])[0]) == [(10, 0), (60, 1), (50, 3)]
    assert isinstance(idx, PdqIndex) and len(idx) == 100


def test_save_and_load(tmp_path: Path, planted) -> None:
    codes, queries, _, _ = planted
    idx = MultiIndexPdqIndex(codes)
    idx.save(tmp_path / "idx")
    for mmap in (True, False):
        again = MultiIndexPdqIndex.load(tmp_path / "idx", mmap=mmap)
        assert again.layout == idx.layout and len(again) == len(idx)
        assert_same(idx.search(queries), again.search(queries))
    (tmp_path / "idx" / "layout.json").write_text(
        '{"format": 1, "bits": [16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16]}'
    )
    if idx.layout.bits != (16,) * 16:
        with pytest.raises(ValueError, match="do not match"):
            MultiIndexPdqIndex.load(tmp_path / "idx")


def test_build_chooses_by_size() -> None:
    rng = np.random.default_rng(8)
    assert isinstance(build_pdq_index(random_codes(rng, 100)), LinearPdqIndex)
    assert isinstance(build_pdq_index(random_codes(rng, 5000)), MultiIndexPdqIndex)


def test_layouts() -> None:
    with pytest.raises(ValueError):
        Layout((16,) * 15)
    with pytest.raises(ValueError):
        Layout((8, 16) + (16,) * 14 + (8,))
    lay = Layout((22,) * 8 + (20,) * 4)
    assert lay.radii(31) == [2] * 8 + [1] * 4
    assert lay.radii(0) == [0] + [-1] * 11
    # issue 4: 10 million hashes in under 1 GB (codes, ids and offsets)
    n = 10_000_000
    ten_m = choose_layout(n)
    assert ten_m.nbytes(n) == 32 * n + 4 * ten_m.m * n + ten_m.offsets_bytes(n) < 1_000_000_000
    assert ten_m.m == 11 and ten_m.radii(31) == [2] * 10 + [1]
    assert ten_m.offsets_bytes(n) < ten_m.offsets_bytes() / 3  # compressed blocks
    for n in (0, 1, 1000, 10**5, 10**6):
        choose_layout(n)


# ------------------------------------------------------------------ MD5


def test_md5_exact_matches() -> None:
    listed = [
        "d41d8cd98f00b204e9800998ecf8427e",
        "9e107d9d372bb6826bd81d3542a419d6",
        "D41D8CD98F00B204E9800998ECF8427E",
    ]
    idx = Md5Index(listed)
    assert len(idx) == 3
    hits = idx.search(
        ["0" * 32, "d41d8cd98f00b204e9800998ecf8427e", "9e107d9d372bb6826bd81d3542a419d6"]
    )
    assert hits.query.tolist() == [1, 1, 2] and hits.item.tolist() == [0, 2, 1]
    assert hits.distance.tolist() == [0, 0, 0] and hits.distance.dtype == np.uint16
    assert idx.search_one("9e107d9d372bb6826bd81d3542a419d6") == [1]
    assert idx.search_one("9e107d9d372bb6826bd81d3542a419d7") == []
    assert len(Md5Index([]).search(listed)) == 0 and len(idx.search([])) == 0


def test_md5_many_and_bad_entry() -> None:
    rng = np.random.default_rng(9)
    raw = rng.integers(0, 256, size=(5000, 16), dtype=np.uint8)
    raw[4000:4010] = raw[:10]  # same high half for some: only the low half differs
    raw[4000:4010, 15] ^= 1
    hexes = [bytes(r).hex() for r in raw]
    idx = Md5Index(hexes)
    np.testing.assert_array_equal(parse_md5_hex(hexes), raw)
    hits = idx.search(hexes[:20] + hexes[4000:4010])
    assert hits.item.tolist() == list(range(20)) + list(range(4000, 4010))
    with pytest.raises(ValueError, match="entry 1"):
        Md5Index(["0" * 32, "0" * 31])
