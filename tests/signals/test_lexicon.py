from __future__ import annotations

import pytest

from cordon.domain import SubjectRef
from cordon.signals.text.lexicon import ExtremismLexicon, ThreatLexicon
from cordon.signals.text.normalize import fast_normalize, normalize

S = SubjectRef.post("t", "1")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("K\u200bI\u200cL\u200dL", "kill"),
        ("k i l l", "kill"),
        ("k.i.l.l", "kill"),
        ("w3 w1ll", "we will"),
        ("الدولــــة الإسلاميّة", "الدوله الاسلاميه"),
        ("Töten", "toten"),
        ("ｋｉｌｌ", "kill"),
        ("call 911", "call 911"),
    ],
)
def test_normalize_undoes_obfuscation(raw, expected):
    text, origin = normalize(raw)
    assert text == expected
    assert len(origin) == len(text) and origin == sorted(origin)


@pytest.mark.parametrize(
    "text",
    [
        "I will kill you",
        "We will slaughter the twitter employees, their staff in San Francisco are targets",
        "w3 w1ll k1ll th3m",
        "we will k i l l them",
        "i will\u200b kill you all",
        "اقتلوهم حيث ثقفتموهم",
        "Wir werden sie alle töten",
    ],
)
def test_threats_score_high(text):
    assert ThreatLexicon().score(text, S).value >= 0.5


@pytest.mark.parametrize(
    "text",
    [
        "ISIS claimed the attack that killed 12, police said",
        "We condemn the threats to kill journalists. #NotInMyName",
        "I love football",
        "this game is killing me",
    ],
)
def test_reporting_and_counter_speech_score_low(text):
    assert ThreatLexicon().score(text, S).value < 0.5


def test_support_scores_high_and_criticism_low():
    lexicon = ExtremismLexicon()
    assert lexicon.score("الدولة الإسلامية باقية وتتمدد #الخلافة", S).value >= 0.5
    assert lexicon.score("We renew our bay'ah to amir al-mu'minin, the khilafah is baqiyah", S).value >= 0.5
    assert lexicon.score("Analysis: Daesh propaganda and the caliphate's collapse", S).value < 0.5


def test_spans_point_at_the_original_characters():
    text = "pls\u200b k\u200bi\u200bl\u200bl them now"
    evidence = ThreatLexicon().score(text, S).evidence[0]
    span = next(s for s in evidence.spans if s.label == "call to kill")
    assert text[span.start : span.end].replace("\u200b", "") == "kill them"


def test_one_pass_matching_equals_python_re(shared_data):
    """The one-pass matcher reports exactly the patterns Python's re finds, one by one, on the
    real data sets and on a generated platform's posts (its prefilter may never drop a match)."""
    from cordon.scenario import ScenarioConfig, generate
    from cordon.signals.text.datasets import extremism_sets, threat_sets
    from cordon.signals.text.lexicon import _load

    texts = extremism_sets(shared_data).texts + threat_sets(shared_data).texts
    texts += [p.text for p in generate(ScenarioConfig(seed=5, accounts=2_000)).posts]
    texts += ["we will \ud800 kill them", "كkill them", "i will مرتد kill you", "x" * 100_000 + " kill them"]
    for category in ("threat", "extremism"):
        matcher = _load(category).matcher
        for text in texts:
            normalized = fast_normalize(text)
            expected = [i for i, r in enumerate(matcher.regexes) if r.search(normalized)]
            got = [i for i, _ in matcher.search(normalized)]
            assert got == expected, f"{category}: one pass found {got}, re found {expected}: {text[:80]!r}"
