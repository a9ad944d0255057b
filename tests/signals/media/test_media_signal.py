"""Matching hashes against lists: the known-media signal and its evidence."""

from __future__ import annotations

from cordon.domain import SubjectKind, SubjectRef
from cordon.domain.lists import ListEntry
from cordon.signals.base import Signal
from cordon.signals.media.signal import HashMatcher, MediaMatchSignal, hash_kind

PDQ = "f" * 64
MD5 = "d35c785545392755e7e4164457657269"
S = SubjectRef.post("t", "1")


def flip(hex_hash: str, bits: int) -> str:
    value = int(hex_hash, 16)
    for position in range(bits):
        value ^= 1 << (position * 5)
    return f"{value:064x}"


def matcher() -> HashMatcher:
    return HashMatcher([("gifct", ListEntry("pdq", PDQ, "release")), ("local", ListEntry("md5", MD5, "video")),
                        ("local", ListEntry("pdq", flip(PDQ, 20), ""))])


def test_hash_kind():
    assert hash_kind(PDQ) == "pdq" and hash_kind(MD5.upper()) == "md5"
    assert hash_kind("xyz") is None and hash_kind("ab" * 20) is None


def test_matches_within_31_bits_and_exact_md5_only():
    found = matcher().match([flip(PDQ, 31), flip(PDQ, 32), MD5.upper(), "not a hash", flip(MD5, 1)[-32:]])
    assert [(m.list_name, m.distance) for m in found[0]] == [("local", 11), ("gifct", 31)]
    assert [(m.list_name, m.distance) for m in found[1]] == [("local", 12)]
    assert [(m.list_name, m.entry.label) for m in found[2]] == [("local", "video")]
    assert found[3] == [] and found[4] == []


def test_signal_contract_evidence_and_explanation():
    signal = MediaMatchSignal(matcher())
    assert isinstance(signal, Signal) and signal.applies_to is SubjectKind.POST and signal.name == "media.hash"
    score = signal.score([flip(PDQ, 31)], S)
    assert 0.95 <= score.value <= 1.0
    nearest = score.evidence[0]
    assert nearest.subject == S and nearest.detail["distance"] == 11 and nearest.detail["matched"] == flip(PDQ, 20)
    assert "11 of 256 bits" in signal.explain(nearest)
    assert signal.score([], S).value == 0.0 and signal.score([flip(PDQ, 60)], S).evidence == ()
    many = signal.match_many([([PDQ], S), ([], S), ([MD5], SubjectRef.post("t", "2"))])
    assert len(many[0]) == 2 and many[1] == () and many[2][0].score == 1.0


def test_empty_lists_match_nothing():
    signal = MediaMatchSignal([])
    assert signal.score([PDQ], S).value == 0.0
