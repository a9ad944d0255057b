"""Handles, display names, bios and locations for each role, and how a returner renames itself.

Ordinary handles always end in a number that is a bijection of the account's index, so they
are unique without a registry of a million names; every other role's vocabulary is disjoint
from the ordinary one, and plan.py checks those (few) handles against each other.
"""

from __future__ import annotations

import random
import re
from typing import NamedTuple

from cordon.scenario import texts as t


class Identity(NamedTuple):
    handle: str
    display_name: str
    bio: str
    location: str


# Ordinary handle numbers: index -> (index * A + B) mod 10**7, a bijection because A is coprime
# with 10**7. So two ordinary accounts never share a number, hence never a handle.
_ORDINARY_MODULUS = 10**7
_ORDINARY_A = 7_919_993
_ORDINARY_B = 1_234_567


class Draws:
    """Choices read off one big random integer: far cheaper than seeding a random.Random for
    each of a million ordinary accounts, and just as reproducible."""

    def __init__(self, value: int) -> None:
        self.value = value

    def below(self, n: int) -> int:
        self.value, k = divmod(self.value, n)
        return k

    def pick(self, items: tuple[str, ...]) -> str:
        return items[self.below(len(items))]

    def chance(self, p: float) -> bool:
        return self.below(1000) < p * 1000


def ordinary_identity(draws: Draws, index: int, arabic: bool) -> Identity:
    first = draws.pick(t.FIRST_NAMES)
    last = draws.pick(t.LAST_NAMES)
    shape = draws.below(20)
    if shape < 7:
        base = first
    elif shape < 12:
        base = f"{first}_{last}"
    elif shape < 16:
        base = f"{draws.pick(t.ORDINARY_WORDS)}{first}"
    else:
        base = f"{first}{last[:3]}"
    number = (index * _ORDINARY_A + _ORDINARY_B) % _ORDINARY_MODULUS
    handle = f"{base[:10]}{'_' if draws.below(2) else ''}{number}"
    style = draws.below(10)
    if arabic and style < 4:
        name = draws.pick(t.ARABIC_NAMES)
    elif style < 7:
        name = f"{first.title()} {last.title()}"
    else:
        name = first.title() if style < 9 else f"{first.title()} {last[0].upper()}"
    bio = draws.pick(t.ORDINARY_BIOS)
    if "{" in bio:
        bio = bio.format(home_city=draws.pick(t.SLOTS["home_city"]))
    return Identity(handle, name, bio, draws.pick(t.LOCATIONS))


def official_identity(position: int) -> Identity:
    handle, name, name_ar = t.OFFICIALS[position % len(t.OFFICIALS)]
    if position >= len(t.OFFICIALS):
        handle = f"{handle}_{position // len(t.OFFICIALS) + 1}"
    bio = t.OFFICIAL_BIO[position % len(t.OFFICIAL_BIO)]
    return Identity(handle, f"{name} | {name_ar}", bio, "")


def hub_identity(rng: random.Random) -> Identity:
    word = rng.choice(t.HUB_WORDS)
    handle = f"{word}_{rng.choice(t.HUB_SUFFIXES)}"
    name = rng.choice(
        (
            f"{word.title()} News",
            f"{word.title()} Distribution",
            f"Nashir {word.title()}",
            "ناشر الأخبار",
            f"{word.title()} Media",
        )
    )
    return Identity(handle, name, rng.choice(t.HUB_BIOS), rng.choice(t.SUPPORTER_LOCATIONS))


def supporter_identity(rng: random.Random) -> Identity:
    female = rng.random() < 0.12
    name = rng.choice(t.KUNYA_NAMES_F if female else t.KUNYA_NAMES)
    nisba = rng.choice(t.NISBA)
    kunya = "umm" if female else "abu"
    shape = rng.random()
    if shape < 0.35:
        handle = f"{kunya}_{name}"
    elif shape < 0.55:
        handle = f"{kunya}{name}_{nisba}"
    elif shape < 0.7:
        handle = f"{name}_al{nisba}"
    elif shape < 0.8:
        handle = f"{kunya}_{name}_{nisba}"
    elif shape < 0.9:
        handle = f"ibn_{name}" if not female else f"bint_{name}"
    else:
        handle = f"{rng.choice(('muhajir', 'ghareeb', 'muwahhid', 'ansari'))}_{name}"
    if rng.random() < 0.4:
        display = f"{t.KUNYA_AR.get(name, name)} {t.NISBA_AR[nisba]}"
        display = ("أم " if female else "أبو ") + display
    else:
        display = f"{kunya.title()} {name.title()} al-{nisba.title()}"
    bio = _fill(rng.choice(t.SUPPORTER_BIOS), rng, n=str(rng.randint(2, 9)))
    return Identity(handle, display, bio, rng.choice(t.SUPPORTER_LOCATIONS))


def journalist_identity(rng: random.Random) -> Identity:
    first, last = rng.choice(t.FIRST_NAMES), rng.choice(t.LAST_NAMES)
    handle = rng.choice(
        (
            f"{first}{last}",
            f"{first}_{last}",
            f"{first[0]}{last}_{rng.choice(t.JOURNALIST_SUFFIXES)}",
            f"{first}{last}{rng.choice(t.JOURNALIST_SUFFIXES)}",
        )
    )
    bio = _fill(rng.choice(t.JOURNALIST_BIOS), rng)
    return Identity(handle, f"{first.title()} {last.title()}", bio, rng.choice(t.LOCATIONS))


def researcher_identity(rng: random.Random) -> Identity:
    first, last = rng.choice(t.FIRST_NAMES), rng.choice(t.LAST_NAMES)
    handle = rng.choice(
        (f"dr_{last}", f"{first}{last}_phd", f"{last}_research", f"{first[0]}_{last}_ctr")
    )
    name = rng.choice((f"Dr. {first.title()} {last.title()}", f"{first.title()} {last.title()}"))
    return Identity(handle, name, rng.choice(t.RESEARCHER_BIOS), rng.choice(t.LOCATIONS))


def counter_identity(rng: random.Random) -> Identity:
    base = rng.choice(t.COUNTER_HANDLES)
    handle = rng.choice(
        (base, f"{base}_{rng.choice(t.FIRST_NAMES)}", f"{rng.choice(t.FIRST_NAMES)}_{base}")
    )
    name = base.replace("_", " ").title()
    return Identity(handle, name, rng.choice(t.COUNTER_BIOS), rng.choice(t.LOCATIONS))


def brigade_identity(rng: random.Random) -> Identity:
    word = rng.choice(t.BRIGADE_WORDS)
    # The default-handle look of accounts made in bulk: a word and eight digits.
    handle = f"{word}{rng.randrange(10**7, 10**8)}"
    name = rng.choice(
        (word.title(), f"{word.title()} {rng.choice(t.LAST_NAMES).title()}", "American Patriot")
    )
    return Identity(handle, name, rng.choice(t.BRIGADE_BIOS), "")


_TRAILING = re.compile(r"[_\d]+$")


def returning_identity(
    rng: random.Random, original: Identity, number: int, renamed: bool
) -> Identity:
    """A returner's identity: the suspended original's with the numbering habits of 2015
    (abu_muthanna -> abu_muthanna2, abumuthanna_3), or, when `renamed`, a fresh one."""
    if renamed:
        return supporter_identity(rng)
    base = _TRAILING.sub("", original.handle) or original.handle
    shape = rng.random()
    if shape < 0.35:
        handle = f"{base}{number}"
    elif shape < 0.55:
        handle = f"{base}_{number}"
    elif shape < 0.7:
        handle = f"{base.replace('_', '')}_{number}"
    elif shape < 0.8:
        handle = f"{base}{number}{number}"
    elif shape < 0.9:
        handle = f"{base}_{rng.choice(('back', 'new', 'again', 'ii'))}"
    else:
        handle = f"{base[:-1]}{base[-1] * 2}{number}"
    display = original.display_name
    if rng.random() < 0.4:
        display = rng.choice((f"{display} {number}", f"{display} ({number})", f"{display} - back"))
    bio = original.bio
    if rng.random() < 0.5:
        bio = rng.choice(
            (
                f"account {number}",
                f"{bio} | account {number}".strip(" |"),
                f"suspended {number - 1} times",
                f"{bio} باقية".strip(),
            )
        )
    return Identity(handle, display, bio, original.location)


def variant(handle: str, attempt: int) -> str:
    """A different handle of the same look, for when the first choice is taken."""
    return f"{handle}{attempt + 1}" if not handle[-1].isdigit() else f"{handle}_{attempt + 1}"


def _fill(text: str, rng: random.Random, **values: str) -> str:
    if "{" not in text:
        return text
    values.setdefault("outlet", rng.choice(t.SLOTS["outlet"]))
    values.setdefault("outlet_ar", rng.choice(t.OUTLETS_AR))
    values.setdefault("home_city", rng.choice(t.SLOTS["home_city"]))
    values.setdefault("front", rng.choice(t.SLOTS["front"]))
    values.setdefault("n", str(rng.randint(2, 9)))
    return text.format(**values)
