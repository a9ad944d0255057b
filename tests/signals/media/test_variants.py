"""Query-side variants: bars and borders are found and undone, crops re-padded, and edited
copies of a listed image match it while unrelated images still do not."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from cordon.signals.media import hamming, hash_file, hash_image, query_hashes
from cordon.signals.media.variants import (
    CROP_PADS,
    Bars,
    candidates,
    find_bars,
    infill_bars,
    repad,
    strip_bars,
    working_copy,
)

RADIUS = 31


@pytest.fixture(scope="module")
def vectors(shared_data: Path) -> Path:
    return shared_data / "pdq_test_vectors"


@pytest.fixture(scope="module")
def bridge(vectors: Path) -> Image.Image:
    return working_copy(Image.open(vectors / "bridge-mods" / "aaa-orig.jpg"))


def best(image: Image.Image, listed: str) -> int:
    return min(hamming(q, listed) for q in query_hashes(image))


def add_caption(im: Image.Image, frac: float, top: bool) -> Image.Image:
    w, h = im.size
    bar = round(h * frac / (1 - frac))
    out = Image.new("RGB", (w, h + bar), (255, 255, 255))
    out.paste(im, (0, bar if top else 0))
    font = ImageFont.load_default(size=max(8, bar // 2))
    ImageDraw.Draw(out).text((10, (0 if top else h) + bar // 5), "share this now", fill=(0, 0, 0), font=font)
    return out


def test_find_bars_measures_added_bars(bridge: Image.Image) -> None:
    assert find_bars(bridge) == Bars()
    captioned = add_caption(bridge, 0.15, top=True)
    found = find_bars(captioned)
    assert abs(found.top - (captioned.height - bridge.height)) <= 1
    assert (found.bottom, found.left, found.right) == (0, 0, 0)
    stripped = strip_bars(captioned, found)
    assert abs(stripped.height - bridge.height) <= 1 and stripped.width == bridge.width


def test_infill_keeps_the_size_and_repad_undoes_a_crop(bridge: Image.Image) -> None:
    bars = Bars(bottom=30)
    assert infill_bars(bridge, bars).size == bridge.size
    w, h = bridge.size
    cropped = bridge.crop((round(w * 0.04), 0, w, h))
    padded = repad(cropped, 0.04, 0, 0, 0)
    assert abs(padded.width - w) <= 1 and padded.height == h


def test_candidates_are_few_and_named(bridge: Image.Image) -> None:
    names = [name for name, _ in candidates(bridge)]
    assert names[0] == "original"
    assert len(names) == 1 + len(CROP_PADS)  # no bars in the plain photo
    assert len(query_hashes(bridge)) <= 8 + len(CROP_PADS)


def test_letterboxed_sample_matches_the_original(vectors: Path) -> None:
    listed = hash_file(vectors / "pytx-resources" / "sample-b.jpg").pdq.hex
    boxed = Image.open(vectors / "pytx-resources" / "letterboxed_sample-b.jpg")
    assert hamming(hash_image(boxed).hex, listed) > RADIUS  # plain PDQ misses it
    assert best(boxed, listed) <= RADIUS


@pytest.mark.parametrize("frac", [0.05, 0.10, 0.15])
@pytest.mark.parametrize("top", [True, False])
def test_caption_bars_match(bridge: Image.Image, frac: float, top: bool) -> None:
    listed = hash_image(bridge).hex
    captioned = add_caption(bridge, frac, top)
    assert hamming(hash_image(captioned).hex, listed) > RADIUS
    assert best(captioned, listed) <= RADIUS


def test_crops_match(bridge: Image.Image) -> None:
    listed = hash_image(bridge).hex
    w, h = bridge.size
    recovered = 0
    crops = [(0.04, 0, 0, 0), (0, 0, 0, 0.05), (0, 0.04, 0, 0), (0, 0.02, 0.03, 0.02)]
    for l, t, r, b in crops:
        cropped = bridge.crop((round(w * l), round(h * t), w - round(w * r), h - round(h * b)))
        assert hamming(hash_image(cropped).hex, listed) > RADIUS
        recovered += best(cropped, listed) <= RADIUS
    assert recovered == len(crops)


def test_overlaid_watermark_bar_matches(bridge: Image.Image) -> None:
    listed = hash_image(bridge).hex
    marked = bridge.copy()
    w, h = marked.size
    # a solid bar over the top 10%; overlaid bars are the weakest case (docs/media.md)
    ImageDraw.Draw(marked).rectangle((0, 0, w, round(h * 0.10)), fill=(200, 30, 30))
    assert hamming(hash_image(marked).hex, listed) > RADIUS
    assert best(marked, listed) <= RADIUS


def test_variants_add_no_false_matches(vectors: Path) -> None:
    """Every distinct picture in the test vectors, queried with all its variants, against
    every other picture's plain hash."""
    files = {
        "bridge": vectors / "bridge-mods" / "aaa-orig.jpg",
        "exif": vectors / "reg-test-input" / "exif-rotn" / "exif-rotn-1.jpg",
        "coaster": vectors / "misc-images" / "c.png",
        "wee": vectors / "misc-images" / "wee.jpg",
        "rgb": vectors / "pytx-resources" / "rgb.jpeg",
        "la": vectors / "pytx-resources" / "LA.png",
        **{n: vectors / "reg-test-input" / "labelme-subset" / f"{n}.jpg"
           for n in ("q0122", "q0291", "q0746", "q1050", "q2821")},
    }
    listed = {k: hash_file(p).pdq.hex for k, p in files.items()}
    for name, path in files.items():
        queries = query_hashes(Image.open(path))
        for other, h in listed.items():
            if other != name:
                assert min(hamming(q, h) for q in queries) > RADIUS, (name, other)


def test_flat_image_has_no_query_hashes() -> None:
    assert query_hashes(Image.new("RGB", (300, 200), (120, 130, 140))) == []
