"""Query-side variants: bars and borders are found and undone, translucent bands unblended,
crops re-padded, and edited copies of a listed image match it while unrelated images still
do not. The recall floors are measured on HELD-OUT photos (bundled with scikit-learn and
matplotlib, never used to tune the query side; benchmarks/media_edits.py has the full run)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.cbook
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from sklearn.datasets import load_sample_images

from cordon.domain.lists import ListEntry
from cordon.signals.media import hamming, hash_file, hash_image, load_image, query_hashes, query_set
from cordon.signals.media.signal import HashMatcher
from cordon.signals.media.variants import (
    CROP_PADS,
    FILLS,
    Bars,
    candidates,
    find_bars,
    find_blends,
    infill_bars,
    repad,
    strip_bars,
    unblend,
    working_copy,
)

RADIUS = 31


@pytest.fixture(scope="module")
def bridge(vectors: Path) -> Image.Image:
    return working_copy(Image.open(vectors / "bridge-mods" / "aaa-orig.jpg"))


@pytest.fixture(scope="module")
def heldout() -> list[Image.Image]:
    """china and flower (scikit-learn) and grace_hopper (matplotlib): project dependencies
    that ship these photos, none of them used to tune the query side."""
    photos = [Image.fromarray(a) for a in load_sample_images().images]
    hopper = Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg")).convert("RGB")
    return [*photos, hopper]


def crop(im: Image.Image, l: float, t: float, r: float, b: float) -> Image.Image:
    w, h = im.size
    return im.crop((round(w * l), round(h * t), w - round(w * r), h - round(h * b)))


def overlay(im: Image.Image, frac: float, top: bool, bg, fg, alpha: float = 1.0) -> Image.Image:
    """A watermark band over `frac` of the height at the top or bottom, with a handle."""
    w, h = im.size
    bar = round(h * frac)
    y0 = 0 if top else h - bar
    out = im.copy()
    band = Image.new("RGB", (w, bar), bg)
    if alpha < 1:
        band = Image.blend(im.crop((0, y0, w, y0 + bar)), band, alpha)
    out.paste(band, (0, y0))
    font = ImageFont.load_default(size=max(8, bar // 2))
    ImageDraw.Draw(out).text((w * 0.04, y0 + bar * 0.2), "@channel t.me/x", fill=fg, font=font)
    return out


def best(image: Image.Image, listed: str) -> int:
    return min(hamming(q, listed) for q in query_hashes(image))


def add_caption(im: Image.Image, frac: float, top: bool) -> Image.Image:
    w, h = im.size
    bar = round(h * frac / (1 - frac))
    out = Image.new("RGB", (w, h + bar), (255, 255, 255))
    out.paste(im, (0, bar if top else 0))
    font = ImageFont.load_default(size=max(8, bar // 2))
    ImageDraw.Draw(out).text(
        (10, (0 if top else h) + bar // 5), "share this now", fill=(0, 0, 0), font=font
    )
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
    pads = [n for n in names if n.startswith("pad")]
    assert len(names) == 1 + len(pads)  # no bars or bands in the plain photo
    assert len(CROP_PADS) < len(pads) <= len(CROP_PADS) + 4  # a few pads get a second fill
    assert len(query_hashes(bridge)) <= 8 + len(pads) <= 41  # 31 paddings, 2 extra fills


@pytest.mark.parametrize("fill", FILLS)
def test_every_fill_keeps_the_picture_and_the_size(bridge: Image.Image, fill: str) -> None:
    bars = Bars(bottom=40, left=12)
    filled = np.asarray(infill_bars(bridge, bars, fill))
    inner = np.asarray(bridge)[: bridge.height - 40, 12:]
    assert filled.shape == np.asarray(bridge).shape
    assert np.array_equal(filled[: bridge.height - 40, 12:], inner)
    w, h = bridge.size
    cropped = bridge.crop((0, round(h * 0.05), w, h))
    assert abs(repad(cropped, 0, 0.05, 0, 0, fill=fill).height - h) <= 1


def test_fills_differ_where_they_guess(bridge: Image.Image) -> None:
    """mean is flat in the mean colour; decay starts at the edge pixels and ends at the
    mean; smooth is a blurred edge line (flatter than the edge line itself)."""
    bars = Bars(bottom=40)
    inner = np.asarray(bridge)[: bridge.height - 40].astype(float)
    mean = inner.reshape(-1, 3).mean(axis=0)
    band = {f: np.asarray(infill_bars(bridge, bars, f))[-40:].astype(float) for f in FILLS}
    assert np.abs(band["mean"] - mean).max() <= 0.5 + 1e-9
    assert np.abs(band["decay"][0] - inner[-1]).max() <= 8  # first line: nearly the edge
    assert np.abs(band["decay"][-1] - mean).max() <= 1  # outer line: the mean
    assert np.array_equal(band["edge"][-1], inner[-1])
    assert band["smooth"][0].std(axis=0).mean() < inner[-1].std(axis=0).mean()
    with pytest.raises(ValueError, match="unknown fill"):
        infill_bars(bridge, bars, "reflect")


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


def test_translucent_band_is_found_and_unblended(bridge: Image.Image) -> None:
    listed = hash_image(bridge).hex
    assert find_blends(bridge) == []
    for top, bg, fg in ((False, (0, 0, 0), (255, 255, 255)), (True, (255, 255, 255), (0, 0, 0))):
        marked = overlay(bridge, 0.15, top, bg, fg, alpha=0.6)
        (blend,) = [b for b in find_blends(marked) if b.side in ("top", "bottom")]
        assert blend.side == ("top" if top else "bottom")
        assert abs(blend.thickness - round(bridge.height * 0.15)) <= 1
        assert abs(blend.slope - 0.4) < 0.05  # 60% opaque: 40% of the picture shows through
        restored = unblend(marked, blend)
        assert hamming(hash_image(restored).hex, listed) < hamming(hash_image(marked).hex, listed)


def _recall(photos: list[Image.Image], edits) -> tuple[int, int, int, int]:
    """(n, plain hits, query-side hits at radius 31, hits with guesses too) of edited copies
    against each photo's plain hash."""
    n = plain = query = guessed = 0
    for im in photos:
        listed = hash_image(im).hex
        matcher = HashMatcher([("list", ListEntry("pdq", listed))])
        for edit in edits:
            edited = edit(im)
            queries = query_set(edited)
            n += 1
            plain += hamming(hash_image(edited).hex, listed) <= RADIUS
            exact = min(hamming(q, listed) for q in queries.exact) <= RADIUS
            query += exact
            guessed += exact or any(matcher.match_guessed(queries.guessed))
    return n, plain, query, guessed


# Edit kind -> (edits, floor): the held-out hits the query side must reach over the 3 photos,
# one entry per kind of edit that docs/media.md reports. FLOOR_MEASURED says what the query
# side reached when the floor was set (plain PDQ in brackets); floors sit one or two hits
# below, so a change that loses recall on held-out photos fails here.
_B, _W, _R, _Y = (0, 0, 0), (255, 255, 255), (190, 20, 20), (255, 230, 0)
_ASYM = (
    (0.01, 0.04, 0.03, 0.02),
    (0.05, 0.02, 0, 0.04),
    (0.03, 0, 0.05, 0.01),
    (0.02, 0.05, 0.04, 0.03),
)


def _one_side(frac: float) -> list:
    return [lambda im, s=s: crop(im, *(frac if i == s else 0 for i in range(4))) for s in range(4)]


def _bars(frac: float, alpha: float = 1.0) -> list:
    return [
        lambda im: overlay(im, frac, False, _B, _W, alpha),
        lambda im: overlay(im, frac, True, _W, _B, alpha),
        lambda im: overlay(im, frac, False, _R, _Y, alpha),
    ]


def _captions(frac: float) -> list:
    return [lambda im: add_caption(im, frac, top=True), lambda im: add_caption(im, frac, top=False)]


def _border(fx: float, fy: float, colour=(0, 0, 0)):
    def edit(im: Image.Image) -> Image.Image:
        px, py = round(im.width * fx), round(im.height * fy)
        out = Image.new("RGB", (im.width + 2 * px, im.height + 2 * py), colour)
        out.paste(im, (px, py))
        return out

    return edit


# The comment on each line is what the query side reached when the floor was set, and in
# brackets what plain PDQ reached.
HELDOUT_FLOORS = {
    "crop 1% per side": ([lambda im: crop(im, 0.01, 0.01, 0.01, 0.01)], 2),  # 3/3 (3/3)
    "crop 3% per side": ([lambda im: crop(im, 0.03, 0.03, 0.03, 0.03)], 2),  # 3/3 (0/3)
    "crop 5% per side": ([lambda im: crop(im, 0.05, 0.05, 0.05, 0.05)], 1),  # 2/3 (0/3)
    "crop 3% of one side": ([lambda im: crop(im, 0, 0.03, 0, 0)], 2),  # 3/3 (1/3)
    "crop 5% of one side": (_one_side(0.05)[::3], 4),  # left, bottom: 5/6 (0/6)
    "asymmetric crop 0-5%": ([lambda im, c=c: crop(im, *c) for c in _ASYM], 6),  # 7/12 (0/12)
    "caption bar 5%": (_captions(0.05)[:1], 3),  # 3/3 (0/3)
    "caption bar 15%": (_captions(0.15)[1:], 3),  # 3/3 (0/3)
    "solid bar 5%": (_bars(0.05)[:2], 5),  # 6/6 (5/6)
    "solid bar 10%": (_bars(0.10)[:2], 5),  # 6/6 (5/6)
    "solid bar 15%": (_bars(0.15), 6),  # 7/9 (5/9)
    "40% opaque bar 10%": (_bars(0.10, 0.4)[:1], 3),  # 3/3 (3/3)
    "60% opaque bar 15%": (_bars(0.15, 0.6)[1:2], 3),  # 3/3 (3/3)
    "80% opaque bar 15%": (_bars(0.15, 0.8)[:1], 3),  # 3/3 (2/3)
    "borders 5-10%": ([_border(0.08, 0), _border(0.1, 0.1, _W)], 5),  # 6/6 (0/6)
    "rotate 90": ([lambda im: im.transpose(Image.Transpose.ROTATE_90)], 3),  # 3/3 (0/3)
}


@pytest.mark.parametrize("kind", list(HELDOUT_FLOORS))
def test_heldout_recall_floor(heldout: list[Image.Image], kind: str) -> None:
    edits, floor = HELDOUT_FLOORS[kind]
    n, plain, query, guessed = _recall(heldout, edits)
    assert query >= floor, (
        f"{kind}: {query}/{n} held-out copies matched, floor {floor} (plain PDQ {plain})"
    )
    assert query >= plain  # the plain hash is among the query hashes
    # With the relaxed rule for guessed variants (signals/media/guesses.py): never fewer, and
    # on the edits that hide the most, more (held-out hits when set: crop 5% per side 3/3,
    # 5% of one side 6/6, asymmetric 11/12, solid bar 15% 9/9; at radius 31 alone 2/3, 5/6,
    # 9/12, 7/9).
    assert guessed >= max(query, GUESS_FLOORS.get(kind, 0)), (
        f"{kind}: {guessed}/{n} held-out copies matched with guesses (at radius 31 alone {query})"
    )


GUESS_FLOORS = {"crop 5% per side": 3, "crop 5% of one side": 6, "asymmetric crop 0-5%": 10, "solid bar 15%": 8}


def test_variants_add_no_false_matches(distinct_pictures: dict[str, Path]) -> None:
    """Every distinct picture in the test vectors, queried with all its variants, against
    every other picture's plain hash."""
    files = distinct_pictures
    listed = {k: hash_file(p).pdq.hex for k, p in files.items()}
    for name, path in files.items():
        queries = query_hashes(Image.open(path))
        for other, h in listed.items():
            if other != name:
                assert min(hamming(q, h) for q in queries) > RADIUS, (name, other)


def test_flat_image_has_no_query_hashes() -> None:
    assert query_hashes(Image.new("RGB", (300, 200), (120, 130, 140))) == []


def test_diffuse_edge_lines_equal_a_full_gaussian_blur(bridge: Image.Image) -> None:
    """The diffuse fill computes only the edge lines of each blurred copy (the 2-D blur is
    separable); they must equal those of the full blur they stand for."""
    from scipy import ndimage

    from cordon.signals.media.variants import _DIFFUSE_SIGMAS, _Blurs

    a = np.asarray(bridge)[:200, :300]
    blurs = _Blurs(a)
    for sigma in _DIFFUSE_SIGMAS:
        full = ndimage.gaussian_filter(
            a.astype(np.float32), (sigma, sigma, 0), mode="nearest", truncate=3.0
        )
        got = blurs(sigma)
        for edge in (np.s_[0], np.s_[-1], np.s_[:, 0], np.s_[:, -1]):
            assert np.abs(got[edge] - full[edge]).max() < 1e-3


def test_solid_bar_matches_through_the_diffuse_infill(bridge: Image.Image) -> None:
    """A white 15% watermark bar over the top of the bridge photo (a tuning photo): of the
    infills only the diffuse one comes within the radius (30 bits; edge 42, mean 38, decay
    36 when written), so this fails if that step breaks or is dropped (docs/media.md)."""
    listed = hash_image(bridge).hex
    marked = overlay(bridge, 0.15, True, (255, 255, 255), (0, 0, 0))
    assert hamming(hash_image(marked).hex, listed) > RADIUS
    found = {
        name: hamming(hash_image(variant).hex, listed)
        for name, variant in candidates(marked)
        if name.startswith("infill")
    }
    assert found["infill-diffuse:top"] <= RADIUS
    assert all(d > RADIUS for name, d in found.items() if name != "infill-diffuse:top")
    assert best(marked, listed) <= RADIUS


def test_crop_caught_by_a_fourth_pass_padding(vectors: Path) -> None:
    """3% off the left of the coaster photo (a tuning photo): the fourth pass's 2-step left
    padding brings it to 12 bits; every earlier candidate stayed at 34 or more when it was
    added, so this fails if the new paddings are dropped (docs/media.md)."""
    photo = load_image(vectors / "misc-images" / "c.png", max_side=1024).convert("RGB")
    listed = hash_image(photo).hex
    cropped = crop(photo, 0.03, 0, 0, 0)
    assert hamming(hash_image(cropped).hex, listed) > RADIUS
    new = "pad:" + ",".join(f"{p:g}" for p in (2 / 60, 0, 0, 0))
    found = {name: hamming(hash_image(v).hex, listed) for name, v in candidates(cropped)}
    assert found[new] <= RADIUS
    assert all(d > RADIUS for name, d in found.items() if name != new)
    assert best(cropped, listed) <= RADIUS
