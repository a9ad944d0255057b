"""Query-side candidate images for edited copies of listed media.

Shared hash lists carry only the PDQ hash of the original, so an edited copy can only match
if the *query* side rebuilds something close to the original before hashing. PDQ hashes
the whole frame at 64x64, so anything that moves the frame moves the hash: a 3% crop costs
38-66 bits and a caption bar 50-130, far past the match radius of 31 (measured figures in
docs/media.md). Each candidate below undoes one kind of edit; the caller hashes them all and
looks each hash up. Every candidate is one more index lookup, so the set is kept small.

All work is done on a copy shrunk to fit 464x464: PDQ shrinks anything larger than
512x512 before hashing, and a re-padded 464 stays under 512, so no variant is resampled
twice (that second resampling made query_hashes 2.5x slower at 512x512). A 256 copy would
hash 3x faster, but shrinking a 256-460 px picture again cost 10-20 points of caption-bar
recall on the tuning photos (measured), so the size stays.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter
from scipy import ndimage

__all__ = [
    "CROP_PADS",
    "FILLS",
    "Bars",
    "Blend",
    "candidates",
    "find_bars",
    "find_blends",
    "infill_bars",
    "is_guess",
    "repad",
    "strip_bars",
    "unblend",
    "working_copy",
]

#: Crop re-paddings are multiples of this step (1/60 of the original's side, about 1.7%).
_PAD_STEP = 1 / 60
#: Re-paddings that undo crops, in _PAD_STEP units per side (left, top, right, bottom).
#: PDQ tolerates about 1% of error per side, so no small set covers every crop of 0..5% a
#: side. The first 24 were picked greedily from the 256 of a grid of 0/1/2/3 steps per side, by
#: measured coverage of 189 crops of the TUNING photos (benchmarks/media_edits.py): random
#: crops of 0..5% on every side, of one side, of two adjacent sides, and all round. A match
#: within 31 counts 1 and within 38 counts 0.5, so a pick that nearly matches many crops
#: beats one that just matches one. The set is not symmetric: that is the tuning data. The
#: last entry, 5% all round, was added by hand: the greedy 24 missed most 5%-all-round crops
#: (tuning 22%, held-out 15%), an edit the issue names.
_PAD_UNITS: tuple[tuple[int, int, int, int], ...] = (
    (1, 2, 1, 1),
    (0, 0, 3, 0),
    (0, 0, 1, 3),
    (2, 1, 0, 0),
    (0, 3, 0, 0),
    (3, 3, 3, 2),
    (1, 1, 2, 1),
    (3, 0, 1, 0),
    (2, 2, 2, 3),
    (0, 1, 0, 0),
    (0, 2, 2, 3),
    (2, 3, 1, 1),
    (0, 3, 2, 1),
    (1, 2, 1, 2),
    (0, 0, 0, 2),
    (0, 0, 0, 3),
    (1, 2, 0, 1),
    (2, 1, 2, 3),
    (0, 0, 1, 0),
    (0, 0, 2, 2),
    (1, 1, 0, 2),
    (1, 2, 1, 3),
    (1, 2, 2, 2),
    (1, 3, 0, 0),
    (3, 3, 3, 3),
    # Fourth pass (2026-11-29): the 6 picks of a second greedy run over the 0..3 grid and
    # 19 4-step (6.7%) entries, on 855 crops of the TUNING photos and their 75% windows
    # (same rule; 9 fixed crops of benchmarks/media_edits.py per image and 10 random ones
    # of another seed). They lift those crops from 60% to 65% within 31 (the best padding
    # of each crop: 70%); each pick added 0.5-0.8% of the crops, later ones under 0.4%, and
    # no 4-step entry was picked. Held-out (benchmarks/media_edits.py, run once): asymmetric
    # 77% -> 81%, 3% all round 92% -> 100%, 3% of one side 96% -> 100%, 5% of one side
    # 90% -> 92%, 5% all round 69% (unchanged); false matches still 0. Six more hashes.
    (2, 0, 0, 0),
    (1, 0, 1, 1),
    (1, 2, 2, 0),
    (2, 2, 2, 2),
    (1, 1, 2, 2),
    (3, 0, 0, 2),
)
#: Crop re-paddings hashed once more with another fill (see FILLS). The deepest crop, 5% all
#: round, is where the edge guess misses most: on the TUNING photos its exact padding
#: matched 27% with edge pixels, 40% smooth, 40% decay, 44% for smooth and decay together.
_EXTRA_FILL_UNITS: tuple[tuple[tuple[int, int, int, int], str], ...] = (
    ((3, 3, 3, 3), "smooth"),
    ((3, 3, 3, 3), "decay"),
)
CROP_PADS: tuple[tuple[float, float, float, float], ...] = tuple(
    (l * _PAD_STEP, t * _PAD_STEP, r * _PAD_STEP, b * _PAD_STEP) for l, t, r, b in _PAD_UNITS
)
_EXTRA_FILL_PADS = tuple(
    (tuple(u * _PAD_STEP for u in units), fill) for units, fill in _EXTRA_FILL_UNITS
)

_WORK_SIDE = 464
#: Bar detection: a pixel is "bar coloured" within this per-channel distance (JPEG noise).
_BAR_TOL = 16
#: A bar's edge lines are this uniform; lines inside it (text) at least _BAR_TEXT_MIN.
_BAR_UNIFORM = 0.95
_BAR_TEXT_MIN = 0.2
#: A bar covers at most this fraction of the side; a "bar" reaching it is a flat picture.
_BAR_MAX = 0.3
#: Translucent bars: the band's inner line is the picture's next line times a slope in this
#: range plus an offset (alpha blending with a bar colour: slope = 1 - opacity; opacity
#: 30-90%; an opaque bar is found by find_bars instead).
_BLEND_SLOPE = (0.1, 0.7)
#: That fit leaves at most this share of the plain line-to-line difference (squared).
_BLEND_FIT = 0.2
#: A translucent band covers at least this fraction of the side (thinner steps are edges and
#: JPEG artefacts of the picture itself: a watermark band is thicker).
_BLEND_MIN = 0.04
#: Lines flatter than this (variance of grey levels) say nothing about a blend.
_BLEND_MIN_VAR = 25.0
#: Unblended pixels this far outside 0..255 are the bar's text, not the picture.
_BLEND_TEXT = 24.0


@dataclass(frozen=True, slots=True)
class Bars:
    """Thickness in pixels of the uniform bar found at each side (0: none)."""

    top: int = 0
    bottom: int = 0
    left: int = 0
    right: int = 0

    def __bool__(self) -> bool:
        return bool(self.top or self.bottom or self.left or self.right)

    def only(self, side: str) -> Bars:
        return Bars(**{side: getattr(self, side)})

    def sides(self) -> list[str]:
        return [s for s in ("top", "bottom", "left", "right") if getattr(self, s)]


def working_copy(image: Image.Image) -> Image.Image:
    """An RGB copy shrunk to fit 464x464, the size every variant is built at."""
    if image.width > _WORK_SIDE or image.height > _WORK_SIDE:
        image = image.copy()
        image.thumbnail((_WORK_SIDE, _WORK_SIDE))
    return image.convert("RGB") if image.mode != "RGB" else image


def _bar_thickness(lines: np.ndarray) -> int:
    """lines: (n, w, 3), line 0 at the image edge. Thickness of the bar starting there."""
    n = lines.shape[0]
    limit = int(n * _BAR_MAX)
    if limit < 2:
        return 0
    colour = np.median(lines[0], axis=0)
    near = np.abs(lines[:limit].astype(np.int16) - colour).max(axis=2) <= _BAR_TOL
    share = near.mean(axis=1)
    if share[0] < _BAR_UNIFORM:
        return 0
    # The bar runs while every line is mostly bar colour (text lines included) and ends at
    # its last nearly uniform line: caption text sits inside margins of plain bar colour.
    broken = np.flatnonzero(share < _BAR_TEXT_MIN)
    if broken.size:
        uniform = np.flatnonzero(share[: broken[0]] >= _BAR_UNIFORM)
        thickness = int(uniform[-1]) + 1
    else:
        # Nothing in reach is clearly picture (a border against dark stripes, say): fall
        # back to the run of uniform lines at the edge.
        runs = np.flatnonzero(share < _BAR_UNIFORM)
        thickness = int(runs[0]) if runs.size else limit
    if thickness >= limit or thickness < max(2, n // 100):
        return 0
    return thickness


def find_bars(image: Image.Image) -> Bars:
    """Uniform bars or borders at the image's edges: caption bars added above or below,
    letterbox/pillarbox borders, and solid watermark bars laid over an edge."""
    a = np.asarray(working_copy(image))
    return Bars(
        top=_bar_thickness(a),
        bottom=_bar_thickness(a[::-1]),
        left=_bar_thickness(a.transpose(1, 0, 2)),
        right=_bar_thickness(a.transpose(1, 0, 2)[::-1]),
    )


@dataclass(frozen=True, slots=True)
class Blend:
    """A translucent bar at one side: its ``thickness`` in pixels, and the blend that made it,
    ``band = slope * picture + offset`` (per channel offset)."""

    side: str
    thickness: int
    slope: float
    offset: tuple[float, float, float]


_SIDE_VIEWS = {
    "top": lambda a: a,
    "bottom": lambda a: a[::-1],
    "left": lambda a: a.transpose(1, 0, 2),
    "right": lambda a: a.transpose(1, 0, 2)[::-1],
}


def _blend_at(lines: np.ndarray, side: str) -> Blend | None:
    """lines: (n, w, 3), line 0 at the edge. The translucent band ending where line k-1 (in
    the band) is best explained as slope * line k (the picture) + offset, slope < 1."""
    n = lines.shape[0]
    limit = int(n * _BAR_MAX)
    if limit < 3 or lines.shape[1] < 8:
        return None
    rgb = lines[: limit + 1].astype(np.float32)
    rgb = (rgb[:, :-2] + rgb[:, 1:-1] + rgb[:, 2:]) / 3  # smooth along the line: less texture
    grey = rgb.mean(axis=2)
    x, y = grey[1:], grey[:-1]  # pair k-1: x = line k (picture side), y = line k-1 (band side)
    mx, my = x.mean(axis=1, keepdims=True), y.mean(axis=1, keepdims=True)
    vx = ((x - mx) ** 2).mean(axis=1)
    cov = ((x - mx) * (y - my)).mean(axis=1)
    slope = cov / np.maximum(vx, 1e-6)
    e_plain = ((y - x) ** 2).mean(axis=1)
    e_fit = np.maximum(((y - my) ** 2).mean(axis=1) - slope * cov, 1e-3)
    ok = (vx >= _BLEND_MIN_VAR) & (slope >= _BLEND_SLOPE[0]) & (slope <= _BLEND_SLOPE[1])
    ok &= e_fit <= _BLEND_FIT * e_plain
    ok[: max(2, int(n * _BLEND_MIN)) - 1] = False  # a watermark band, not an edge artefact
    if not ok.any():
        return None
    k = int(np.argmax(np.where(ok, e_plain / e_fit, -1.0))) + 1  # the band is lines[:k]
    # The lines at the step are often a mix of band and picture (the working copy is shrunk),
    # which pulls the fitted slope towards 1. Measure the blend one line further out on each
    # side instead, as a ratio of spreads (a regression across a 3-line gap would be pulled
    # towards 0 by the picture's texture).
    band = rgb[max(0, k - 3) : k - 1] if k >= 3 else rgb[k - 1 : k]
    pic = rgb[k + 1 : k + 3] if k + 3 <= rgb.shape[0] else rgb[k : k + 1]
    s = float(band.mean(axis=2).std() / max(float(pic.mean(axis=2).std()), 1e-6))
    if s > 0.9:  # the picture goes on at full contrast: a step in the picture, not a band
        return None
    s = max(s, _BLEND_SLOPE[0])
    offset = band.mean(axis=(0, 1)) - s * pic.mean(axis=(0, 1))
    return Blend(side, k, s, (float(offset[0]), float(offset[1]), float(offset[2])))


def find_blends(image: Image.Image) -> list[Blend]:
    """Translucent bars (a watermark or caption band laid over the top or bottom edge at
    partial opacity): at most one per side, found from the step between the band's inner
    line and the picture."""
    a = np.asarray(working_copy(image))
    # Top and bottom only: caption and watermark bands run across the picture, and each side
    # searched finds steps in some pictures (one more hash to look up each time).
    found = (_blend_at(_SIDE_VIEWS[side](a), side) for side in ("top", "bottom"))
    return [b for b in found if b is not None]


def unblend(image: Image.Image, blend: Blend) -> Image.Image:
    """Undo a translucent bar: (band - offset) / slope, per channel. What the bar's text hid
    stays wrong, but the picture under the band is back at its own brightness."""
    out = np.asarray(image).astype(np.float32)
    band = _SIDE_VIEWS[blend.side](out)[: blend.thickness]  # a view into out
    band -= np.asarray(blend.offset, dtype=np.float32)
    band /= blend.slope
    # The bar's text (or logo) was drawn over the blend in a colour outside the blend's range,
    # so it unblends to values far outside 0..255: fill those pixels along each line from
    # their neighbours, as a solid text colour would otherwise dominate the band.
    text = ((band < -_BLEND_TEXT) | (band > 255 + _BLEND_TEXT)).any(axis=2)
    text[:, 1:] |= text[:, :-1]
    text[:, :-1] |= text[:, 1:]
    cols = np.arange(band.shape[1])
    for i in np.flatnonzero(text.any(axis=1) & ~text.all(axis=1)):
        keep = ~text[i]
        for c in range(3):
            band[i, ~keep, c] = np.interp(cols[~keep], cols[keep], band[i, keep, c])
    return Image.fromarray(np.clip(out + 0.5, 0, 255).astype(np.uint8))


def _inner(a: np.ndarray, bars: Bars) -> np.ndarray:
    h, w = a.shape[:2]
    return a[bars.top : h - bars.bottom, bars.left : w - bars.right]


def strip_bars(image: Image.Image, bars: Bars) -> Image.Image:
    """Cut the bars off. Undoes bars *added* around the picture (captions, letterboxing):
    what is left is the original frame."""
    return Image.fromarray(np.ascontiguousarray(_inner(np.asarray(image), bars)))


#: How the picture is extended over a bar or a cropped-off margin. The hidden content is
#: gone, so each fill is a guess, and different guesses miss different images: on the
#: TUNING photos, exact infills of 15% solid bars matched 36% (edge), 38% (smooth), 39%
#: (mean) and 40% (decay) alone, and 49% as the union of all four (10% bars: 64% edge, 75%
#: all four). Reflecting the picture into the gap was worse than any of them (21%).
#: ``diffuse`` extends ever more blurred copies of the picture: a gap pixel d pixels out
#: takes the edge of a copy Gaussian-blurred by sigma ~ d (a cheap stand-in for a harmonic
#: fill: detail fades with distance, broad shading carries on); ``diffuse-mean`` also fades
#: halfway to the mean colour at the widest pad's outer line. Third pass, TUNING photos and
#: their 75% windows (135 15% solid bars, as detected): diffuse 43%, diffuse-mean 44% alone,
#: the best of all six; a Laplace (harmonic) fill solved at 64x64 was 39-41%.
FILLS = ("edge", "smooth", "mean", "decay", "diffuse", "diffuse-mean")
#: The fills a found bar is infilled with, edge first. Chosen as the best 4 of the 6 by the
#: union's recall on those 135 bars: edge+mean+decay+diffuse 54%, against 50% for the
#: second pass's edge+smooth+mean+decay (edge+mean+diffuse+diffuse-mean also 53-54%).
_BAR_FILLS = ("edge", "mean", "decay", "diffuse")
#: "smooth" extends the edge of a copy box-blurred by this fraction of the width: a blurred
#: edge line is a better guess at what lies beyond it than one line's texture.
_SMOOTH_RADIUS = 1 / 32
#: diffuse: the blurred copies (sigma in working-copy pixels); a gap pixel d out uses the one
#: nearest d on a log scale. Powers of two keep it to 7 blurs, shared by every padding.
_DIFFUSE_SIGMAS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
#: diffuse-mean: the share of the mean colour at the widest pad's outer line.
_DIFFUSE_FADE = 0.5


class _Blurs:
    """The edge lines of Gaussian-blurred copies of one picture, made once and shared by its
    paddings. Edge padding reads only a copy's outermost lines, so only those are computed:
    the line at an edge of a 2-D blur (nearest-pixel boundary) is the 1-D blur along it of
    the lines near it weighted across (the Gaussian is separable). A full 2-D blur at seven
    sigmas cost about 300 ms an image; this costs a few."""

    def __init__(self, inner: np.ndarray) -> None:
        self.inner = inner.astype(np.float32)
        self._copies: dict[float, np.ndarray] = {}

    @staticmethod
    def _edge_line(lines: np.ndarray, sigma: float) -> np.ndarray:
        """lines: (n, w, 3), line 0 at the edge: line 0 of their 2-D blur."""
        n = lines.shape[0]
        reach = int(3.0 * sigma + 0.5)
        k = np.arange(-reach, reach + 1)
        g = np.exp(-0.5 * (k / sigma) ** 2)
        g /= g.sum()
        rows = np.clip(k, 0, n - 1)  # nearest-pixel boundary on both ends
        weights = np.bincount(rows, weights=g, minlength=n)[: min(n, reach + 1)]
        line = np.tensordot(weights, lines[: weights.size], axes=(0, 0))
        return ndimage.gaussian_filter1d(line, sigma, axis=0, mode="nearest", truncate=3.0)

    def __call__(self, sigma: float) -> np.ndarray:
        """A (h, w, 3) array whose outer lines are the blurred copy's (inside: undefined)."""
        if sigma not in self._copies:
            a = self.inner
            out = np.empty_like(a)
            out[0] = self._edge_line(a, sigma)
            out[-1] = self._edge_line(a[::-1], sigma)
            out[:, 0] = self._edge_line(a.transpose(1, 0, 2), sigma)
            out[:, -1] = self._edge_line(a.transpose(1, 0, 2)[::-1], sigma)
            self._copies[sigma] = out
        return self._copies[sigma]


def _diffuse(
    blurs: _Blurs, pad: tuple[tuple[int, int], tuple[int, int]], fade: float
) -> np.ndarray:
    (top, bottom), (left, right) = pad
    inner = blurs.inner
    h, w = inner.shape[:2]
    height, width = h + top + bottom, w + left + right
    out = np.pad(inner, ((top, bottom), (left, right), (0, 0)), mode="edge")
    dist = _distance(height, width, top, left, h, w)
    level = np.clip(np.rint(np.log2(np.maximum(dist, 1))), 0, len(_DIFFUSE_SIGMAS) - 1)
    level[dist == 0] = -1
    # The picture pixel each gap pixel repeats under edge padding (always an edge pixel).
    ri = np.clip(np.arange(height) - top, 0, h - 1)
    ci = np.clip(np.arange(width) - left, 0, w - 1)
    for i, sigma in enumerate(_DIFFUSE_SIGMAS):
        ys, xs = np.nonzero(level == i)
        if ys.size:
            out[ys, xs] = blurs(sigma)[ri[ys], ci[xs]]
    if fade:
        mean = inner.reshape(-1, 3).mean(axis=0)
        weight = (fade * dist / max(top, bottom, left, right, 1))[:, :, None]
        out = (1.0 - weight) * out + weight * mean
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def _distance(height: int, width: int, top: int, left: int, h: int, w: int) -> np.ndarray:
    """Chessboard distance of each pixel of a padded frame from the picture (0 inside it)."""
    rows = np.arange(height)
    cols = np.arange(width)
    dy = np.maximum(top - rows, rows - (top + h - 1)).clip(0)
    dx = np.maximum(left - cols, cols - (left + w - 1)).clip(0)
    return np.maximum(dy[:, None], dx[None, :])


def _extend(
    inner: np.ndarray,
    pad: tuple[tuple[int, int], tuple[int, int]],
    fill: str,
    blurs: _Blurs | None = None,
) -> np.ndarray:
    """inner: (h, w, 3) uint8. Pad it by ((top, bottom), (left, right)) pixels with `fill`:
    ``edge`` repeats the edge pixels; ``smooth`` repeats the edge of a blurred copy;
    ``mean`` is the picture's mean colour; ``decay`` fades from the edge pixels to that
    mean, reaching it at the widest pad's outer line; ``diffuse`` and ``diffuse-mean``: see
    FILLS (``blurs``, if given, must be _Blurs of this inner: blurred copies to share).
    """
    if fill in ("diffuse", "diffuse-mean"):
        fade = _DIFFUSE_FADE if fill == "diffuse-mean" else 0.0
        return _diffuse(blurs if blurs is not None else _Blurs(inner), pad, fade)
    (top, bottom), (left, right) = pad
    spec = ((top, bottom), (left, right), (0, 0))
    if fill == "edge":
        return np.pad(inner, spec, mode="edge")
    h, w = inner.shape[:2]
    if fill == "smooth":
        radius = max(2, round(w * _SMOOTH_RADIUS))
        source = np.asarray(Image.fromarray(inner).filter(ImageFilter.BoxBlur(radius)))
        out = np.pad(source, spec, mode="edge")
        out[top : top + h, left : left + w] = inner
        return out
    mean = inner.reshape(-1, 3).mean(axis=0)
    if fill == "mean":
        out = np.empty((h + top + bottom, w + left + right, 3), np.uint8)
        out[:] = np.round(mean).astype(np.uint8)
        out[top : top + h, left : left + w] = inner
        return out
    if fill != "decay":
        raise ValueError(f"unknown fill {fill!r}; expected one of {FILLS}")
    edge = np.pad(inner, spec, mode="edge").astype(np.float32)
    dist = _distance(edge.shape[0], edge.shape[1], top, left, h, w)
    weight = (1.0 - dist / max(top, bottom, left, right, 1))[:, :, None]
    return np.clip(weight * edge + (1.0 - weight) * mean + 0.5, 0, 255).astype(np.uint8)


def infill_bars(
    image: Image.Image, bars: Bars, fill: str = "edge", blurs: _Blurs | None = None
) -> Image.Image:
    """Replace the bars by an extension of the picture (see FILLS), keeping the size.
    Undoes bars laid *over* the picture (watermarks): the frame's geometry is the
    original's, and an extended edge is closer to the hidden content than a solid bar is."""
    inner = np.ascontiguousarray(_inner(np.asarray(image), bars))
    pad = ((bars.top, bars.bottom), (bars.left, bars.right))
    return Image.fromarray(_extend(inner, pad, fill, blurs))


def repad(
    image: Image.Image,
    left: float,
    top: float,
    right: float,
    bottom: float,
    fill: str = "edge",
    blurs: _Blurs | None = None,
) -> Image.Image:
    """Undo a crop of these fractions (of the original's size) per side: extend the picture
    back out (see FILLS), so its content lands where it was in the original frame."""
    w, h = image.size
    full_w = w / (1.0 - left - right)
    full_h = h / (1.0 - top - bottom)
    pad = (
        (round(full_h * top), round(full_h * bottom)),
        (round(full_w * left), round(full_w * right)),
    )
    return Image.fromarray(_extend(np.asarray(image), pad, fill, blurs))


def _pad_name(pads: tuple[float, ...], fill: str = "edge") -> str:
    prefix = "pad" if fill == "edge" else f"pad-{fill}"
    return f"{prefix}:" + ",".join(f"{p:g}" for p in pads)


#: The deepest crop re-paddings: 5% all round, in each fill it is tried with, and for each
#: side the padding nearest a 5% crop of that side alone (the left has none of its own in
#: _PAD_UNITS: (3, 0, 1, 0) is nearest). Adding the one-side four lifted the TUNING photos'
#: 5%-of-one-side crops from 79% to 94% by the relaxed rule and random crops from 74% to 82%,
#: with no unrelated pair within the rule (nearest: 31 sure bits apart); relaxing every
#: padding matched distinct low-detail pictures (guesses.py).
_DEEPEST_PAD = (3, 3, 3, 3)
_ONE_SIDE_PADS = ((3, 0, 1, 0), (0, 3, 0, 0), (0, 0, 3, 0), (0, 0, 0, 3))
_GUESSED_PADS = frozenset(
    [
        *(
            _pad_name(tuple(u * _PAD_STEP for u in _DEEPEST_PAD), fill)
            for fill in ("edge", *(f for units, f in _EXTRA_FILL_UNITS if units == _DEEPEST_PAD))
        ),
        *(_pad_name(tuple(u * _PAD_STEP for u in units)) for units in _ONE_SIDE_PADS),
    ]
)


def is_guess(name: str) -> bool:
    """True for a candidate whose picture is partly a guess at what an edit hid: infilled
    bars, undone translucent bands and the deepest crop re-paddings. These are matched with
    the relaxed rule of guesses.py as well; the other paddings guess less and are many (each
    relaxed lookup is a scan of the list, and relaxing all of them made false matches)."""
    return name.startswith(("infill", "unblend")) or name in _GUESSED_PADS


def candidates(image: Image.Image) -> Iterator[tuple[str, Image.Image]]:
    """Named candidate images for the query side, the unedited working copy first.

    - ``original``: the image itself (its 8 rotations/flips are hashed from it by PDQ).
    - ``strip:<sides>`` / ``infill:<sides>``: when bars are found, all of them, and when
      there are several, each alone (the original may have a plain edge of its own that is
      not a bar: stripping it too would miss). All found bars are infilled with each fill
      in _BAR_FILLS (``infill-<fill>:<sides>``), each alone with edge pixels only.
    - ``unblend:<side>``: each translucent band found, undone.
    - ``pad:l,t,r,b``: each re-padding in CROP_PADS, then ``pad-<fill>:...`` for
      _EXTRA_FILL_PADS.
    """
    yield "original", image  # hashed as given: exactly what a list holds for this image
    work = working_copy(image)
    bars = find_bars(work)
    if bars:
        label = "+".join(bars.sides())
        yield f"strip:{label}", strip_bars(work, bars)
        yield f"infill:{label}", infill_bars(work, bars)
        # A bar laid over the picture hid its content: one guess at it is not enough (the
        # extra fills lift 15% solid bars from 36% to 54% on the tuning photos and their
        # windows; see _BAR_FILLS). They cost three hashes, only for images with a bar.
        for fill in _BAR_FILLS[1:]:
            yield f"infill-{fill}:{label}", infill_bars(work, bars, fill)
        if len(bars.sides()) > 1:
            for side in bars.sides():
                yield f"strip:{side}", strip_bars(work, bars.only(side))
                yield f"infill:{side}", infill_bars(work, bars.only(side))
    for blend in find_blends(work):
        yield f"unblend:{blend.side}", unblend(work, blend)
    for pads in CROP_PADS:
        yield _pad_name(pads), repad(work, *pads)
    for pads, fill in _EXTRA_FILL_PADS:
        yield _pad_name(pads, fill), repad(work, *pads, fill=fill)
