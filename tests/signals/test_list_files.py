"""Hash-list files in the formats in real use, streamed, with bad lines quarantined."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from cordon.domain import FalsePositive, ListEntry
from cordon.errors import InputError
from cordon.ingest.records import Quarantined
from cordon.signals.lists import read_hash_list, read_list, write_false_positive_export

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e1c9b22"
MD5 = "0a21c8f85a55a9e276ffc2c53f6887c4"


def split(items):
    items = list(items)
    return [i for i in items if isinstance(i, ListEntry)], [i for i in items if isinstance(i, Quarantined)]


def write(tmp_path, text, name="list.txt"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def test_threatexchange_needles_one_hash_per_line(shared_data):
    path = shared_data / "pdq_test_vectors" / "reg-test-input" / "needles.txt"
    good, bad = split(read_hash_list(path, "te-needles"))
    assert len(good) == 100 and bad == []
    assert good[0] == ListEntry("pdq", "98736629670cc19fc9f23862f66cce1f599e32c78e236c78619d202e9e66c157", "te-needles")


def test_csv_files_from_the_reference_data(shared_data):
    expected = shared_data / "pdq_test_vectors" / "expected"
    good, bad = split(read_hash_list(expected / "PDQMD5TestData.csv", "wasm"))  # FilePath,Hash
    assert bad == [] and {e.kind for e in good} == {"pdq", "md5"}
    assert ListEntry("md5", "0a21c8f85a55a9e276ffc2c53f6887c4", "wasm") in good
    good, bad = split(read_hash_list(expected / "expected_pdq_hashes.csv", "ref"))  # file,pdq_hex,...
    assert len(good) == 22 and bad == [] and all(e.kind == "pdq" for e in good)


def test_vpdq_sample_hashes(shared_data):
    path = shared_data / "pdq_test_vectors" / "vpdq-sample-hashes" / "chair-19-sd-bar.txt"
    good, bad = split(read_hash_list(path, "chair"))
    assert bad == [] and len(good) > 100 and all(e.kind == "pdq" and len(e.value) == 64 for e in good)


def test_pytx_dataset_csv_with_types_tags_and_opinions(tmp_path):
    path = write(tmp_path, (
        "collab,signal_type,signal_str,category,tags\n"
        f"Sample Data,pdq,{PDQ.upper()},TRUE_POSITIVE,isis dabiq\n"
        f"Sample Data,video_md5,{MD5},TRUE_POSITIVE,\n"
        f"Sample Data,pdq,{'1' * 64},FALSE_POSITIVE,isis\n"
        "Sample Data,raw_text,kill them all,TRUE_POSITIVE,\n"
        f"Sample Data,pdq,{PDQ[:-1]},TRUE_POSITIVE,\n"
        f"Sample Data,pdq,{PDQ[:-1]}g,TRUE_POSITIVE,\n"
        f"Sample Data,url,https://justpaste.it/x,TRUE_POSITIVE,\n"
    ), "collab.csv")
    good, bad = split(read_hash_list(path, "default"))
    assert good == [ListEntry("pdq", PDQ, "isis dabiq"), ListEntry("md5", MD5, "Sample Data")]
    assert [(b.line, b.reason) for b in bad] == [
        (5, "unsupported signal type 'raw_text'"),
        (6, "pdq hash must be 64 hex digits, got 63"),
        (7, f"pdq hash is not hexadecimal: '{PDQ[:-1]}g'"),
        (8, "a url entry does not belong in a list of pdq/md5"),
    ]
    assert bad[0].raw.startswith(b"Sample Data,raw_text") and bad[0].location.endswith("collab.csv:5")


def test_hma_and_tcap_style_files(tmp_path):
    hma = write(tmp_path, f"signal_type\tsignal_value\tlabel\tadded_at\npdq\t{PDQ}\tamaq\t2015-06-01 10:00:00\n", "hma.tsv")
    assert split(read_hash_list(hma)) == (
        [ListEntry("pdq", PDQ, "amaq", datetime(2015, 6, 1, 10, tzinfo=UTC))], []
    )
    tcap = write(tmp_path, (
        f'[{{"id": 1, "hash_digest": "{PDQ}", "algorithm": "PDQ", "ideology": "islamist", "file_type": "jpg"}},'
        f' {{"id": 2, "hash_digest": "{MD5}", "algorithm": "VideoMD5", "ideology": "far-right"}},'
        ' {"id": 3, "hash_digest": "abc", "algorithm": "SHA256"}, 7]'
    ), "tcap.json")
    good, bad = split(read_hash_list(tcap))
    assert good == [ListEntry("pdq", PDQ, "islamist"), ListEntry("md5", MD5, "far-right")]
    assert [b.reason for b in bad] == ["unsupported signal type 'SHA256'", "[3]: expected an object or a string, got int"]
    jsonl = write(tmp_path, f'{{"pdq": "{PDQ}", "tags": ["a", "b"], "time": 1433116800}}\n{{broken\n', "l.jsonl")
    good, bad = split(read_hash_list(jsonl))
    assert good == [ListEntry("pdq", PDQ, "a b", datetime(2015, 6, 1, tzinfo=UTC))]
    assert bad[0].line == 2 and bad[0].reason.startswith("invalid JSON")


def test_plain_lines_with_types_comments_and_junk(tmp_path):
    path = write(tmp_path, (
        b"\xef\xbb\xbf# exported 2015-06-01\n"
        b"\n"
        + f"{PDQ}\n".encode()
        + f"  {MD5.upper()}   video label  \n".encode()
        + f"pdq {PDQ}\n".encode()
        + b"xyz\n"
        + b"\xff\xfe" + b"0" * 62 + b"\n"
        + f"{PDQ} trailing".encode()
    ))
    good, bad = split(read_hash_list(path, "lst"))
    assert good == [
        ListEntry("pdq", PDQ, "lst"), ListEntry("md5", MD5, "video label"),
        ListEntry("pdq", PDQ, "lst"), ListEntry("pdq", PDQ, "trailing"),
    ]
    assert [(b.line, b.reason) for b in bad] == [
        (6, "not a PDQ or MD5 hash: 'xyz'"), (7, "not UTF-8"),
    ]
    assert bad[1].raw == b"\xff\xfe" + b"0" * 62


def test_gzip_bad_csv_and_missing_files(tmp_path):
    path = write(tmp_path, gzip.compress(f"hash,label\n{PDQ},x\n\"{MD5},unterminated\n".encode()), "l.csv.gz")
    good, bad = split(read_hash_list(path))
    assert good == [ListEntry("pdq", PDQ, "x")]
    assert len(bad) == 1 and bad[0].line == 3 and bad[0].reason.startswith("bad CSV")
    with pytest.raises(InputError, match="cannot read"):
        read_hash_list(tmp_path / "nope.txt")
    assert split(read_hash_list(write(tmp_path, "# nothing\n\n", "empty.txt"))) == ([], [])
    with pytest.raises(ValueError):
        read_list(path, kinds=["sha1"])


def test_reading_streams(tmp_path):
    path = write(tmp_path, "".join(f"{i:064x}\n" for i in range(200_000)))
    items = read_hash_list(path)
    assert next(items) == ListEntry("pdq", "0" * 64, "")
    assert sum(1 for _ in items) == 199_999


def test_false_positive_export_round_trips_as_no_entries(tmp_path):
    at = datetime(2015, 6, 2, 8, 30, tzinfo=UTC)
    marks = [
        FalsePositive("tcap", "pdq", PDQ, "a cat, not a flag", "reviewer-7", at),
        FalsePositive("tcap", "md5", MD5, "news report", "reviewer-7", at),
    ]
    out = tmp_path / "fp.csv"
    assert write_false_positive_export(out, marks) == 2
    assert out.read_text().splitlines() == [
        "list,signal_type,signal,status,reason,marked_at",
        f'tcap,pdq,{PDQ},false_positive,"a cat, not a flag",2015-06-02T08:30:00Z',
        f"tcap,video_md5,{MD5},false_positive,news report,2015-06-02T08:30:00Z",
    ]
    assert split(read_hash_list(out)) == ([], [])  # every row says false positive
    write_false_positive_export(out, marks, include_actor=True)
    assert out.read_text().splitlines()[0].endswith(",marked_by") and "reviewer-7" in out.read_text()
