"""Undo the obfuscation people use to slip past filters, keeping a map back to the original
characters so evidence spans point at what the author really wrote."""

from __future__ import annotations

import re
import unicodedata

# Zero-width and bidi controls: the real pro-ISIS data is full of them.
_INVISIBLE = {
    "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff", "\u00ad",
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
}
_TATWEEL = "\u0640"
# Only inside words: '1' or '0' standing alone are numbers, not letters.
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
# Arabic letter variants that people (and keyboards) use interchangeably.
_ARABIC_FOLD = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"}


def normalize(text: str) -> tuple[str, list[int]]:
    """Lower-case, NFKC, no invisibles, no diacritics or tatweel, folded Arabic letters and
    leetspeak inside words. Returns the normalised text and, for each of its characters, the
    index of the original character it came from."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if ch in _INVISIBLE or ch == _TATWEEL:
            continue
        for piece in unicodedata.normalize("NFKD", ch):
            if unicodedata.combining(piece):
                continue  # diacritics: Latin accents and Arabic harakat alike
            piece = unicodedata.normalize("NFKC", piece).lower()
            for c in piece:
                out.append(_ARABIC_FOLD.get(c, c))
                origin.append(i)
    _unleet(out)
    return _unspace("".join(out), origin)


# Three or more single letters split by one separator: "k i l l", "k.i.l.l", "k-i-l-l".
_SPACED = re.compile(r"(?<!\w)(?:[^\W\d_][ .\-_*]){2,}[^\W\d_](?!\w)")


def _unspace(text: str, origin: list[int]) -> tuple[str, list[int]]:
    if not _SPACED.search(text):
        return text, origin
    keep = [True] * len(text)
    for m in _SPACED.finditer(text):
        for j in range(m.start() + 1, m.end(), 2):
            keep[j] = False
    return (
        "".join(c for c, k in zip(text, keep) if k),
        [o for o, k in zip(origin, keep) if k],
    )


def _unleet(chars: list[str]) -> None:
    for j, c in enumerate(chars):
        if c in _LEET:
            before = chars[j - 1] if j > 0 else " "
            after = chars[j + 1] if j + 1 < len(chars) else " "
            if before.isalpha() or after.isalpha():
                chars[j] = _LEET[c]
