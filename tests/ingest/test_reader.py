"""The streaming reader: detection, quarantine with file:line, and hostile input."""

from __future__ import annotations

import gzip
import io
import sys
from pathlib import Path

import orjson
import pytest

from cordon.domain import Account, Interaction, Post
from cordon.errors import InputError
from cordon.ingest import detect, native, reader
from cordon.ingest.detect import FORMATS, detect_format
from cordon.ingest.reader import format_of, read_records
from cordon.ingest.records import Quarantined

TWEET = {
    "id": "10",
    "author_id": "1",
    "text": "hello",
    "created_at": "2021-04-08T19:34:16.000Z",
    "author": {"id": "1", "username": "one", "name": "One"},
}


def line(obj: object) -> bytes:
    return orjson.dumps(obj) + b"\n"


def write(tmp_path: Path, data: bytes, name: str = "input.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def quarantined(items: list) -> list[Quarantined]:
    return [i for i in items if isinstance(i, Quarantined)]


def posts(items: list) -> list[Post]:
    return [i for i in items if isinstance(i, Post)]


# -- the registry and detection ----------------------------------------------------------


def test_one_registry_of_formats() -> None:
    assert list(FORMATS) == ["native", "twarc2", "mastodon"]
    assert detect_format(TWEET) == "twarc2"
    assert detect_format({"data": [TWEET]}) == "twarc2"
    assert (
        detect_format({"id": "1", "acct": "a", "username": "a", "display_name": ""}) == "mastodon"
    )
    assert detect_format(native.to_json(Post("native", "1", "2", "x"))) == "native"
    with pytest.raises(
        InputError, match=r"^where\.json: unknown format: a JSON object with keys 'a'"
    ):
        detect_format({"a": 1}, "where.json")
    with pytest.raises(
        InputError, match="unknown format 'csv'; expected one of native, twarc2, mastodon"
    ):
        detect.get_format("csv")


def test_detects_each_fixture_format(shared_data: Path, tmp_path: Path) -> None:
    assert format_of(shared_data / "twitter_v2_fixtures" / "flat.jsonl") == "twarc2"
    assert format_of(shared_data / "twitter_v2_fixtures" / "users.jsonl") == "twarc2"
    assert format_of(shared_data / "mastodon_fixtures" / "test_status.jsonl") == "mastodon"
    assert format_of(shared_data / "twitter_v2_fixtures" / "empty.json") is None
    native_file = write(tmp_path, line(native.to_json(Post("native", "1", "2", "x"))))
    assert format_of(native_file) == "native"
    assert posts(list(read_records(native_file))) == [Post("native", "1", "2", "x")]


def test_unknown_format_names_the_path(tmp_path: Path) -> None:
    path = write(tmp_path, line({"name": "x", "value": 1}) * 3, "mystery.jsonl")
    with pytest.raises(InputError) as err:
        read_records(path)
    assert str(err.value).startswith(
        f"{path}: unknown format: a JSON object with keys 'name', 'value'"
    )


def test_not_json_at_all_is_an_unknown_format(tmp_path: Path) -> None:
    path = write(tmp_path, b"id,text\n1,hello\n2,world\n", "tweets.csv")
    with pytest.raises(
        InputError,
        match=r"tweets\.csv: unknown format: no JSON value in the first 3 non-blank lines "
        r"\(line 1: invalid JSON",
    ):
        read_records(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.jsonl: no such file"):
        read_records(tmp_path / "nope.jsonl")
    with pytest.raises(InputError, match="is a directory"):
        read_records(tmp_path)


def test_empty_and_blank_files_yield_nothing(tmp_path: Path, shared_data: Path) -> None:
    assert list(read_records(write(tmp_path, b"", "empty.jsonl"))) == []
    assert list(read_records(write(tmp_path, b"\n  \n\r\n", "blank.jsonl"))) == []
    assert list(read_records(write(tmp_path, b"[]\n", "array.json"))) == []
    assert list(read_records(shared_data / "twitter_v2_fixtures" / "empty.json")) == []


def test_detection_looks_past_bad_first_lines(tmp_path: Path) -> None:
    data = b"not json\n" + line({"unrelated": True}) + line(TWEET)
    items = list(read_records(write(tmp_path, data)))
    bad = quarantined(items)
    assert [(q.line, q.reason.split(":")[0]) for q in bad] == [(1, "invalid JSON"), (2, "twarc2")]
    assert [p.id for p in posts(items)] == ["10"]


def test_a_named_format_skips_detection(tmp_path: Path) -> None:
    path = write(tmp_path, line(TWEET))
    assert posts(list(read_records(path, fmt="twarc2")))[0].id == "10"
    (bad,) = list(read_records(path, fmt="native"))
    assert bad.reason.startswith("type: unknown record type None")


# -- quarantine --------------------------------------------------------------------------


def test_mixture_good_lines_through_bad_lines_quarantined(tmp_path: Path) -> None:
    truncated = line(TWEET)[:40]
    invalid_utf8 = b'{"id": "11", "author_id": "1", "text": "\xff\xfe bad"}'
    data = b"".join(
        [
            line(TWEET),  # 1
            b"\n",  # 2 (blank, still counted)
            truncated + b"\n",  # 3
            invalid_utf8 + b"\n",  # 4
            line(TWEET | {"id": "12"}),  # 5
            line({k: v for k, v in TWEET.items() if k != "id"}),  # 6
            line(TWEET | {"id": {"x": 1}}),  # 7
            line(TWEET | {"id": "13", "text": ["a"]}),  # 8
            line(TWEET | {"id": "14"}).rstrip(b"\n"),  # 9, no final newline
        ]
    )
    path = write(tmp_path, data)
    items = list(read_records(path))
    assert [p.id for p in posts(items)] == ["10", "12", "14"]
    bad = quarantined(items)
    assert [(q.line, q.reason) for q in bad] == [
        (3, "invalid JSON: unexpected end of data: line 1 column 41 (char 40)"),
        (
            4,
            "invalid JSON: str is not valid UTF-8: surrogates not allowed: "
            "line 1 column 1 (char 0)",
        ),
        (6, "id: missing id"),
        (7, "id: expected a string id, got dict"),
        (8, "text: expected text, got list"),
    ]
    assert all(q.source == str(path) for q in bad)
    assert bad[0].raw == truncated and bad[1].raw == invalid_utf8
    assert bad[2].location == f"{path}:6"
    assert orjson.loads(bad[3].raw)["id"] == {"x": 1}


def test_ten_megabyte_lines(tmp_path: Path) -> None:
    huge_text = "x" * (10 * 1024 * 1024)
    garbage = b"{" + b"\x00garbage" * (10 * 1024 * 1024 // 8)
    data = line(TWEET | {"text": huge_text}) + garbage + b"\n" + line(TWEET | {"id": "11"})
    items = list(read_records(write(tmp_path, data)))
    big, small = posts(items)
    assert len(big.text) == len(huge_text) and small.id == "11"
    (bad,) = quarantined(items)
    assert bad.line == 2 and bad.raw == garbage and bad.reason.startswith("invalid JSON")


def test_a_parser_bug_is_quarantined_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    twarc2 = FORMATS["twarc2"]

    def broken(obj: dict) -> object:
        if obj.get("id") == "10":
            raise TypeError("boom")
        return twarc2.parse(obj)

    monkeypatch.setitem(FORMATS, "twarc2", detect.Format("twarc2", twarc2.looks, broken, ""))
    items = list(read_records(write(tmp_path, line(TWEET) + line(TWEET | {"id": "11"}))))
    (bad,) = quarantined(items)
    assert bad.line == 1 and "TypeError: boom" in bad.reason and "bug in cordon" in bad.reason
    assert [p.id for p in posts(items)] == ["11"]


# -- shapes of input ---------------------------------------------------------------------


def test_gzip_is_read_transparently(tmp_path: Path, shared_data: Path) -> None:
    flat = shared_data / "twitter_v2_fixtures" / "flat.jsonl"
    zipped = tmp_path / "flat.jsonl.gz"
    zipped.write_bytes(gzip.compress(flat.read_bytes()))
    disguised = write(tmp_path, zipped.read_bytes(), "no-suffix.jsonl")
    plain = list(read_records(flat))
    assert list(read_records(zipped)) == plain
    assert list(read_records(disguised)) == plain
    assert len(posts(plain)) == 194


def test_truncated_gzip_keeps_what_came_before(tmp_path: Path) -> None:
    data = b"".join(line(TWEET | {"id": str(i)}) for i in range(2000))
    zipped = gzip.compress(data)
    path = write(tmp_path, zipped[: len(zipped) * 2 // 3], "cut.jsonl.gz")
    items = list(read_records(path))
    assert 0 < len(posts(items)) < 2000
    *good, last = items
    assert isinstance(last, Quarantined) and "break off" in last.reason
    assert last.line == len(posts(items)) + 1
    # Every line before the break comes through, except at most the one cut in half.
    assert not quarantined(good)
    assert [p.id for p in posts(items)] == [str(i) for i in range(len(posts(items)))]


def test_not_gzip_after_all(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_records(write(tmp_path, b"\x1f\x8bnot really gzip", "bad.gz"))


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"oops\n" + line(TWEET)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
    items = list(read_records("-"))
    assert [(q.source, q.line) for q in quarantined(items)] == [("<stdin>", 1)]
    assert [p.id for p in posts(items)] == ["10"]


def test_pretty_printed_array_document(tmp_path: Path, shared_data: Path) -> None:
    timeline = orjson.loads(
        (shared_data / "mastodon_fixtures" / "test_public_tl.jsonl").read_bytes().splitlines()[2]
    )["body"]
    timeline.append({"id": "1", "acct": ["bad"]})
    path = write(
        tmp_path, b"\n" + orjson.dumps(timeline, option=orjson.OPT_INDENT_2), "timeline.json"
    )
    items = list(read_records(path))
    assert len(posts(items)) == 8
    (bad,) = quarantined(items)
    assert (bad.line, bad.reason) == (2, "acct: expected text, got list")
    assert orjson.loads(bad.raw) == {"id": "1", "acct": ["bad"]}
    assert {i.line for i in quarantined(items)} == {2}


def test_pretty_printed_object_document(tmp_path: Path, shared_data: Path) -> None:
    page = orjson.loads((shared_data / "twitter_v2_fixtures" / "two_tweets.jsonl").read_bytes())
    path = write(tmp_path, orjson.dumps(page, option=orjson.OPT_INDENT_2), "page.json")
    items = list(read_records(path))
    assert not quarantined(items)
    assert [p.id for p in posts(items)] == [
        p.id
        for p in posts(list(read_records(shared_data / "twitter_v2_fixtures" / "two_tweets.jsonl")))
    ]


@pytest.mark.parametrize("via_stdin", [False, True])
def test_bad_first_line_then_jsonl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, via_stdin: bool
) -> None:
    data = b'{"id": "9", "text": \n' + b"".join(line(TWEET | {"id": str(i)}) for i in range(5))
    if via_stdin:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
        items = list(read_records("-"))
    else:
        items = list(read_records(write(tmp_path, data)))
    assert [(q.line, q.reason.split(":")[0]) for q in quarantined(items)] == [(1, "invalid JSON")]
    assert [p.id for p in posts(items)] == ["0", "1", "2", "3", "4"]


def test_too_big_for_a_whole_document_reads_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "WHOLE_DOCUMENT_LIMIT", 100)
    data = b"[\n" + b"".join(line(TWEET | {"id": str(i)}) for i in range(5))
    items = list(read_records(write(tmp_path, data)))
    assert [q.line for q in quarantined(items)] == [1]
    assert len(posts(items)) == 5


def test_a_line_holding_an_array_stands_for_its_elements(tmp_path: Path) -> None:
    data = line([TWEET, {"id": None, "text": "x", "author_id": "1"}, TWEET | {"id": "11"}]) + line(
        TWEET | {"id": "12"}
    )
    items = list(read_records(write(tmp_path, data)))
    assert [p.id for p in posts(items)] == ["10", "11", "12"]
    (bad,) = quarantined(items)
    assert (bad.line, bad.reason) == (1, "id: missing id")


def test_bom_and_crlf(tmp_path: Path) -> None:
    data = (
        b"\xef\xbb\xbf"
        + line(TWEET).replace(b"\n", b"\r\n")
        + line(TWEET | {"id": "11"}).replace(b"\n", b"\r\n")
    )
    items = list(read_records(write(tmp_path, data)))
    assert [p.id for p in posts(items)] == ["10", "11"]
    assert [type(i) for i in items] == [Account, Post, Account, Post]


def test_interactions_come_through_the_reader(shared_data: Path) -> None:
    items = list(read_records(shared_data / "twitter_v2_fixtures" / "flat.jsonl"))
    assert not quarantined(items)
    assert (
        len(
            {
                (i.kind, i.source_id, i.target_id, i.post_id)
                for i in items
                if isinstance(i, Interaction)
            }
        )
        == 247
    )
