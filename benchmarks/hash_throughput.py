"""Media hashing throughput per image size, on one pinned core.

    .venv/bin/python benchmarks/hash_throughput.py [--repeat 5]

For each size, a photo-like JPEG (quality 90) is written to a temporary folder. Rows:
- baseline: hash_image on the already-decoded image (shrink to 512, then PDQ; no file I/O);
- hash_file: read, MD5, decode (shrunk to 512 while decoding), PDQ;
- query_hashes: the query side on an already-decoded image (8 dihedral hashes and the
  bar/border/crop variants).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, median_rate, pin_to_one_core

from cordon.signals.media import hash_file, hash_image, load_image, query_hashes

SIZES = [(256, 256), (512, 512), (1024, 1024), (2048, 2048), (4000, 3000)]


def photo(w: int, h: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    base = Image.fromarray((rng.random((9, 12, 3)) * 255).astype(np.uint8)).resize((w, h), Image.Resampling.BICUBIC)
    grain = Image.fromarray((rng.random((h, w, 3)) * 60).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1))
    return Image.blend(base, grain, 0.25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    pin_to_one_core()
    print(f"# hash_throughput.py, {machine()}, pinned to one core, median of {args.repeat}")
    print(f"{'size':>10s} {'hash_image':>13s} {'hash_file':>10s} {'query_hashes':>13s}  (images/s)")
    with tempfile.TemporaryDirectory() as tmp:
        for w, h in SIZES:
            path = Path(tmp) / f"{w}x{h}.jpg"
            photo(w, h, w + h).save(path, quality=90)
            n = max(3, min(40, int(4e7 / (w * h))))
            image = load_image(path)

            def bare(n=n, image=image) -> int:
                for _ in range(n):
                    hash_image(image)
                return n

            def files(n=n, path=path) -> int:
                for _ in range(n):
                    hash_file(path)
                return n

            def queries(n=n, image=image) -> int:
                for _ in range(n):
                    query_hashes(image)
                return n

            rb, _ = median_rate(bare, args.repeat)
            rf, _ = median_rate(files, args.repeat)
            rq, _ = median_rate(queries, args.repeat)
            print(f"{w:>5d}x{h:<4d} {rb:13.1f} {rf:10.1f} {rq:13.1f}   ({len(query_hashes(image))} query hashes)")


if __name__ == "__main__":
    main()
