"""Query-side candidate images for edited copies of listed media.

Shared hash lists carry only the PDQ hash of the original, so an edited copy can only match
if the *query* side rebuilds something close to the original before hashing. PDQ hashes
the whole frame at 64x64, so anything that moves the frame moves the hash: a 3% crop costs
38-66 bits and a caption bar 50-130, far past the match radius of 31 (measured figures in
docs/media.md). Each candidate below undoes one kind of edit; the caller hashes them all and
looks each hash up. Every candidate is one more index lookup, so the set is kept small.

All work is done on a copy shrunk to fit 464x464: PDQ shrinks anything larger than
512x512 before hashing, and a re-padded 464 stays under 512, so no variant is resampled
twice (that second resampling made query_hashes 2.5x slower at 512x512).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image

__all__ = [
    "CROP_PADS",
    "Bars",
    "candidates",
    "find_bars",
    "infill_bars",
    "repad",
    "strip_bars",
    "working_copy",
]

#: Re-paddings that undo crops, as fractions of the original's size per side
#: (left, top, right, bottom). PDQ tolerates about 1% of error per side, so a grid over
#: 0..5% per side would need 81 entries. These 10 were chosen on measured coverage of crops
#: of 0..5% per side (benchmarks/media_edits.py): the two symmetric crops, a crop of one
#: side, and a crop of three sides.
CROP_PADS: tuple[tuple[float, float, float, float], ...] = (
    (0.02, 0.02, 0.02, 0.02),
    (0.04, 0.04, 0.04, 0.04),
    (0.04, 0.0, 0.0, 0.0),
    (0.0, 0.04, 0.0, 0.0),
    (0.0, 0.0, 0.04, 0.0),
    (0.0, 0.0, 0.0, 0.04),
    (0.0, 0.02, 0.02, 0.02),
    (0.02, 0.0, 0.02, 0.02),
    (0.02, 0.02, 0.0, 0.02),
    (0.02, 0.02, 0.02, 0.0),
)

_WORK_SIDE = 464
#: Bar detection: a pixel is "bar coloured" within this per-channel distance (JPEG noise).
_BAR_TOL = 16
#: A bar's edge lines are this uniform; lines inside it (text) at least _BAR_TEXT_MIN.
_BAR_UNIFORM = 0.95
_BAR_TEXT_MIN = 0.2
#: A bar covers at most this fraction of the side; a "bar" reaching it is a flat picture.
_BAR_MAX = 0.3


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


def _inner(a: np.ndarray, bars: Bars) -> np.ndarray:
    h, w = a.shape[:2]
    return a[bars.top : h - bars.bottom, bars.left : w - bars.right]


def strip_bars(image: Image.Image, bars: Bars) -> Image.Image:
    """Cut the bars off. Undoes bars *added* around the picture (captions, letterboxing):
    what is left is the original frame."""
    return Image.fromarray(np.ascontiguousarray(_inner(np.asarray(image), bars)))


def infill_bars(image: Image.Image, bars: Bars) -> Image.Image:
    """Replace the bars by the picture's edge pixels, keeping the size. Undoes bars laid
    *over* the picture (watermarks): the frame's geometry is the original's, and an
    extended edge is closer to the hidden content than a solid bar is."""
    a = np.asarray(image)
    inner = _inner(a, bars)
    pad = ((bars.top, bars.bottom), (bars.left, bars.right), (0, 0))
    return Image.fromarray(np.pad(inner, pad, mode="edge"))


def repad(image: Image.Image, left: float, top: float, right: float, bottom: float) -> Image.Image:
    """Undo a crop of these fractions (of the original's size) per side: extend the edge
    pixels back out, so the picture's content lands where it was in the original frame."""
    w, h = image.size
    full_w = w / (1.0 - left - right)
    full_h = h / (1.0 - top - bottom)
    pad = (
        (round(full_h * top), round(full_h * bottom)),
        (round(full_w * left), round(full_w * right)),
        (0, 0),
    )
    return Image.fromarray(np.pad(np.asarray(image), pad, mode="edge"))


def candidates(image: Image.Image) -> Iterator[tuple[str, Image.Image]]:
    """Named candidate images for the query side, the unedited working copy first.

    - ``original``: the image itself (its 8 rotations/flips are hashed from it by PDQ).
    - ``strip:<sides>`` / ``infill:<sides>``: when bars are found, all of them, and when
      there are several, each alone (the original may have a plain edge of its own that is
      not a bar: stripping it too would miss).
    - ``pad:l,t,r,b``: each re-padding in CROP_PADS.
    """
    yield "original", image  # hashed as given: exactly what a list holds for this image
    work = working_copy(image)
    bars = find_bars(work)
    if bars:
        options = [bars]
        if len(bars.sides()) > 1:
            options += [bars.only(side) for side in bars.sides()]
        for b in options:
            label = "+".join(b.sides())
            yield f"strip:{label}", strip_bars(work, b)
            yield f"infill:{label}", infill_bars(work, b)
    for pads in CROP_PADS:
        yield "pad:" + ",".join(f"{p:g}" for p in pads), repad(work, *pads)
