"""Relaxed matching of guessed query hashes (signals/media/guesses.py): the margins behind the
sure bits, the masked scan that finds them, and what it matches and does not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from cordon.domain.lists import ListEntry
from cordon.signals.media import hamming, hash_image, load_image, query_set
from cordon.signals.media.guesses import GUESS_MAX_SURE, GUESS_RADIUS, SURE_BITS, sure_mask
from cordon.signals.media.index import LinearPdqIndex, MultiIndexPdqIndex
from cordon.signals.media.pdq import hash_with_margins
from cordon.signals.media.signal import HashMatcher
from cordon.signals.media.variants import is_guess

RADIUS = 31


@pytest.fixture(scope="module")
def bridge(vectors: Path) -> Image.Image:
    return load_image(vectors / "bridge-mods" / "aaa-orig.jpg", max_side=1024).convert("RGB")


def watermark(im: Image.Image, frac: float = 0.15) -> Image.Image:
    """A solid white bar over the top `frac` of the picture, with a handle in black."""
    out = im.copy()
    bar = round(im.height * frac)
    ImageDraw.Draw(out).rectangle((0, 0, im.width, bar), fill=(255, 255, 255))
    font = ImageFont.load_default(size=max(8, bar // 2))
    ImageDraw.Draw(out).text((im.width * 0.04, bar * 0.2), "@channel_media  t.me/example", fill=(0, 0, 0), font=font)
    return out


def test_margin_hash_is_the_plain_hash(vectors: Path) -> None:
    """hash_with_margins thresholds PDQ's float DCT itself: its bits must be pdqhash's."""
    files = sorted((vectors / "bridge-mods").glob("*.jpg")) + sorted((vectors / "reg-test-input" / "labelme-subset").glob("*.jpg"))
    assert len(files) >= 12
    for path in files:
        image = load_image(path)
        h, margins = hash_with_margins(image)
        assert h == hash_image(image), path.name
        assert margins.shape == (256,) and (margins >= 0).all()


def test_sure_mask_keeps_the_widest_margins() -> None:
    margins = np.arange(256, dtype=float)[::-1]  # bit 0 has the widest margin
    mask = sure_mask(margins)
    assert int(mask, 16).bit_count() == SURE_BITS
    assert mask == "f" * 32 + "0" * 32  # bits 0..127: the first 32 hex digits
    rng = np.random.default_rng(3)
    shuffled = rng.permutation(256).astype(float)
    bits = np.array([int(b) for b in bin(int(sure_mask(shuffled), 16))[2:].zfill(256)])
    assert set(np.flatnonzero(bits)) == set(np.argsort(-shuffled)[:SURE_BITS])
    with pytest.raises(ValueError, match="256"):
        sure_mask(np.zeros(255))


def _brute_masked(queries: np.ndarray, masks: np.ndarray, codes: np.ndarray, radius: int, max_masked: int):
    found = set()
    for qi in range(len(queries)):
        x = codes ^ queries[qi]
        full = np.bitwise_count(x).sum(axis=1)
        sure = np.bitwise_count(x & masks[qi]).sum(axis=1)
        for item in np.flatnonzero((full <= radius) & (sure <= max_masked)):
            found.add((qi, int(item), int(full[item])))
    return found


def _flip(code: np.ndarray, bits: np.ndarray) -> np.ndarray:
    out = code.copy()
    for b in bits:
        out[b // 64] ^= np.uint64(1) << np.uint64(63 - b % 64)
    return out


@pytest.mark.parametrize("index_type", [LinearPdqIndex, MultiIndexPdqIndex])
def test_masked_search_equals_brute_force(index_type) -> None:
    rng = np.random.default_rng(11)
    codes = rng.integers(0, 2**63, size=(4000, 4), dtype=np.uint64) * np.uint64(2) + rng.integers(0, 2, size=(4000, 4), dtype=np.uint64)
    queries, masks = [], []
    for i in range(40):
        # Near neighbours at 20..70 bits, flipped in and out of the mask, and random queries.
        base = codes[rng.integers(len(codes))]
        sure = rng.permutation(256)[:128]
        mask = _flip(np.zeros(4, np.uint64), sure)
        inside = rng.integers(0, 30)
        outside = rng.integers(10, 50)
        unsure = np.setdiff1d(np.arange(256), sure)
        flips = np.concatenate([rng.choice(sure, inside, replace=False), rng.choice(unsure, outside, replace=False)])
        queries.append(_flip(base, flips) if i % 4 else rng.integers(0, 2**63, size=4, dtype=np.uint64))
        masks.append(mask)
    q, m = np.array(queries), np.array(masks)
    index = index_type(codes)
    hits = index.search_masked(q, m, GUESS_RADIUS, GUESS_MAX_SURE)
    got = set(zip(hits.query.tolist(), hits.item.tolist(), hits.distance.tolist(), strict=True))
    want = _brute_masked(q, m, codes, GUESS_RADIUS, GUESS_MAX_SURE)
    assert got == want and 5 <= len(want) < 40  # some planted pairs match, some do not
    order = list(zip(hits.query.tolist(), hits.distance.tolist(), hits.item.tolist(), strict=True))
    assert order == sorted(order)


def test_masked_search_checks_its_arguments() -> None:
    index = LinearPdqIndex(np.zeros((3, 4), np.uint64))
    q = np.zeros((2, 4), np.uint64)
    with pytest.raises(ValueError, match="2 queries but 1 masks"):
        index.search_masked(q, q[:1], 56, 16)
    with pytest.raises(ValueError, match="radius"):
        index.search_masked(q, q, 300, 16)
    with pytest.raises(ValueError, match="max_masked"):
        index.search_masked(q, q, 56, -1)
    assert len(index.search_masked(q[:0], q[:0], 56, 16)) == 0
    assert len(index.search_masked(q, q, 0, 0)) == 6  # every zero code is 0 bits from a zero query


def test_query_set_guesses_only_where_it_guesses(bridge: Image.Image) -> None:
    plain = query_set(bridge)
    # The deepest paddings, in candidates' order: 5% of the right, top, left (its nearest:
    # 5% left and 1.7% right) and bottom, 5% all round, then that in two more fills.
    assert [g.variant for g in plain.guessed] == [
        "pad:0,0,0.05,0", "pad:0,0.05,0,0", "pad:0.05,0,0.0166667,0", "pad:0,0,0,0.05",
        "pad:0.05,0.05,0.05,0.05", "pad-smooth:0.05,0.05,0.05,0.05", "pad-decay:0.05,0.05,0.05,0.05",
    ]
    marked = query_set(watermark(bridge))
    assert all(is_guess(g.variant) for g in marked.guessed)
    assert {g.variant for g in marked.guessed} >= {"infill:top", "infill-diffuse:top"}
    assert {g.hex for g in marked.guessed} <= set(marked.exact)  # also looked up at 31
    assert all(int(g.sure, 16).bit_count() == SURE_BITS for g in marked.guessed)
    assert not is_guess("pad:0.0166667,0.0333333,0.0166667,0.0166667") and not is_guess("strip:top")


def test_guess_matches_a_watermark_that_radius_31_misses(bridge: Image.Image) -> None:
    """A 15% solid bar over the bridge photo (a tuning photo): no query hash comes within 31
    bits, a guessed infill does by the relaxed rule, and the match says which and how."""
    listed = hash_image(bridge).hex
    queries = query_set(watermark(bridge))
    assert min(hamming(q, listed) for q in queries.exact) > RADIUS
    matcher = HashMatcher([("gifct", ListEntry("pdq", listed, "release"))])
    assert not any(matcher.match(queries.exact))
    found = [m for ms in matcher.match_guessed(queries.guessed) for m in ms]
    assert found and all(m.entry.value == listed and m.list_name == "gifct" for m in found)
    for m in found:
        variant, sure = m.guess
        assert variant.startswith("infill") and sure <= GUESS_MAX_SURE
        assert RADIUS < m.distance <= GUESS_RADIUS and m.distance == hamming(m.query, listed)


def test_guesses_add_no_false_matches(distinct_pictures: dict[str, Path]) -> None:
    """Each distinct picture of the test vectors, plain and with a 15% watermark (so its bars
    are infilled), against every other picture's plain hash, by the relaxed rule."""
    files = distinct_pictures
    images = {k: load_image(p, max_side=1024).convert("RGB") for k, p in files.items()}
    matcher = HashMatcher([(k, ListEntry("pdq", hash_image(im).hex)) for k, im in images.items()])
    for name, im in images.items():
        for query in (im, watermark(im)):
            guessed = query_set(query).guessed
            assert guessed
            others = {m.list_name for ms in matcher.match_guessed(guessed) for m in ms} - {name}
            assert not others, (name, others)
