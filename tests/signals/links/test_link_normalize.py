"""URL normalisation: one link written many ways is one string; hostile URLs are read as a
browser reads them; anything that is not a web URL is a clear ValueError."""

from __future__ import annotations

import pytest

from cordon.signals.links import host_of, normalize_host, normalize_url

SAME = {
    "justpaste.it/AbC": [
        "https://justpaste.it/AbC",
        "http://justpaste.it/AbC/",
        "HTTPS://WWW.JUSTPASTE.IT/AbC",
        "justpaste.it/AbC",
        "//justpaste.it/AbC",
        "https://justpaste.it:443/AbC#section-2",
        "http://justpaste.it:80/AbC?utm_source=twitter&utm_medium=social&fbclid=IwAR0x",
        "https://justpaste.it./AbC",
        "  https://justpaste.it/AbC\n",
        "https://just\tpaste.it/AbC",
        "hxxps://justpaste[.]it/AbC",
        "https://user:secret@justpaste.it/AbC",
        "https://justpaste.it/x/../AbC",
        "https://justpaste.it/./AbC",
        "https://justpaste.it/%41bC",
        "https://ｊｕｓｔｐａｓｔｅ。ｉｔ/AbC",
    ],
    "archive.org/details/dabiq?a=1&b=2": [
        "https://archive.org/details/dabiq?b=2&a=1",
        "https://archive.org/details/dabiq?b=2&gclid=x&a=1&igshid=y&si=z&ref_src=twsrc",
        "https://www.archive.org/details/dabiq/?a=1&b=2#page/n3",
    ],
    "t.me/nashir_news": [
        "https://t.me/Nashir_News",
        "https://telegram.me/nashir_news",
        "https://t.me/s/Nashir_News",
        "tg://resolve?domain=Nashir_News",
        "telegram.dog/nashir_news/",
    ],
    "t.me/+AbCdEf": ["https://t.me/joinchat/AbCdEf", "https://t.me/+AbCdEf", "tg://join?invite=AbCdEf"],
    "twitter.com/amaq_agency/status/1": [
        "https://twitter.com/Amaq_Agency/status/1?s=20&t=abc",
        "https://x.com/amaq_agency/status/1",
        "https://mobile.twitter.com/Amaq_Agency/status/1",
        "https://twitter.com/#!/Amaq_Agency/status/1",
    ],
    "youtube.com/watch?v=dQw4w9WgXcQ": [
        "https://youtu.be/dQw4w9WgXcQ?si=share123",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&feature=share",
        "https://m.youtube.com/watch?v=dQw4w9WgXcQ",
    ],
}


@pytest.mark.parametrize("expected,variants", SAME.items())
def test_variants_normalise_to_one_form(expected, variants):
    for url in variants:
        assert normalize_url(url) == expected, url


def test_meaningful_parts_are_kept():
    assert normalize_url("https://justpaste.it/AbC") != normalize_url("https://justpaste.it/abc")
    assert normalize_url("https://example.com/watch?v=1") != normalize_url("https://example.com/watch?v=2")
    # 's' and 't' are share markers on Twitter only; elsewhere they may be the content.
    assert normalize_url("https://example.com/search?s=isis") == "example.com/search?s=isis"
    assert normalize_url("http://example.com:8080/a") == "example.com:8080/a"
    assert normalize_url("https://www.com/") == "www.com"  # 'www.' goes only before a real domain
    assert normalize_url("https://a.example/p?x=") == normalize_url("https://a.example/p?x")


def test_percent_encoding_is_canonical():
    assert normalize_url("https://a.example/%7euser/%e2%82%ac") == "a.example/~user/%E2%82%AC"
    assert normalize_url("https://a.example/€") == "a.example/%E2%82%AC"
    # An encoded slash is data, not a separator, and stays encoded.
    assert normalize_url("https://a.example/a%2Fb") == "a.example/a%2Fb"
    assert normalize_url("https://a.example/p?q=a+b") == normalize_url("https://a.example/p?q=a%20b")
    assert normalize_url("https://a.example/p?q=%26x") == "a.example/p?q=%26x"  # '&' inside a value
    assert normalize_url("https://a.example/%FF") == "a.example/%FF"  # not UTF-8: kept as bytes


def test_international_hosts_are_punycode():
    assert normalize_url("https://Bücher.example/x") == "xn--bcher-kva.example/x"
    assert normalize_url("https://xn--bcher-kva.example/x") == "xn--bcher-kva.example/x"
    assert normalize_url("http://موقع.example/") == normalize_url("http://" + "موقع".encode("idna").decode() + ".example")
    assert normalize_host("Bücher.example") == "xn--bcher-kva.example"


def test_hostile_urls_are_read_as_a_browser_reads_them():
    # The '@' trick: the host is what follows the user info.
    assert host_of(normalize_url("https://justpaste.it@evil.example/x")) == "evil.example"
    # Browsers read '\' as '/': this is a link to evil.example, not to justpaste.it.
    assert host_of(normalize_url("https://evil.example\\@justpaste.it/x")) == "evil.example"
    assert host_of(normalize_url("https://%65vil.example/")) == "evil.example"
    assert host_of(normalize_url("http://[::FFFF:1.2.3.4]:8080/x")) == "[::ffff:102:304]"
    assert host_of(normalize_url("http://1.2.3.4/x")) == "1.2.3.4"


@pytest.mark.parametrize("bad", [
    "", "   ", "mailto:someone@example.com", "javascript:alert(1)", "data:text/html,hi",
    "ftp://files.example/x", "http://", "https://exa mple.com/", "http://a..b/",
    "http://example.com:99999/", "http://[zz]/", "http://" + "a" * 64 + ".com/",
    "https://example.com/" + "a" * 9000, "tg://msg?text=x", "http://evil.example%2F.justpaste.it/",
    "http://\u0000/", "https://exa\u200bmple.com\ufffd/",
])
def test_malformed_urls_raise_value_error(bad):
    with pytest.raises(ValueError):
        normalize_url(bad)


def test_a_batch_survives_bad_urls():
    urls = ["https://justpaste.it/a", "javascript:void(0)", None, 42, "http://[", "t.me/x"]
    out = []
    for url in urls:
        try:
            out.append(normalize_url(url))
        except ValueError:
            out.append(None)
    assert out == ["justpaste.it/a", None, None, None, None, "t.me/x"]


def test_hosts():
    for text in ("JustPaste.it", "www.justpaste.it", "*.justpaste.it", ".justpaste.it", "https://justpaste.it/"):
        assert normalize_host(text) == "justpaste.it"
    for bad in ("justpaste.it/x", "justpaste.it:8080", "justpaste.it?x=1", "", "*."):
        with pytest.raises(ValueError):
            normalize_host(bad)
    assert host_of("justpaste.it:8080/x?y=1") == "justpaste.it"
