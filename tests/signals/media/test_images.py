"""Bad and unusual input: every file gets a clear MediaError naming it, or a result."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from cordon.errors import InputError, MediaError
from cordon.signals.media import MediaHashes, hamming, hash_file, hash_files, hash_image, load_image


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width x height but carries no pixel data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)  # a few bytes of a 300 MB image
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_media_error_is_an_input_error() -> None:
    assert issubclass(MediaError, InputError)


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(MediaError, match=r"empty\.jpg: empty file"):
        hash_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"nothere\.png: cannot read file"):
        hash_file(tmp_path / "nothere.png")


def test_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "notes.jpg"
    path.write_bytes(b"this is text, not a JPEG\n" * 10)
    with pytest.raises(MediaError, match=r"notes\.jpg: not a readable image"):
        hash_file(path)


def test_truncated_jpeg(vectors: Path, tmp_path: Path) -> None:
    data = (vectors / "bridge-mods" / "aaa-orig.jpg").read_bytes()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(MediaError, match=r"cut\.jpg: cannot decode image \(JPEG\)"):
        hash_file(path)


def test_hundred_megapixel_image_refused_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png_header_only(10_000, 10_000))  # no pixel data: decoding would fail
    with pytest.raises(MediaError, match=r"bomb\.png: image is 10000x10000 \(100 megapixels\).*refused before decoding"):
        hash_file(path)
    # the same header at a small size is read, and fails only at decoding
    path.write_bytes(png_header_only(100, 100))
    with pytest.raises(MediaError, match="cannot decode"):
        hash_file(path)


def test_bytes_source_uses_the_given_name() -> None:
    with pytest.raises(MediaError, match=r"^upload-17: empty file"):
        load_image(b"", name="upload-17")


def test_animated_gif_hashes_the_first_frame(vectors: Path, tmp_path: Path) -> None:
    first = Image.open(vectors / "reg-test-input" / "labelme-subset" / "q0291.jpg").convert("RGB")
    second = Image.open(vectors / "reg-test-input" / "labelme-subset" / "q2821.jpg").convert("RGB")
    path = tmp_path / "anim.gif"
    first.save(path, save_all=True, append_images=[second, first], duration=100, loop=0)
    assert Image.open(path).n_frames == 3
    got = hash_file(path)
    assert got.pdq is not None
    assert hamming(got.pdq.hex, hash_image(first).hex) <= 31  # GIF palette costs a few bits
    assert hamming(got.pdq.hex, hash_image(second).hex) > 31


def test_every_pil_mode_hashes_close_to_the_original(vectors: Path) -> None:
    modes = vectors / "misc-images" / "modes"
    original = hash_file(modes / "original.jpg").pdq
    files = sorted(p for p in modes.iterdir() if p.suffix != ".md")
    assert len(files) >= 14
    seen_modes = set()
    for path in files:
        seen_modes.add(Image.open(path).mode)
        got = hash_file(path)
        assert got.pdq is not None, path.name
        assert hamming(got.pdq.hex, original.hex) <= 20, path.name  # 1-bit "1.png": 16
    assert {"CMYK", "P", "L", "LA", "RGBA", "1"} <= seen_modes
    for name, mode in (("LA.png", "LA"), ("I16.png", "I;16")):
        path = vectors / "pytx-resources" / name
        assert Image.open(path).mode == mode
        assert isinstance(hash_file(path), MediaHashes)


def test_batch_goes_on_past_bad_files(vectors: Path, tmp_path: Path) -> None:
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "junk.gif").write_bytes(b"GIF89a garbage")
    good = vectors / "pytx-resources" / "rgb.jpeg"
    results = list(hash_files([tmp_path / "empty.png", good, tmp_path / "junk.gif", good]))
    assert [type(r).__name__ for r in results] == ["MediaError", "MediaHashes", "MediaError", "MediaHashes"]
    assert "empty.png" in str(results[0]) and "junk.gif" in str(results[2])
    assert results[1] == results[3]


def test_load_image_from_bytes_equals_from_path(vectors: Path) -> None:
    path = vectors / "pytx-resources" / "rgb.jpeg"
    a = load_image(path)
    b = load_image(path.read_bytes())
    assert a.size == b.size and a.tobytes() == b.tobytes()
    buffer = io.BytesIO()
    a.save(buffer, format="PNG")
    assert hash_image(load_image(buffer.getvalue())) == hash_image(a)
