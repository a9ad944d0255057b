"""`cordon hash`, `cordon match` and `cordon lists` as a user runs them: real images from the
PDQ test vectors, real files, a real process."""

from __future__ import annotations

from pathlib import Path

from test_cli import cordon, read_csv


def _watermark(source: Path, target: Path) -> None:
    """A solid white bar with a handle over the top 15% of the picture."""
    from PIL import Image, ImageDraw, ImageFont

    im = Image.open(source).convert("RGB")
    im.thumbnail((1024, 1024))
    bar = round(im.height * 0.15)
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, 0, im.width, bar), fill=(255, 255, 255))
    draw.text((im.width * 0.04, bar * 0.2), "@channel_media  t.me/example", fill=(0, 0, 0),
              font=ImageFont.load_default(size=bar // 2))
    im.save(target)


def test_hash_writes_pdq_quality_md5_and_skips_bad_files(shared_data: Path, tmp_path: Path):
    bridge = shared_data / "pdq_test_vectors" / "bridge-mods"
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "fake.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    out = tmp_path / "hashes.csv"
    result = cordon("hash", str(bridge), str(tmp_path / "empty.jpg"), str(tmp_path / "fake.png"), "-o", str(out), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    rows = read_csv(out)
    assert list(rows[0]) == ["path", "pdq", "quality", "md5"] and len(rows) == 12
    orig = next(r for r in rows if r["path"].endswith("aaa-orig.jpg"))
    assert len(orig["pdq"]) == 64 and int(orig["quality"]) >= 50 and len(orig["md5"]) == 32
    stderr = result.stderr.decode()
    assert "empty.jpg" in stderr and "fake.png" in stderr and "hashed 12, skipped 2" in stderr


def test_lists_import_match_false_positive_export_remove(shared_data: Path, tmp_path: Path):
    vectors = shared_data / "pdq_test_vectors"
    hashes = tmp_path / "hashes.csv"
    assert cordon("hash", str(vectors / "bridge-mods" / "aaa-orig.jpg"), "-o", str(hashes), tmp_path=tmp_path).returncode == 0
    listed = read_csv(hashes)[0]["pdq"]
    bank = tmp_path / "bank.csv"
    bank.write_text(f"signal_type,signal_value,label\npdq,{listed},bridge\npdq,nothex,bad\nmd5,{'0' * 32},other\n")

    imported = cordon("lists", "import", str(bank), "--name", "gifct", tmp_path=tmp_path)
    assert imported.returncode == 0, imported.stderr.decode()
    assert "2 new" in imported.stderr.decode() and "bank.csv:3" in imported.stderr.decode()
    shown = cordon("lists", "show", tmp_path=tmp_path).stdout.decode()
    assert "gifct" in shown and "md5, pdq" in shown

    out = tmp_path / "matches.csv"
    inputs = [str(vectors / "reg-test-input" / "dih"), str(vectors / "reg-test-input" / "labelme-subset")]
    marked = tmp_path / "marked" / "watermarked.png"  # matches only through a guessed infill
    marked.parent.mkdir()
    _watermark(vectors / "bridge-mods" / "aaa-orig.jpg", marked)
    result = cordon("match", *inputs, str(marked.parent), "-o", str(out), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    rows = read_csv(out)
    assert list(rows[0]) == ["path", "matched", "distance", "list", "label", "how"]
    rotated = [r for r in rows if "/dih/" in r["path"]]
    assert len(rotated) == 8 and all(r["matched"] == listed and int(r["distance"]) <= 31 and r["how"] == "pdq" for r in rotated)
    assert all(r["matched"] == "" for r in rows if "labelme" in r["path"])
    (guessed,) = [r for r in rows if r["path"] == str(marked)]
    assert guessed["matched"] == listed and 31 < int(guessed["distance"]) <= 56
    assert guessed["how"].startswith("pdq guess infill") and "of 128 sure bits differ" in guessed["how"]

    # Without the relaxed rule the watermarked copy is not found.
    plain = tmp_path / "plain.csv"
    assert cordon("match", str(marked.parent), "--no-guesses", "-o", str(plain), tmp_path=tmp_path).returncode == 0
    assert [r["matched"] for r in read_csv(plain)] == [""]

    # The same against a list file instead of the store.
    direct = tmp_path / "direct.csv"
    assert cordon("match", inputs[0], "--list", str(bank), "-o", str(direct), tmp_path=tmp_path).returncode == 0
    assert {r["list"] for r in read_csv(direct)} == {"bank.csv"}

    marked = cordon("lists", "false-positive", listed.upper(), "--list", "gifct", "--reason", "tourist photo", tmp_path=tmp_path)
    assert marked.returncode == 0, marked.stderr.decode()
    again = tmp_path / "again.csv"
    assert cordon("match", inputs[0], "-o", str(again), tmp_path=tmp_path).returncode == 0
    assert all(r["matched"] == "" for r in read_csv(again))
    export = tmp_path / "fp.csv"
    assert cordon("lists", "export-false-positives", "-o", str(export), tmp_path=tmp_path).returncode == 0
    exported = read_csv(export)
    assert len(exported) == 1 and exported[0]["signal"] == listed and exported[0]["status"] == "false_positive"

    assert cordon("lists", "remove", "gifct", tmp_path=tmp_path).returncode == 0
    gone = cordon("lists", "remove", "gifct", tmp_path=tmp_path)
    assert gone.returncode == 2 and "no list named 'gifct'" in gone.stderr.decode()
    empty = cordon("match", inputs[0], "-o", str(again), tmp_path=tmp_path)
    assert empty.returncode == 2 and "no hashes to match against" in empty.stderr.decode()
