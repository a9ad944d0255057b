"""Rendering the templates of texts.py into post texts, links, hashtags and media hashes.

Obfuscation is the evasion a minority of real posts used against keyword filters: zero-width
characters inside words, tatweel (Arabic letter stretching) and leetspeak.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Sequence

from cordon.scenario import texts as t

_SLOT = re.compile(r"\{(\w+)\}")
_ALNUM = string.ascii_letters + string.digits
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d")
TATWEEL = "\u0640"
_LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"})
# Arabic letters that join to the next one: tatweel may follow these only.
_NON_JOINING = set("اأإآدذرزوؤةىء")


class Composer:
    """Draws texts from one random.Random, so a seeded composer always says the same."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def render(
        self, family: tuple[tuple[str, str], ...], lang: str | None = None, **values: str
    ) -> tuple[str, str]:
        """A filled template from `family`, preferring `lang` ("en"/"ar") when it has one."""
        rng = self.rng
        if lang is not None:
            options = [item for item in family if item[0] == lang] or list(family)
        else:
            options = family
        chosen_lang, template = options[int(rng.random() * len(options))]

        def fill(match: re.Match[str]) -> str:
            slot = match.group(1)
            if slot in values:
                return values[slot]
            pool = t.SLOTS.get(slot) or t.SLOTS_AR.get(slot)
            if pool is None:
                raise KeyError(f"template slot {slot!r} has no filler")
            return pool[int(rng.random() * len(pool))]

        text = _SLOT.sub(fill, template)
        return text, chosen_lang

    def pick(self, items: tuple[str, ...] | list[str]) -> str:
        return items[int(self.rng.random() * len(items))]

    def hashtags(self, kind: str, most: int = 2) -> list[str]:
        pool = t.HASHTAGS[kind]
        k = 1 + int(self.rng.random() * most)
        return sorted(set(self.rng.sample(pool, min(k, len(pool)))), key=pool.index)

    def link(self, kind: str) -> str:
        rng = self.rng
        template = self.pick(t.LINKS[kind])
        code = "".join(rng.choices(_ALNUM, k=rng.randint(6, 11)))
        return "https://" + template.format(
            code=code, num=rng.randint(10_000_000, 99_999_999), day=f"{rng.randint(1, 30):02d}"
        )

    def media_hash(self) -> str:
        """A 256-bit perceptual-style hash (PDQ's size), as 64 hex digits."""
        return f"{self.rng.getrandbits(256):064x}"

    def near_duplicate(self, media_hash: str, bits: int) -> str:
        return flip_bits(media_hash, self.rng, bits)

    def obfuscate(self, text: str, lang: str) -> str:
        """Break keyword matching the way evaders did, keeping the text readable."""
        rng = self.rng
        words = text.split(" ")
        candidates = [i for i, w in enumerate(words) if len(w) >= 4]
        if not candidates:
            return text
        chosen = rng.sample(candidates, min(len(candidates), rng.randint(1, 3)))
        method = rng.random()
        for i in chosen:
            word = words[i]
            if lang == "ar" and method < 0.6:
                words[i] = _tatweel(word, rng)
            elif lang != "ar" and method < 0.4:
                words[i] = word.translate(_LEET)
            else:
                cut = rng.randint(1, len(word) - 1)
                words[i] = word[:cut] + rng.choice(ZERO_WIDTH) + word[cut:]
        return " ".join(words)


def flip_bits(media_hash: str, rng: random.Random, bits: int) -> str:
    """`media_hash` with `bits` bits flipped: a re-encoded copy of the same picture, as a
    perceptual hash sees it (a small Hamming distance)."""
    value = int(media_hash, 16)
    for position in rng.sample(range(256), bits):
        value ^= 1 << position
    return f"{value:064x}"


def _tatweel(word: str, rng: random.Random) -> str:
    spots = [
        i
        for i in range(len(word) - 1)
        if "\u0620" <= word[i] <= "\u064a"
        and word[i] not in _NON_JOINING
        and "\u0620" <= word[i + 1] <= "\u064a"
    ]
    if not spots:
        return word
    i = rng.choice(spots)
    return word[: i + 1] + TATWEEL * rng.randint(1, 3) + word[i + 1 :]


def assemble(
    body: str,
    *,
    prefix_mentions: Sequence[str] = (),
    mentions: Sequence[str] = (),
    urls: Sequence[str] = (),
    hashtags: Sequence[str] = (),
) -> str:
    """The text a user types: @replies first, then the body, links, trailing @mentions, #tags."""
    parts = [f"@{h}" for h in prefix_mentions]
    parts.append(body)
    parts.extend(urls)
    parts.extend(f"@{h}" for h in mentions)
    parts.extend(f"#{tag}" for tag in hashtags)
    return " ".join(parts)
