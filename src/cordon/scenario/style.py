"""Each network writer's habits, and returners that keep them (issue 5).

A person who comes back under a new handle, name and bio still writes the way they did: the
same language, favourite hashtags and link hosts, the same opener or sign-off ("akhi, ...",
"... 🦁"), the same punctuation, at the same hours of the day, reposting the hubs they follow
and following many of the same accounts again. Without these the scenario's renamed returners
carried nothing but their hub set and creation time, and weights learned on them undervalued
writing style on real data (docs/benchmarks.md, "Returning accounts (issue 5)").

Everything here draws from its own stream (seeds.STYLE): the plan, the network's posts and the
follow graph are drawn exactly as before, then rewritten in place (``apply``, before the
network's posts are sorted and given ids; ``inherited_follows`` in graph.FollowSampler). So a
seed's world keeps its accounts, roles, times of suspension and return, and which posts each
account makes; what moves is the wording, hashtags and links of the supporters' and returners'
own posts, the hour of their posts, which hub a repost comes from, and the returners' extra
follows. Threats, releases, hubs' and crowd posts are left as they were.

Profiles are kept small and drawn from small shared pools, so two unrelated supporters often
share a habit; it is the combination that points at one person.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from cordon.scenario import seeds
from cordon.scenario import texts as t
from cordon.scenario.compose import Composer, assemble
from cordon.scenario.drafts import Draft, Timeline, repost, tags_of
from cordon.scenario.roles import Role

HOUR = 3_600
DAY = 86_400

# Habits, by the language a writer prefers. Emoji habits are shared by both.
OPENERS = {
    "en": ("akhi,", "brothers,", "o muwahhideen,", "wallahi", "subhanallah,", "ya ikhwa,"),
    "ar": ("يا إخوة،", "والله", "سبحان الله،", "أيها الموحدون،", "يا أخي،"),
}
SIGN_OFFS = {
    "en": (
        "baqiya insha'Allah",
        "fi amanillah",
        "allahu akbar",
        "wa salaam",
        "- the slave of allah",
    ),
    "ar": ("باقية بإذن الله", "والله المستعان", "في أمان الله", "الله أكبر", "حسبنا الله"),
}
EMOJI = ("🏴", "☝️", "🦁", "⚔️", "🌙", "🔥🔥", "✊", "💪", "🏴🏴🏴", "☝🏴")
# Transliteration habits: how a writer spells the words the templates share. Personal and
# stable (they outlive a new handle), and visible to char n-grams where emoji alone are few.
SPELLINGS = {
    "allah": ("allaah", "Allah swt", "ALLAH", "allah ta'ala"),
    "khilafah": ("khilafa", "khilaafah", "caliphate", "KHILAFAH"),
    "brothers": ("brothas", "ikhwa", "akhs", "brothers n sisters"),
    "akhi": ("akhee", "akh", "ya akhi"),
    "baqiya": ("baaqiya", "baqiyah", "BAQIYA"),
    "the": ("da", "teh"),
    "you": ("u", "ya"),
    "and": ("n", "&"),
}
_WORD = re.compile(r"[A-Za-z']+")
# Endings of the text the writer types before links and hashtags.
PUNCTUATION = ("", "", "!!", "!!!", "...", " .", "..", "!?", " !!")
# The kinds of network post a supporter writes itself; threats keep their wording (they are
# what escalation is tested on), releases and hub posts are the network's house style.
STYLED_KINDS = frozenset({"support", "share", "reply", "return"})
_FAMILY = {
    "support": t.SUPPORT,
    "share": t.SHARE_RELEASE,
    "reply": t.SUPPORTER_REPLY,
    "return": t.RETURN,
}
_PROPAGANDA_HOSTS = tuple(link.split("/", 1)[0] for link in t.LINKS["propaganda"])


@dataclass(frozen=True, slots=True)
class Style:
    """One writer's habits."""

    arabic: bool  # the language it prefers (it writes the other one now and then)
    hashtags: tuple[str, ...]  # favourites, from the network's pool
    hosts: tuple[int, ...]  # preferred propaganda link hosts (indexes into LINKS["propaganda"])
    opener: str  # "" or a word it starts with
    sign_off: str  # "" or a phrase or emoji it ends with
    punctuation: str  # how its own text ends
    tag_share: float  # how often it tags a post
    spelling: tuple[tuple[str, str], ...]  # its own spelling of some shared words
    hour: int  # centre of its active hours (UTC)
    span: int  # how many hours a day it is active

    def active(self, hour: int) -> bool:
        offset = (hour - self.hour + 12) % 24 - 12  # -12..11 hours from the centre
        return -(self.span // 2) <= offset < self.span - self.span // 2


def _fresh(rng: random.Random, arabic: bool) -> Style:
    lang = "ar" if arabic else "en"
    pool = t.HASHTAGS["extremist"]
    # Arabic writers favour Arabic tags and the other way round; both use the short Latin ones.
    weights = [3.0 if (not tag.isascii()) == arabic else 1.0 for tag in pool]
    tags: list[str] = []
    while len(tags) < rng.randint(1, 3):
        tag = rng.choices(pool, weights)[0]
        if tag not in tags:
            tags.append(tag)
    # Most sign off the same way every time: an emoji run, a phrase, or both.
    sign_off = ""
    roll = rng.random()
    if roll < 0.35:
        sign_off = "".join(rng.choices(EMOJI, k=rng.randint(1, 3)))
    elif roll < 0.55:
        sign_off = rng.choice(SIGN_OFFS[lang])
    elif roll < 0.75:
        sign_off = f"{rng.choice(SIGN_OFFS[lang])} {rng.choice(EMOJI)}"
    return Style(
        arabic=arabic,
        hashtags=tuple(tags),
        hosts=tuple(rng.sample(range(len(_PROPAGANDA_HOSTS)), rng.randint(1, 2))),
        opener=rng.choice(OPENERS[lang]) if rng.random() < 0.4 else "",
        sign_off=sign_off,
        punctuation=rng.choice(PUNCTUATION),
        tag_share=rng.uniform(0.3, 0.9),
        spelling=tuple(
            (word, rng.choice(variants))
            for word, variants in SPELLINGS.items()
            if rng.random() < 0.5
        ),
        # Most of the network lived around UTC+3 and posted in the evening; some abroad.
        hour=int(rng.gauss(17, 4)) % 24,
        span=rng.randint(6, 12),
    )


def _drift(parent: Style, rng: random.Random) -> Style:
    """The same person under a new name: most habits kept, a few changed or dropped."""
    fresh = _fresh(rng, parent.arabic if rng.random() < 0.9 else not parent.arabic)

    def keep(old, new, p: float = 0.8):
        return old if rng.random() < p else new

    tags = tuple(tag for tag in parent.hashtags if rng.random() < 0.8) or fresh.hashtags[:1]
    return Style(
        arabic=fresh.arabic,
        hashtags=tags,
        hosts=keep(parent.hosts, fresh.hosts),
        opener=keep(parent.opener, fresh.opener),
        sign_off=keep(parent.sign_off, fresh.sign_off),
        punctuation=keep(parent.punctuation, fresh.punctuation),
        tag_share=parent.tag_share,
        spelling=tuple(pair for pair in parent.spelling if rng.random() < 0.9) + tuple(
            pair for pair in fresh.spelling if rng.random() < 0.1
        ),
        hour=(parent.hour + round(rng.gauss(0, 1))) % 24,
        span=max(4, parent.span + rng.randint(-1, 1)),
    )


class Styles:
    """The style of every network writer, drawn on demand (an original before its returner)."""

    def __init__(self, plan) -> None:
        self.plan = plan
        self.of = lru_cache(maxsize=None)(self._of)

    def _of(self, index: int) -> Style:
        rng = seeds.python_rng(self.plan.config.seed, seeds.STYLE, 0, index)
        original = int(self.plan.original[index])
        if original >= 0:
            return _drift(self.of(original), rng)
        return _fresh(rng, bool(self.plan.arabic[index]))


def _writer(plan, index: int) -> bool:
    return int(plan.role[index]) in (Role.SUPPORTER, Role.RETURNING)


def apply(plan, drafts: list[Draft], broadcasts: Timeline, releases: Timeline) -> Styles:
    """Rewrite the supporters' and returners' network posts in their own style, in place."""
    rng = seeds.python_rng(plan.config.seed, seeds.STYLE, 1)
    styles = Styles(plan)
    compose = Composer(rng)
    release_urls = {u for d in releases.drafts for u in d.urls}
    hubs = plan.by_role[Role.HUB].tolist()
    officials = plan.by_role[Role.OFFICIAL].tolist()
    by_author: dict[int, list[Draft]] = {}
    for d in broadcasts.drafts:
        by_author.setdefault(d.author, []).append(d)
    timelines = {a: Timeline(ds) for a, ds in by_author.items()}
    for k, draft in enumerate(drafts):
        if not _writer(plan, draft.author):
            continue
        style = styles.of(draft.author)
        if draft.kind != "return" and draft.kind not in ("threat", "staff_threat"):
            draft.ts = _at_home(plan, draft, style, rng)
        if draft.repost_of is not None:
            drafts[k] = _followed_repost(plan, draft, rng, hubs, officials, timelines)
        elif draft.kind in STYLED_KINDS:
            _restyle(plan, draft, style, rng, compose, release_urls)
    return styles


def _at_home(plan, draft: Draft, style: Style, rng: random.Random) -> int:
    """Moved forward to the writer's active hours (so a reply stays after what it answers),
    unless that would pass its suspension or the window's end; 15% stay where they were."""
    ts = draft.ts
    if rng.random() < 0.15:
        return ts
    hi = plan.window(draft.author)[1]
    for step in range(24):
        moved = ts + step * HOUR
        if moved >= hi:
            return ts
        if style.active((moved // HOUR) % 24):
            return moved
    return ts


def _followed_repost(plan, draft: Draft, rng, hubs, officials, timelines) -> Draft:
    """Supporters repost the hubs and officials they follow (their hub mask), mostly."""
    i = draft.author
    hub_mask, official_mask = int(plan.graph.hub_mask[i]), int(plan.graph.official_mask[i])
    followed = [h for b, h in enumerate(hubs) if hub_mask >> b & 1]
    followed += [o for b, o in enumerate(officials) if official_mask >> b & 1]
    if draft.repost_of.author in followed or not followed or rng.random() < 0.2:
        return draft
    for _ in range(3):
        source = timelines.get(rng.choice(followed))
        target = source.recent(draft.ts, 3 * DAY, rng) if source is not None else None
        if target is not None:
            return repost(target, i, draft.ts, plan.identity(target.author).handle)
    return draft


def _restyle(plan, draft: Draft, style: Style, rng, compose: Composer, release_urls) -> None:
    tokens = draft.text.split(" ")
    n_prefix = 1 if draft.reply_to is not None else 0
    n_tags = len(draft.hashtags)
    n_suffix = len(draft.urls) + n_tags
    prefix = [h[1:] for h in tokens[:n_prefix]]
    body = " ".join(tokens[n_prefix : len(tokens) - n_suffix])
    lang = draft.lang
    # A returner drew its language anew in network.py; it writes in its original's.
    if plan.original[draft.author] >= 0:
        want = ("ar" if style.arabic else "en") if rng.random() < 0.8 else None
        if want is not None and want != lang:
            values = {"n": str(int(plan.generation[draft.author]) + 1)}
            body, lang = compose.render(_FAMILY[draft.kind], want, **values)
            if draft.obfuscated:
                body = compose.obfuscate(body, lang)
    if style.spelling and lang == "en":
        spelled = dict(style.spelling)
        body = _WORD.sub(lambda m: spelled.get(m.group(0).lower(), m.group(0)), body)
    if style.opener and rng.random() < 0.6:
        body = f"{style.opener} {body}"
    if style.punctuation and rng.random() < 0.7:
        body = body.rstrip(".!?") + style.punctuation
    urls = [
        u if u in release_urls or rng.random() < 0.3 else _rehost(u, style, rng)
        for u in draft.urls
    ]
    tags = [tok[1:] for tok in tokens[len(tokens) - n_tags :]] if n_tags else []
    if rng.random() < style.tag_share:
        tags = list(dict.fromkeys([rng.choice(style.hashtags), *tags[:1]]))
    text = assemble(body, prefix_mentions=prefix, urls=urls, hashtags=tags)
    if style.sign_off and rng.random() < 0.8:
        text = f"{text} {style.sign_off}"
    draft.text, draft.lang, draft.urls, draft.hashtags = text, lang, tuple(urls), tags_of(tags)


def _rehost(url: str, style: Style, rng: random.Random) -> str:
    """The same link on one of the writer's usual hosts (its path keeps the random code)."""
    code = url.rsplit("/", 1)[-1].lstrip("?") or "x"
    template = t.LINKS["propaganda"][rng.choice(style.hosts)]
    return "https://" + template.format(code=code)


def inherited_follows(original_follows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The share of its original's other follows a returner follows again: 10-50%."""
    if not len(original_follows):
        return original_follows
    share = rng.uniform(0.1, 0.5)
    return original_follows[rng.random(len(original_follows)) < share]
