"""Text to features for the linear text models: normalise, blank out format cues, hash word
unigrams and bigrams (scikit-learn's HashingVectorizer).

Format cues are blanked, not replaced: retweet prefixes, @mentions, links and numbers. The
pro-ISIS tweets (2015-16) and the same-topic controls (2018-19) differ in all of them for
reasons that have nothing to do with extremism (the controls have almost no retweets, fewer
mentions and links, other years), and a model that learns them flags every ordinary user who
retweets. Blanking keeps the text's length, so evidence offsets still map back.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32

from cordon.signals.text.normalize import fast_normalize, normalize

N_FEATURES = 2**20
# Words of two or more characters: the vectorizer's default, spelled out because evidence
# finds the same tokens again with it.
TOKEN = re.compile(r"(?u)\b\w\w+\b")
_CUES = re.compile(r"^rt @\w+:?|\brt @\w+:|https?://\S+|www\.\S+|@\w+|\d+")


def _blank(match: re.Match[str]) -> str:
    return " " * (match.end() - match.start())


def prepare(text: str) -> str:
    """The text the model sees: normalised, with format cues blanked."""
    return _CUES.sub(_blank, fast_normalize(text))


class Featurizer:
    """The same texts give the same matrix in training and in production. Its only state is
    the last batch's matrix (see transform)."""

    def __init__(self, n_features: int = N_FEATURES) -> None:
        self.n_features = n_features
        self._last: tuple[tuple[str, ...], sparse.csr_matrix] | None = None
        self._vectorizer = HashingVectorizer(
            n_features=n_features, ngram_range=(1, 2), lowercase=False, alternate_sign=False,
            binary=True, norm="l2", token_pattern=TOKEN.pattern, dtype=np.float32,
        )

    def transform(self, texts: Iterable[str]) -> sparse.csr_matrix:
        """The feature matrix. The threat and extremism models score the same batch one after
        the other; the last batch's matrix is kept so the second model reuses it (featurising
        is nine tenths of scoring)."""
        key = tuple(texts)
        last = self._last
        if last is not None and last[0] == key:
            return last[1]
        matrix = self._vectorizer.transform([prepare(t) for t in key])
        self._last = (key, matrix)
        return matrix

    def columns(self, features: Sequence[str]) -> np.ndarray:
        """The column of each feature string ("kill", "will kill"), exactly as the vectorizer
        hashes it: murmurhash3 of the UTF-8 bytes, seed 0, |h| mod n (a test holds them
        equal). Called directly, not through a one-feature vectorizer, which costs 0.25 ms."""
        n = self.n_features
        out = np.empty(len(features), dtype=np.int64)
        for i, feature in enumerate(features):
            h = murmurhash3_32(feature, seed=0)
            out[i] = (2147483647 - (n - 1)) % n if h == -2147483648 else abs(h) % n
        return out


@cache
def shared_featurizer(n_features: int = N_FEATURES) -> Featurizer:
    """One featurizer per size, shared by every model of that size, so the threat and
    extremism models featurise a batch once between them."""
    return Featurizer(n_features)


@dataclass(frozen=True, slots=True)
class TokenSpan:
    """A model feature found in a text: the feature string and its span in the original."""

    feature: str
    start: int
    end: int


def token_spans(text: str) -> list[TokenSpan]:
    """Every unigram and bigram feature of the text, with its span in the original text."""
    normalized, origin = normalize(text)
    masked = _CUES.sub(_blank, normalized)
    tokens = [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(masked)]
    spans = [TokenSpan(t, origin[s], origin[e - 1] + 1) for t, s, e in tokens]
    for (a, s, _), (b, _, e) in itertools.pairwise(tokens):
        spans.append(TokenSpan(f"{a} {b}", origin[s], origin[e - 1] + 1))
    return spans
