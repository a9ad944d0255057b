"""Recall of edited copies of listed images, and false matches between unrelated images.

    taskset -c 0 .venv/bin/python benchmarks/media_edits.py [--synthetic 600] [--seed 7]
        [--sets tuning,heldout] [--kinds crop,bar] [--windows] [--extra-unrelated DIR]

The listed image is the original; the index holds its plain PDQ hash, as a shared list
would. Each edit is built with PIL from real photos. "plain" looks up the edited copy's own
PDQ hash; "query" looks up query_set().exact (the 8 dihedral hashes plus the bar/border/crop
variants) at distance <= 31; "+guess" adds query_set().guessed, the variants that guess what
an edit hid, matched by the relaxed rule of signals/media/guesses.py (the index's
search_masked, as `cordon match` does).

Two sets of photos, reported apart:
- TUNING: the 9 distinct photos of ../shared/data/pdq_test_vectors. The query-side
  constants (crop paddings, bar and blend thresholds) were chosen on these.
- HELD-OUT: photos never used for tuning: scikit-learn's bundled china and flower,
  matplotlib's bundled grace_hopper, and, only when scikit-image is importable (a dev-only
  install, not a project dependency), ten photos bundled in its wheel (astronaut, camera,
  chelsea, coffee, coins, hubble_deep_field, ihc, motorcycle_left, rocket, retina).

--sets tuning measures the tuning photos only, so the query side can be tuned without
looking at the held-out ones; --windows adds four 75% windows of each tuning photo (other
framings of the same scenes: more tuning cases, still no held-out photo); --kinds keeps the
edit kinds whose names contain one of the words.

False matches: every image in pdq_test_vectors (grouped, so that copies of one picture are
never counted against each other) and synthetic images, indexed by their plain hashes;
each image, and each edited copy, is queried against every *other* group's hashes. The
held-out photos, the other bundled images of matplotlib and scikit-image, and the 200
face and non-face crops of scikit-image's LFW subset join that set, and so do the images
in each --extra-unrelated folder. Each image of quality >= 50 is listed with two 70%
windows of itself as well (different framings hash as different pictures), so the index
holds three entries per image; windows share their image's group.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import sys
import time
from pathlib import Path

import matplotlib.cbook  # project dependency: its sample images ship in the wheel
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from sklearn.datasets import load_sample_images  # project dependency: so do its images

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine

from cordon.signals.media import MIN_QUALITY, hash_image, load_image, query_set
from cordon.signals.media.guesses import GUESS_MAX_SURE, GUESS_RADIUS, search_guessed
from cordon.signals.media.index import LinearPdqIndex, parse_pdq_hex

VECTORS = Path(__file__).resolve().parents[2] / "shared" / "data" / "pdq_test_vectors"
RADIUS = 31
TUNING = [
    "bridge-mods/aaa-orig.jpg",
    "reg-test-input/exif-rotn/exif-rotn-1.jpg",
    "misc-images/c.png",
    "reg-test-input/pen-and-coaster.png",
    *(f"reg-test-input/labelme-subset/q{n}.jpg" for n in ("0122", "0291", "0746", "1050", "2821")),
]
#: scikit-image's bundled photos used as held-out sources (when it is installed).
SKIMAGE_PHOTOS = (
    "astronaut.png",
    "camera.png",
    "chelsea.png",
    "coffee.png",
    "coins.png",
    "hubble_deep_field.jpg",
    "ihc.png",
    "motorcycle_left.png",
    "rocket.jpg",
    "retina.jpg",
)
CAPTION = "BREAKING: the statement in full, share before it is removed"
HANDLE = "@channel_media  t.me/example"


def group_of(rel: str) -> str:
    """Files that show the same picture (or the same scene) share a group."""
    if (
        rel.startswith(("bridge-mods/", "reg-test-input/dih/", "misc-images/modes/"))
        or "sample-b" in rel
    ):
        return "bridge"
    if "exif-rotn" in rel:
        return "exif-rotn"
    if rel in ("misc-images/c.png", "reg-test-input/pen-and-coaster.png"):
        return "coaster"
    if rel in ("pytx-resources/LA.png", "pytx-resources/I16.png"):
        return "pytx-gray"
    if rel.startswith("skimage/motorcycle_"):  # a stereo pair: one scene
        return "skimage/motorcycle"
    if rel.startswith("skimage/chessboard_"):  # the same board in grey and in RGB
        return "skimage/chessboard"
    return rel


def _skimage_data() -> Path | None:
    """scikit-image's bundled data folder, found without importing scikit-image."""
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "data"
    return folder if folder.is_dir() else None


def _fit(im: Image.Image) -> Image.Image:
    im = im.convert("RGB")
    im.thumbnail((1024, 1024))
    return im


def windows(photos: dict[str, Image.Image]) -> dict[str, Image.Image]:
    """Four 75% windows of each photo (corners and centre): other framings of its scene."""
    out = {}
    for rel, im in photos.items():
        w, h = im.size
        for i, (x, y) in enumerate(((0, 0), (0.25, 0.25), (0.25, 0), (0, 0.25))):
            box = (round(w * x), round(h * y), round(w * (x + 0.75)), round(h * (y + 0.75)))
            out[f"{rel}#window{i}"] = im.crop(box)
    return out


def lfw_faces() -> dict[str, Image.Image]:
    """scikit-image's LFW subset (100 faces, 100 non-faces, 25x25 grey), enlarged: many
    alike, low-detail pictures, the hard case for false matches."""
    folder = _skimage_data()
    if folder is None or not (folder / "lfw_subset.npy").is_file():
        return {}
    faces = np.load(folder / "lfw_subset.npy")
    return {
        f"skimage/lfw_subset[{i}]": Image.fromarray((a * 255).astype(np.uint8))
        .convert("RGB")
        .resize((200, 200), Image.Resampling.BICUBIC)
        for i, a in enumerate(faces)
    }


def folder_images(folder: Path) -> dict[str, Image.Image]:
    """Every readable image in a folder tree (unrelated images of the user's choosing)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp", ".gif"):
            try:
                out[f"extra/{p.relative_to(folder)}"] = load_image(p, max_side=1024).convert("RGB")
            except Exception:  # noqa: BLE001 - a benchmark skips what it cannot read
                continue
    return out


def heldout_photos() -> dict[str, Image.Image]:
    """Photos never used to tune the query side (see the module docstring)."""
    out = {
        f"sklearn/{name}": Image.fromarray(a)
        for name, a in zip(("china", "flower"), load_sample_images().images, strict=True)
    }
    out["matplotlib/grace_hopper"] = _fit(
        Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg"))
    )
    folder = _skimage_data()
    if folder is not None:
        for name in SKIMAGE_PHOTOS:
            if (folder / name).is_file():
                out[f"skimage/{name}"] = _fit(Image.open(folder / name))
    return out


def other_bundled() -> dict[str, Image.Image]:
    """The other images bundled with matplotlib and scikit-image: unrelated images only."""
    out = {}
    sample = Path(matplotlib.cbook._get_data_path("sample_data"))
    for name in ("logo2.png", "Minduka_Present_Blue_Pack.png"):
        if (sample / name).is_file():
            out[f"matplotlib/{name}"] = _fit(Image.open(sample / name))
    folder = _skimage_data()
    if folder is not None:
        for p in sorted(folder.glob("*.png")) + sorted(folder.glob("*.jpg")):
            if p.name not in SKIMAGE_PHOTOS:
                out[f"skimage/{p.name}"] = _fit(Image.open(p))
    return out


# ----------------------------------------------------------------------------- edits
def crop(im: Image.Image, l: float, t: float, r: float, b: float) -> Image.Image:
    w, h = im.size
    return im.crop((round(w * l), round(h * t), w - round(w * r), h - round(h * b)))


def _font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(8, px))


def caption(im: Image.Image, frac: float, where: str, bg, fg) -> Image.Image:
    """A bar of `frac` of the final height added above or below, with a line of text."""
    w, h = im.size
    bar = round(h * frac / (1 - frac))
    out = Image.new("RGB", (w, h + bar), bg)
    out.paste(im, (0, bar if where == "top" else 0))
    y = (0 if where == "top" else h) + bar * 0.2
    ImageDraw.Draw(out).text((w * 0.04, y), CAPTION, fill=fg, font=_font(int(bar * 0.5)))
    return out


def overlay(im: Image.Image, frac: float, where: str, bg, fg, alpha: float = 1.0) -> Image.Image:
    """A watermark bar laid over `frac` of the picture's height at one edge, with a handle."""
    w, h = im.size
    bar = round(h * frac)
    y0 = 0 if where == "top" else h - bar
    out = im.copy()
    band = Image.new("RGB", (w, bar), bg)
    if alpha < 1:
        band = Image.blend(im.crop((0, y0, w, y0 + bar)), band, alpha)
    out.paste(band, (0, y0))
    ImageDraw.Draw(out).text(
        (w * 0.04, y0 + bar * 0.2), HANDLE, fill=fg, font=_font(int(bar * 0.5))
    )
    return out


def border(im: Image.Image, fx: float, fy: float, colour=(0, 0, 0)) -> Image.Image:
    """Letterbox (fy) / pillarbox (fx) borders of that fraction of the picture per side."""
    w, h = im.size
    px, py = round(w * fx), round(h * fy)
    out = Image.new("RGB", (w + 2 * px, h + 2 * py), colour)
    out.paste(im, (px, py))
    return out


def edit_kinds(rng: random.Random) -> dict[str, list]:
    """Edit kind -> list of functions image -> edited image (several draws per kind)."""
    white, black, red, yellow = (255, 255, 255), (0, 0, 0), (190, 20, 20), (255, 230, 0)

    def asym():
        sides = [rng.uniform(0, 0.05) for _ in range(4)]
        return lambda im: crop(im, *sides)

    kinds: dict[str, list] = {
        "crop 1% per side": [lambda im: crop(im, 0.01, 0.01, 0.01, 0.01)],
        "crop 3% per side": [lambda im: crop(im, 0.03, 0.03, 0.03, 0.03)],
        "crop 5% per side": [lambda im: crop(im, 0.05, 0.05, 0.05, 0.05)],
        "crop 3% of one side": [
            lambda im: crop(im, 0.03, 0, 0, 0),
            lambda im: crop(im, 0, 0, 0, 0.03),
        ],
        "crop 5% of one side": [
            lambda im: crop(im, 0.05, 0, 0, 0),
            lambda im: crop(im, 0, 0.05, 0, 0),
            lambda im: crop(im, 0, 0, 0.05, 0),
            lambda im: crop(im, 0, 0, 0, 0.05),
        ],
        "asymmetric crop, 0-5% per side at random": [asym() for _ in range(6)],
    }
    for frac in (0.05, 0.10, 0.15):
        kinds[f"caption bar added top/bottom, {frac:.0%}"] = [
            lambda im, f=frac: caption(im, f, "top", white, black),
            lambda im, f=frac: caption(im, f, "bottom", black, white),
            lambda im, f=frac: caption(im, f, "top", red, yellow),
        ]
    for frac in (0.05, 0.10, 0.15):
        kinds[f"watermark bar overlaid, {frac:.0%}"] = [
            lambda im, f=frac: overlay(im, f, "bottom", black, white),
            lambda im, f=frac: overlay(im, f, "top", white, black),
            lambda im, f=frac: overlay(im, f, "bottom", red, yellow),
        ]
    for frac, alpha in ((0.10, 0.4), (0.15, 0.6), (0.15, 0.8)):
        kinds[f"watermark bar overlaid, {frac:.0%}, {alpha:.0%} opaque"] = [
            lambda im, f=frac, a=alpha: overlay(im, f, "bottom", black, white, alpha=a),
            lambda im, f=frac, a=alpha: overlay(im, f, "top", white, black, alpha=a),
        ]
    kinds["letterbox/pillarbox borders 5-10%"] = [
        lambda im: border(im, 0.0, 0.08),
        lambda im: border(im, 0.08, 0.0),
        lambda im: border(im, 0.05, 0.05),
        lambda im: border(im, 0.10, 0.10, (255, 255, 255)),
    ]
    kinds["rotate 90 / flip (dihedral)"] = [
        lambda im: im.transpose(Image.Transpose.ROTATE_90),
        lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    ]
    return kinds


# ----------------------------------------------------------------------------- synthetic
def synthetic(n: int, rng: random.Random) -> list[Image.Image]:
    """Unrelated images of four kinds: smooth random fields, shape collages, text cards
    (screenshots, memes: the riskiest for bar stripping), and gradients with shapes."""
    out = []
    nprng = np.random.default_rng(rng.randrange(1 << 30))
    for i in range(n):
        w, h = rng.choice([(512, 512), (640, 480), (480, 640), (800, 450)])
        kind = i % 4
        if kind == 0:
            small = nprng.random((rng.randint(3, 12), rng.randint(3, 12), 3)) * 255
            im = Image.fromarray(small.astype(np.uint8)).resize((w, h), Image.Resampling.BICUBIC)
        elif kind == 1:
            im = Image.new("RGB", (w, h), tuple(rng.randrange(256) for _ in range(3)))
            d = ImageDraw.Draw(im)
            for _ in range(rng.randint(3, 12)):
                x0, y0 = rng.randrange(w), rng.randrange(h)
                box = (x0, y0, x0 + rng.randint(20, w // 2), y0 + rng.randint(20, h // 2))
                fill = tuple(rng.randrange(256) for _ in range(3))
                (d.ellipse if rng.random() < 0.5 else d.rectangle)(box, fill=fill)
        elif kind == 2:
            bg = tuple(rng.randrange(256) for _ in range(3))
            fg = tuple(255 - c for c in bg)
            im = Image.new("RGB", (w, h), bg)
            d = ImageDraw.Draw(im)
            size = rng.randint(18, 48)
            words = [
                "we",
                "will",
                "not",
                "stop",
                "until",
                "the",
                "message",
                "reaches",
                "every",
                "city",
                "and",
                "every",
                "home",
            ]
            y = rng.randint(5, h // 4)
            while y < h - size:
                line = " ".join(rng.choice(words) for _ in range(rng.randint(2, 6)))
                d.text((rng.randint(5, w // 5), y), line, fill=fg, font=_font(size))
                y += int(size * rng.uniform(1.2, 2.5))
        else:
            gx = np.linspace(0, 1, w)[None, :, None]
            gy = np.linspace(0, 1, h)[:, None, None]
            c0, c1 = nprng.random(3) * 255, nprng.random(3) * 255
            a = c0 * (1 - gx) * (1 - gy) + c1 * gx * gy + nprng.random(3) * 80
            im = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
            d = ImageDraw.Draw(im)
            for _ in range(rng.randint(1, 5)):
                x0, y0 = rng.randrange(w), rng.randrange(h)
                d.ellipse(
                    (x0, y0, x0 + rng.randint(30, 200), y0 + rng.randint(30, 200)),
                    fill=tuple(rng.randrange(256) for _ in range(3)),
                )
            im = im.filter(ImageFilter.GaussianBlur(rng.uniform(0, 3)))
        out.append(im)
    return out


# ----------------------------------------------------------------------------- measuring
def bits(hexes: list[str]) -> np.ndarray:
    return (
        np.array([[int(c, 16) for c in h] for h in hexes], dtype=np.uint8).reshape(-1, 64)
        if hexes
        else np.zeros((0, 64), np.uint8)
    )


_POP = np.array([i.bit_count() for i in range(16)], dtype=np.uint8)


def min_distance(queries: list[str], index: np.ndarray) -> np.ndarray:
    """Per index row, the smallest distance to any of the queries (index: nibble array)."""
    if not queries or not len(index):
        return np.full(len(index), 256)
    q = bits(queries)
    return _POP[q[:, None, :] ^ index[None, :, :]].sum(axis=2).min(axis=0)


def guess_hits(guessed: list, index: LinearPdqIndex) -> np.ndarray:
    """Per index row, whether any guessed query matches it by the relaxed rule."""
    hit = np.zeros(len(index), dtype=bool)
    hit[search_guessed(index, guessed).item] = True
    return hit


def fewest_sure(guessed: list, index: LinearPdqIndex, hexes: list[str], other: np.ndarray) -> int:
    """The fewest differing sure bits of any guessed query against a row of ``other`` within
    the guess radius (256 when none is that near): how close unrelated pairs come to the rule."""
    found = search_guessed(index, guessed, max_sure=256)
    pairs = zip(found.query.tolist(), found.item.tolist(), strict=True)
    return min((guessed[q].sure_distance(hexes[item]) for q, item in pairs if other[item]), default=256)


def listed_windows(im: Image.Image) -> list[Image.Image]:
    """Two 70% windows of an unrelated image, listed beside it (see the module docstring)."""
    w, h = im.size
    return [
        im.crop((0, 0, round(w * 0.7), round(h * 0.7))),
        im.crop((round(w * 0.3), round(h * 0.3), w, h)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--synthetic", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sets", default="tuning,heldout", help="photo sets to measure")
    parser.add_argument("--kinds", default="", help="comma-separated words; '' keeps all")
    parser.add_argument("--windows", action="store_true", help="add 75%% windows of tuning photos")
    parser.add_argument("--no-false-matches", action="store_true")
    parser.add_argument("--extra-unrelated", type=Path, action="append", default=[])
    args = parser.parse_args()
    if not VECTORS.is_dir():
        sys.exit(f"{VECTORS} not found")
    rng = random.Random(args.seed)
    began = time.perf_counter()

    # ---- recall per edit kind, on each set of photos
    tuning = {rel: load_image(VECTORS / rel, max_side=1024).convert("RGB") for rel in TUNING}
    if args.windows:
        tuning |= windows(tuning)
    heldout = heldout_photos()
    sets = {"tuning": tuning, "heldout": heldout}
    measured = {name: sets[name] for name in args.sets.split(",")}
    kinds = edit_kinds(rng)
    words = [w for w in args.kinds.split(",") if w]
    if words:
        kinds = {k: v for k, v in kinds.items() if any(w in k for w in words)}
    counts: list[int] = []
    edited_queries: list[tuple[str, list[str]]] = []  # (group, query hashes) for false matches
    print(f"# media_edits.py, {machine()}")
    print(
        ", ".join(f"{name} photos: {len(photos)}" for name, photos in measured.items())
        + ("" if _skimage_data() else " (scikit-image not installed: its photos are left out)")
    )
    header = (
        f" {'n':>4s} {name + ' plain':>13s} {name + ' query':>13s} {name + ' +guess':>14s}"
        for name in measured
    )
    print(f"{'edit':44s}" + "".join(header))
    for kind, fns in kinds.items():
        cells = []
        for photos in measured.values():
            plain_hits = query_hits = guessed_hits = n = 0
            for rel, im in photos.items():
                listed = hash_image(im).hex
                target = bits([listed])
                target_index = LinearPdqIndex(parse_pdq_hex([listed]))
                for fn in fns:
                    edited = fn(im)
                    plain = hash_image(edited)
                    qset = query_set(edited)
                    qs = qset.exact
                    counts.append(len(qs))
                    edited_queries.append((group_of(rel.split("#")[0]), qset))
                    n += 1
                    plain_hits += (
                        plain.quality >= MIN_QUALITY
                        and min_distance([plain.hex], target)[0] <= RADIUS
                    )
                    exact_hit = min_distance(qs, target)[0] <= RADIUS
                    query_hits += exact_hit
                    guessed_hits += exact_hit or guess_hits(qset.guessed, target_index)[0]
            cells.append(
                f"{n:4d} {plain_hits / max(n, 1):13.0%} {query_hits / max(n, 1):13.0%}"
                f" {guessed_hits / max(n, 1):14.0%}"
            )
        print(f"{kind:44s} " + " ".join(cells), flush=True)

    # ---- cost: query hashes and time per photo (unedited), all measured photos
    per_ms = []
    for photos in measured.values():
        for im in photos.values():
            t0 = time.perf_counter()
            query_set(im)
            per_ms.append((time.perf_counter() - t0) * 1000)
    if args.no_false_matches:
        _print_cost(counts, per_ms, began)
        return

    # ---- false matches between unrelated images
    files = sorted(
        p
        for p in VECTORS.rglob("*")
        if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp", ".gif")
    )
    images: list[tuple[str, Image.Image]] = []
    for p in files:
        try:
            images.append((group_of(str(p.relative_to(VECTORS))), load_image(p, max_side=512)))
        except Exception as exc:  # noqa: BLE001 - a benchmark reports and goes on
            print(f"skip {p}: {exc}")
    bundled = {**heldout, **other_bundled(), **lfw_faces()}
    for folder in args.extra_unrelated:
        bundled |= folder_images(folder)
    for rel, im in bundled.items():
        images.append((group_of(rel), im))
    for i, im in enumerate(synthetic(args.synthetic, rng)):
        images.append((f"synthetic-{i}", im))
    plain = [hash_image(im) for _, im in images]
    keep = [i for i, h in enumerate(plain) if h.quality >= MIN_QUALITY]
    listed_groups, listed_hexes = [], []
    for i in keep:
        listed_groups.append(images[i][0])
        listed_hexes.append(plain[i].hex)
        for window in listed_windows(images[i][1]):
            h = hash_image(window)
            if h.quality >= MIN_QUALITY:
                listed_groups.append(images[i][0])
                listed_hexes.append(h.hex)
    groups = np.array(listed_groups)
    index = bits(listed_hexes)
    guess_index = LinearPdqIndex(parse_pdq_hex(listed_hexes))
    pairs_plain = pairs_query = pairs_edited = pairs_guess = pairs_edited_guess = 0
    nearest = 256  # fewest sure bits apart, of unrelated pairs within the guess radius
    total_pairs = 0
    unrelated_ms = []
    for i in keep:
        g, im = images[i]
        other = groups != g
        total_pairs += int(other.sum())
        pairs_plain += int((min_distance([plain[i].hex], index)[other] <= RADIUS).sum())
        t0 = time.perf_counter()
        qset = query_set(im)
        unrelated_ms.append((time.perf_counter() - t0) * 1000)
        counts.append(len(qset.exact))
        exact = min_distance(qset.exact, index) <= RADIUS
        pairs_query += int(exact[other].sum())
        pairs_guess += int((exact | guess_hits(qset.guessed, guess_index))[other].sum())
        nearest = min(nearest, fewest_sure(qset.guessed, guess_index, listed_hexes, other))
    edited_pairs = 0
    for g, qset in edited_queries:
        other = groups != g
        edited_pairs += int(other.sum())
        exact = min_distance(qset.exact, index) <= RADIUS
        pairs_edited += int(exact[other].sum())
        pairs_edited_guess += int((exact | guess_hits(qset.guessed, guess_index))[other].sum())
        nearest = min(nearest, fewest_sure(qset.guessed, guess_index, listed_hexes, other))
    n_groups = len(set(groups.tolist()))
    print()
    print(
        f"unrelated set: {len(keep)} images of quality >= {MIN_QUALITY} in {n_groups} groups "
        f"({len(files)} files from pdq_test_vectors, {len(bundled)} bundled with "
        f"matplotlib/scikit-learn/scikit-image or in --extra-unrelated, {args.synthetic} "
        f"synthetic); {len(index)} listed hashes with their windows"
    )
    print(f"false-matching pairs, plain hash as query:      {pairs_plain} of {total_pairs}")
    print(f"false-matching pairs, query_hashes as query:    {pairs_query} of {total_pairs}")
    print(
        f"false-matching pairs, edited copies (query_hashes) against other groups: "
        f"{pairs_edited} of {edited_pairs}"
    )
    print(f"false-matching pairs, query_set with guesses:   {pairs_guess} of {total_pairs}")
    print(
        f"false-matching pairs, edited copies (query_set with guesses): "
        f"{pairs_edited_guess} of {edited_pairs}"
    )
    print(
        f"nearest unrelated pair within {GUESS_RADIUS} bits: {nearest} sure bits differ "
        f"(the rule allows {GUESS_MAX_SURE}; 256: none within {GUESS_RADIUS})"
    )
    print(
        f"query_hashes time per unrelated image: median {statistics.median(unrelated_ms):.0f} ms"
        f" ({1000 / statistics.mean(unrelated_ms):.1f} images/s)"
    )
    _print_cost(counts, per_ms, began)


def _print_cost(counts: list[int], per_ms: list[float], began: float) -> None:
    print(
        f"query hashes per image (edited and unrelated images): median "
        f"{statistics.median(counts):.0f}, mean {statistics.mean(counts):.1f}, max {max(counts)}"
    )
    print(
        f"query_hashes time per unedited photo: median {statistics.median(per_ms):.0f} ms, "
        f"max {max(per_ms):.0f} ms, {1000 / statistics.mean(per_ms):.1f} photos/s "
        "(pin to one core with taskset for stable figures)"
    )
    print(f"({time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    main()
