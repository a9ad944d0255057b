"""PDQ hashing: the one module that imports the ``pdqhash`` package (Meta's C++ PDQ).

An image is shrunk to fit 512x512 (PIL ``thumbnail``) and converted to RGB before hashing,
which is what the reference Python implementation (``pdqhashing``) does: with that, hashes
equal the published reference values (``expected_pdq_hashes.csv`` in the test vectors),
and hashing a 12-megapixel photo costs about as much as a 512x512 one. PDQ itself
downsamples to 64x64, so the shrink loses nothing it would use.

Mode handling follows python-threatexchange: ``image.convert("RGB")`` for every mode
(alpha is dropped, not composited; 16-bit and float values are clipped to 0..255), so
hashes agree with lists that pytx/HMA built.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pdqhash
from PIL import Image

__all__ = [
    "DIHEDRAL_NAMES",
    "HASH_SIDE",
    "MIN_QUALITY",
    "PdqHash",
    "bits_to_hex",
    "hamming",
    "hash_dihedral",
    "hash_image",
    "hash_with_margins",
]

#: PDQ's own advice: hashes of quality below 50 (flat or featureless images) match too
#: much to be trusted, so they are neither listed nor looked up.
MIN_QUALITY = 50
#: Images are shrunk to fit this square before hashing (as the reference implementation does).
HASH_SIDE = 512
#: The order of :func:`hash_dihedral`'s output (pdqhash's ``compute_dihedral`` order).
DIHEDRAL_NAMES = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flipx",
    "flipy",
    "flip_plus1",
    "flip_minus1",
)

_NIBBLE_WEIGHTS = np.array([8, 4, 2, 1], dtype=np.uint8)


@dataclass(frozen=True, slots=True)
class PdqHash:
    """A 256-bit PDQ hash as 64 lowercase hex digits, with PDQ's quality score (0..100)."""

    hex: str
    quality: int

    def __post_init__(self) -> None:
        if len(self.hex) != 64 or self.hex != self.hex.lower():
            raise ValueError(f"PDQ hash must be 64 lowercase hex digits, got {self.hex!r}")
        int(self.hex, 16)  # raises ValueError on a non-hex digit

    @property
    def usable(self) -> bool:
        """True when the quality is high enough to list or look up (>= MIN_QUALITY)."""
        return self.quality >= MIN_QUALITY


def hamming(a: str, b: str) -> int:
    """Hamming distance between two PDQ hashes given as hex."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def bits_to_hex(bits: np.ndarray) -> str:
    """256 bits (0/1, bit 0 first) as 64 hex digits, bit 0 the first digit's high bit."""
    nibbles = np.asarray(bits, dtype=np.uint8).reshape(64, 4) @ _NIBBLE_WEIGHTS
    return "".join("0123456789abcdef"[n] for n in nibbles)


def _pixels(image: Image.Image) -> np.ndarray:
    """The RGB uint8 array that PDQ hashes: shrunk to fit HASH_SIDE, then RGB."""
    if image.width > HASH_SIDE or image.height > HASH_SIDE:
        image = image.copy()
        image.thumbnail((HASH_SIDE, HASH_SIDE))
    if image.mode != "RGB":
        image = image.convert("RGB")
    return np.ascontiguousarray(np.asarray(image, dtype=np.uint8))


def hash_image(image: Image.Image) -> PdqHash:
    """PDQ hash and quality of a PIL image (any mode, any size; the image is not changed)."""
    bits, quality = pdqhash.compute(_pixels(image))
    return PdqHash(bits_to_hex(bits), int(quality))


def hash_dihedral(image: Image.Image) -> list[PdqHash]:
    """The 8 dihedral hashes (rotations and flips, in DIHEDRAL_NAMES order; original first),
    computed in one pass from the DCT, so a rotated or mirrored copy of a listed image
    matches one of them. All eight share the image's quality."""
    hashes, quality = pdqhash.compute_dihedral(_pixels(image))
    return [PdqHash(bits_to_hex(bits), int(quality)) for bits in hashes]


def hash_with_margins(image: Image.Image) -> tuple[PdqHash, np.ndarray]:
    """PDQ hash and quality of a PIL image, as hash_image, and each bit's margin: how far the
    DCT coefficient that sets it lies from the median it is compared with. A bit with a wide
    margin survives a small change to the picture; one near the median flips (guesses.py)."""
    coefficients, quality = pdqhash.compute_float(_pixels(image))
    median = np.median(coefficients)
    return PdqHash(bits_to_hex(coefficients > median), int(quality)), np.abs(coefficients - median)
