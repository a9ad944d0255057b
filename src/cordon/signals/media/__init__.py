"""Known media: MD5 and PDQ hashing of images, and the query-side hashes that still match
cropped, captioned, bordered, rotated or flipped copies of listed images (docs/media.md)."""

from cordon.signals.media.guesses import GuessedHash
from cordon.signals.media.hashing import (
    MediaHashes,
    QueryHashes,
    hash_file,
    hash_files,
    query_hashes,
    query_set,
)
from cordon.signals.media.images import MAX_PIXELS, load_image
from cordon.signals.media.pdq import (
    MIN_QUALITY,
    PdqHash,
    hamming,
    hash_dihedral,
    hash_image,
)

__all__ = [
    "MAX_PIXELS",
    "MIN_QUALITY",
    "GuessedHash",
    "MediaHashes",
    "PdqHash",
    "QueryHashes",
    "hamming",
    "hash_dihedral",
    "hash_file",
    "hash_files",
    "hash_image",
    "load_image",
    "query_hashes",
    "query_set",
]
