"""Link lists: reading them, matching URLs exactly, by prefix and by host, and the signal."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from cordon.domain import ListEntry, SubjectKind, SubjectRef
from cordon.ingest.records import Quarantined
from cordon.signals.base import Signal
from cordon.signals.links import LinkMatcher, LinkSignal, read_link_list

POST = SubjectRef.post("twitter", "1")


def entries(tmp_path, text, name="links.txt", label="isis"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    items = list(read_link_list(path, label))
    return [i for i in items if isinstance(i, ListEntry)], [i for i in items if isinstance(i, Quarantined)]


def test_one_entry_per_line(tmp_path):
    good, bad = entries(tmp_path, (
        "# propaganda hosts and links\n"
        "\n"
        "justpaste.it\n"
        "https://t.me/Nashir_News\n"
        "https://archive.org/details/*\n"
        "hxxps://www.dump[.]to/abc  amaq video\n"
        "url https://example.org/post/1\n"
        "mailto:x@example.org\n"
        "com\n"
        "https://a..b/x\n"
    ))
    assert good == [
        ListEntry("host", "justpaste.it", "isis"),
        ListEntry("url", "t.me/nashir_news", "isis"),
        ListEntry("url_prefix", "archive.org/details/", "isis"),
        ListEntry("url", "dump.to/abc", "amaq video"),
        ListEntry("url", "example.org/post/1", "isis"),
    ]
    assert [(b.line, b.reason.split(":")[0]) for b in bad] == [
        (8, "not a web URL"), (9, "host 'com' would match a whole top-level domain"), (10, "bad host 'a..b'"),
    ]
    assert bad[0].raw == b"mailto:x@example.org" and bad[0].location.endswith("links.txt:8")


def test_csv_with_columns(tmp_path):
    good, bad = entries(tmp_path, (
        "url,label,type,added_at\n"
        "https://justpaste.it/AbC?utm_source=x,dabiq,,2015-06-01T00:00:00Z\n"
        "justpaste.it,,host,1433116800\n"
        "https://archive.org/details/rumiyah,rumiyah,url_prefix,\n"
        "https://x.example/,bad,md5,\n"
        "\"https://a.example/p?x=1,2\",\"label, with comma\",,\n"
        "https://b.example/,x,,not a date\n"
        "https://c.example/,x,,,extra\n"
    ), name="links.csv")
    june = datetime(2015, 6, 1, tzinfo=UTC)
    assert good == [
        ListEntry("url", "justpaste.it/AbC", "dabiq", june),
        ListEntry("host", "justpaste.it", "isis", june),
        ListEntry("url_prefix", "archive.org/details/rumiyah", "rumiyah"),
        ListEntry("url", "a.example/p?x=1,2", "label, with comma"),
    ]
    assert [b.line for b in bad] == [5, 7, 8]
    assert "md5 entry does not belong" in bad[0].reason and "not a time" in bad[1].reason
    assert "more than the header" in bad[2].reason


def test_hosts_match_themselves_and_subdomains_never_look_alikes():
    m = LinkMatcher([("hosts", ListEntry("host", "justpaste.it", "paste"))])
    for url in ("https://justpaste.it/x", "http://www.justpaste.it", "https://cdn.justpaste.it/a/b",
                "https://a.b.c.justpaste.it:8443/", "JUSTPASTE.IT/x"):
        assert [x.rule for x in m.match_one(url)] == ["host"], url
    for url in ("https://evil-justpaste.it.example.com/x", "https://notjustpaste.it/", "https://justpaste.it.evil.example/",
                "https://example.com/justpaste.it", "https://example.com/?u=justpaste.it", "https://justpaste.itx/",
                "https://justpaste.it@evil.example/", "https://evil.example\\@justpaste.it/"):
        assert m.match_one(url) == [], url


def test_exact_and_prefix_rules():
    m = LinkMatcher([
        ("urls", ListEntry("url", "t.me/nashir_news", "nashir")),
        ("urls", ListEntry("url_prefix", "archive.org/details/", "archive items")),
        ("urls", ListEntry("url_prefix", "dump.to/dabiq", "dabiq dumps")),
    ])
    assert [(x.rule, x.entry.label) for x in m.match_one("https://telegram.me/s/Nashir_News")] == [("url", "nashir")]
    assert m.match_one("https://t.me/nashir_news/123") == []  # exact means exact
    assert [x.rule for x in m.match_one("https://archive.org/details/dabiq_01")] == ["url_prefix"]
    assert [x.rule for x in m.match_one("https://archive.org/details")] == ["url_prefix"]  # the prefix itself
    assert m.match_one("https://archive.org/detailsfoo") == []
    assert m.match_one("https://web.archive.org/details/x") == []  # a prefix is on its own host
    assert [x.entry.label for x in m.match_one("dump.to/dabiq_issue_1")] == ["dabiq dumps"]
    assert m.match_one("dump.to/dab") == []


def test_several_lists_and_rules_all_report():
    m = LinkMatcher([
        ("a", ListEntry("host", "justpaste.it", "paste site")),
        ("b", ListEntry("url", "justpaste.it/abc", "amaq")),
        ("b", ListEntry("url_prefix", "justpaste.it/ab", "prefix")),
    ])
    found = m.match(["https://justpaste.it/abc", "not a url at all", "javascript:x"])
    assert sorted((x.list_name, x.rule) for x in found) == [("a", "host"), ("b", "url"), ("b", "url_prefix")]
    assert {x.url for x in found} == {"https://justpaste.it/abc"}
    assert m.match([]) == [] and LinkMatcher().match(["https://justpaste.it/"]) == []
    # Hash entries are not links: the matcher leaves them to the media index.
    assert len(LinkMatcher([ListEntry("pdq", "0" * 64)])) == 0


def test_matching_is_lookups_not_a_scan():
    many = [("big", ListEntry("host", f"site{i}.example", "")) for i in range(100_000)]
    many += [("big", ListEntry("url", f"paste.example/{i}", "")) for i in range(100_000)]
    m = LinkMatcher(many)
    urls = [f"https://sub.site{i}.example/x" for i in range(0, 100_000, 10)] * 2
    start = time.perf_counter()
    found = m.match(urls)
    elapsed = time.perf_counter() - start
    assert len(found) == len(urls)
    assert elapsed < 2.0, f"{len(urls)} URLs against 200k entries took {elapsed:.2f}s"


def test_the_signal():
    signal = LinkSignal(LinkMatcher([
        ("tcap-links", ListEntry("url", "justpaste.it/abc", "amaq", datetime(2015, 6, 1, tzinfo=UTC))),
        ("hosts", ListEntry("host", "justpaste.it", "paste site")),
    ]))
    assert isinstance(signal, Signal) and signal.name == "links.propaganda"
    assert signal.applies_to is SubjectKind.POST
    evidence = signal.match(["https://www.justpaste.it/abc?utm_source=tw", "https://justpaste.it/abc", "javascript:1"], POST)
    assert [e.detail["rule"] for e in evidence] == ["url", "host"]  # strongest first, no duplicates
    first = evidence[0]
    assert first.signal == "links.propaganda" and first.subject == POST and first.score == 1.0
    assert first.detail == {
        "url": "https://www.justpaste.it/abc?utm_source=tw", "normalised": "justpaste.it/abc",
        "list": "tcap-links", "label": "amaq", "rule": "url", "entry": "justpaste.it/abc",
        "added_at": "2015-06-01T00:00:00+00:00",
    }
    for e in evidence:
        text = signal.explain(e)
        assert "justpaste.it/abc" in text and e.detail["list"] in text
    assert signal.match([], POST) == () and signal.match(["https://example.org/"], POST) == ()
    score = signal.score(["https://cdn.justpaste.it/zzz"], POST)
    assert score.value == pytest.approx(0.6) and len(score.evidence) == 1
    assert signal.score(["https://example.org"], POST).value == 0.0
