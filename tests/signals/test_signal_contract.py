"""Every signal goes through the same checks."""

from __future__ import annotations

import pytest

from cordon.domain import SubjectKind, SubjectRef
from cordon.signals.base import Signal, TextSignal
from cordon.signals.text.classifier import ExtremismModel, RerankedThreatModel, ThreatModel
from cordon.signals.text.lexicon import ExtremismLexicon, ThreatLexicon

TEXT_SIGNALS = [ThreatLexicon, ExtremismLexicon, ThreatModel, ExtremismModel, RerankedThreatModel]
SUBJECT = SubjectRef.post("twitter", "1")
SAMPLES = [
    "", " ", "I love football and coffee",
    "We will slaughter their employees, the staff are targets",
    "الدولة الإسلامية باقية وتتمدد #الخلافة",
    "Wir werden sie töten",
    "Amaq: soldiers of the caliphate carried out the attack #Dawla",
    "\u200b\u200d\u0640" * 50,
    "💣💣 k i l l them all 🔪",
    "a" * 1_000_000,
    "\ud800 broken surrogate",
]


def test_names_are_stable_and_unique():
    names = [s.name for s in TEXT_SIGNALS]
    assert len(set(names)) == len(names)
    assert all(isinstance(n, str) and n == n.lower() and "." in n for n in names)


@pytest.mark.parametrize("signal_class", TEXT_SIGNALS)
def test_contract(signal_class):
    signal = signal_class()
    assert isinstance(signal, Signal) and isinstance(signal, TextSignal)
    assert signal.applies_to is SubjectKind.POST
    assert signal.account_aggregate in ("top", "mean")
    fired = 0
    for text in SAMPLES:
        score = signal.score(text, SUBJECT)
        assert 0.0 <= score.value <= 1.0
        if score.value == 0.0 or score.value < signal.evidence_floor:
            continue  # below its evidence floor a signal may skip the (costly) evidence
        fired += 1
        assert score.evidence, "a positive score must carry evidence"
        for evidence in score.evidence:
            assert evidence.signal == signal.name
            assert evidence.subject == SUBJECT
            assert evidence.spans
            for span in evidence.spans:
                assert 0 <= span.start < span.end <= len(text) and span.label
            assert isinstance(signal.explain(evidence), str) and signal.explain(evidence)
    assert fired, f"{signal.name} fired on none of the samples"
    assert signal.score_many([(t, SUBJECT) for t in SAMPLES[:4]]) == [signal.score(t, SUBJECT) for t in SAMPLES[:4]]
