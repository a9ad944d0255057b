"""Hashing media files for known-media lists: MD5 of the bytes, PDQ of the picture, and the
edit-robust set of PDQ hashes a query looks up."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from cordon.errors import MediaError
from cordon.signals.media.guesses import GuessedHash, sure_mask
from cordon.signals.media.images import load_image
from cordon.signals.media.pdq import (
    HASH_SIDE,
    MIN_QUALITY,
    PdqHash,
    hash_dihedral,
    hash_image,
    hash_with_margins,
)
from cordon.signals.media.variants import candidates, is_guess

__all__ = ["MediaHashes", "QueryHashes", "hash_file", "hash_files", "query_hashes", "query_set"]


@dataclass(frozen=True, slots=True)
class MediaHashes:
    """The hashes of one file. ``pdq`` is None when its quality is below MIN_QUALITY (the
    hash is then not fit to list or look up); ``quality`` is kept either way."""

    path: str
    md5: str
    pdq: PdqHash | None
    quality: int


def hash_file(path: str | Path) -> MediaHashes:
    """MD5 of the file's bytes and PDQ of its (first) frame. Raises MediaError."""
    label = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise MediaError(f"{label}: cannot read file: {exc.strerror or exc}") from exc
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    # Shrinking while decoding is the reference implementation's path (open, thumbnail).
    image = load_image(data, name=label, max_side=HASH_SIDE)
    pdq = hash_image(image)
    return MediaHashes(label, md5, pdq if pdq.quality >= MIN_QUALITY else None, pdq.quality)


def hash_files(paths: Iterable[str | Path]) -> Iterator[MediaHashes | MediaError]:
    """hash_file over many files; a bad file yields its MediaError and the batch goes on."""
    for path in paths:
        try:
            yield hash_file(path)
        except MediaError as exc:
            yield exc


@dataclass(frozen=True, slots=True)
class QueryHashes:
    """What to look up for one query image: ``exact`` at radius 31 (every usable hash, the
    guessed ones included), ``guessed`` with the relaxed rule too."""

    exact: list[str]
    guessed: list[GuessedHash]


def query_set(image: Image.Image) -> QueryHashes:
    """The hashes to look up for one query image: the image and its 7 rotations/flips, then
    the variants.candidates that undo bars, borders, translucent bands and crops (41 for a
    photo without bars: 8 + 31 paddings + 2 extra fills; measured figures in docs/media.md).
    Deduplicated, in that order, quality >= MIN_QUALITY only (empty for a flat image)."""
    seen: dict[str, None] = {}
    guessed: dict[str, GuessedHash] = {}
    for name, variant in candidates(image):
        if name == "original":
            hashes = hash_dihedral(variant)
        elif is_guess(name):
            h, margins = hash_with_margins(variant)
            if h.quality >= MIN_QUALITY:
                guessed.setdefault(h.hex, GuessedHash(h.hex, sure_mask(margins), name))
            hashes = [h]
        else:
            hashes = [hash_image(variant)]
        for h in hashes:
            if h.quality >= MIN_QUALITY:
                seen.setdefault(h.hex, None)
    return QueryHashes(list(seen), list(guessed.values()))


def query_hashes(image: Image.Image) -> list[str]:
    """The PDQ hashes (hex) to look up for one query image at radius 31: query_set's
    ``exact`` list."""
    return query_set(image).exact
