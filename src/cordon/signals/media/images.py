"""Opening untrusted image files safely: every failure becomes a MediaError naming the file.

Checks, in order: the file exists and is not empty; PIL recognises the format; the pixel
count (read from the header, before any pixel is decoded) is at most MAX_PIXELS, which
refuses decompression bombs; then the first frame is decoded, so a truncated or corrupt
file fails here and not later in a hasher. Animated images (GIF, APNG, WebP) give their
first frame.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image

from cordon.errors import MediaError

__all__ = ["MAX_PIXELS", "load_image"]

#: Images with more pixels than this are refused before decoding (a 100-megapixel image
#: decodes to 300 MB of RGB). 50 MP is above any camera photo or screenshot in practice.
MAX_PIXELS = 50_000_000


def load_image(
    source: str | Path | bytes,
    name: str | None = None,
    *,
    max_side: int | None = None,
    max_pixels: int = MAX_PIXELS,
) -> Image.Image:
    """Open and decode the first frame of an image file (a path, or the file's bytes).

    ``name`` is what error messages call the file (default: the path, or "<bytes>").
    ``max_side`` shrinks the image to fit that square while decoding (PIL ``thumbnail``,
    which lets JPEG decode at a reduced scale: much faster for large photos).
    Raises MediaError with the name and the reason.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        label = name or "<bytes>"
        data = bytes(source)
    else:
        label = name or str(source)
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise MediaError(f"{label}: cannot read file: {exc.strerror or exc}") from exc
    if not data:
        raise MediaError(f"{label}: empty file (0 bytes)")
    with warnings.catch_warnings():
        # PIL only warns between MAX_IMAGE_PIXELS and twice that; we refuse on our own limit.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError as exc:
            raise MediaError(f"{label}: image too large to decode safely: {exc}") from exc
        except Exception as exc:  # PIL raises many types for unknown or broken headers
            # PIL names its in-memory buffer ("<_io.BytesIO object at 0x...>"): say what it means.
            reason = "unknown or unsupported image format" if isinstance(exc, Image.UnidentifiedImageError) else str(exc)
            raise MediaError(f"{label}: not a readable image: {reason}") from exc
        width, height = image.size
        if width <= 0 or height <= 0:
            raise MediaError(f"{label}: image has no pixels ({width}x{height})")
        if width * height > max_pixels:
            raise MediaError(
                f"{label}: image is {width}x{height} ({width * height / 1e6:.0f} megapixels), "
                f"over the limit of {max_pixels / 1e6:.0f} megapixels; refused before decoding"
            )
        try:
            image.seek(0)  # first frame of an animation
            if max_side is not None and (width > max_side or height > max_side):
                image.thumbnail((max_side, max_side))  # decodes, at reduced scale for JPEG
            image.load()
        except Exception as exc:  # truncated data, bad codes: decoders raise OSError and more
            raise MediaError(f"{label}: cannot decode image ({image.format}): {exc}") from exc
    return image
