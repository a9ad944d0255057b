"""Linking tasks for evaluating returning-account detection: from a synthetic scenario
(truth.returning_of), and from real per-account tweets (../shared/data) split in two, the
second half posing as a new account under a changed identity.

Real-data protocol. Each Fifth Tribe account with at least `min_tweets` tweets is split at
the middle of its timeline: the first half is the suspended account (its last tweet is the
"suspension"), the second half a new account created 10 min to 4 days later (lognormal,
median 20 h, as the scenario draws it; never after its first tweet). The new identity is
either *kept-ish* (the numbering habits: abu_x2, abu_x_3, abuxx, parts reversed, a letter
swapped for a digit, cut to Twitter's 15 characters; display name and bio kept or lightly
changed) or *changed* (an unrelated real handle and name, and an empty or unrelated bio).
Distractor suspended accounts come from isis_topic_control (accounts with >= 3 tweets) and
the TwiBot-20 sample, their timelines shifted by whole days so their "suspensions" fall among
the Fifth Tribe ones (hours of day kept). Accounts are split into a tuning part and a test
part by a hash of the username, so nothing is tuned on the test accounts.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import random
import re
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from cordon.domain import Account, AccountStatus, InteractionKind, Post, SubjectRef
from cordon.graph.evasion import AccountProfile, handle_key, profile_from_posts

PLATFORM = "real"


@dataclass
class LinkingTask:
    """New accounts, the suspended accounts to search, and which new account is whose."""

    new: list[AccountProfile]
    suspended: list[AccountProfile]
    # new account ref -> the suspended account's ref
    truth: dict[SubjectRef, SubjectRef]
    # new account refs whose handle, name and bio all changed
    renamed: set[SubjectRef] = field(default_factory=set)

    def subset(self, keep: set[SubjectRef]) -> LinkingTask:
        new = [p for p in self.new if p.ref in keep]
        return LinkingTask(
            new,
            self.suspended,
            {k: v for k, v in self.truth.items() if k in keep},
            self.renamed & keep,
        )


# --------------------------------------------------------------------------------------------
# Scenario
# --------------------------------------------------------------------------------------------


def scenario_task(
    scenario, *, early_posts: int = 50, extra_new_roles: tuple[str, ...] = ()
) -> LinkingTask:
    """Every suspended account of a generated world against its returning accounts (and, as
    extra new accounts without an original, the accounts of `extra_new_roles`). A returner
    counts as renamed when its handle, undone of numbering habits, differs from its original's."""
    truth = scenario.truth
    accounts = {a.id: a for a in scenario.accounts}
    posts: dict[str, list[Post]] = defaultdict(list)
    for p in scenario.posts:
        posts[p.author_id].append(p)
    follows = defaultdict(list)
    for e in scenario.interactions:
        if e.kind is InteractionKind.FOLLOW:
            follows[e.source_id].append(e)
    when = {k: datetime.fromisoformat(v) for k, v in truth.suspended_at.items()}
    suspended = [
        profile_from_posts(
            accounts[i], posts[i], follows[i], suspended_at=t, early_posts=early_posts
        )
        for i, t in when.items()
    ]
    new_ids = list(truth.returning_of)
    new_ids += [i for i, r in truth.roles.items() if r in extra_new_roles]
    new = [
        profile_from_posts(accounts[i], posts[i], follows[i], early_posts=early_posts)
        for i in new_ids
    ]
    platform = truth.platform
    ref = lambda i: SubjectRef.account(platform, i)
    pairs = {ref(k): ref(v) for k, v in truth.returning_of.items()}
    renamed = {
        ref(k)
        for k, v in truth.returning_of.items()
        if handle_key(accounts[k].handle) != handle_key(accounts[v].handle)
    }
    return LinkingTask(new, suspended, pairs, renamed)


# --------------------------------------------------------------------------------------------
# Real data
# --------------------------------------------------------------------------------------------


@dataclass
class _Timeline:
    handle: str
    name: str
    bio: str
    tweets: list[tuple[datetime | None, str]]


def _fanboy(root: Path) -> dict[str, _Timeline]:
    out: dict[str, _Timeline] = {}
    with gzip.open(
        root / "isis_fanboy_tweets" / "tweets_train.csv.gz", "rt", encoding="utf-8", newline=""
    ) as fh:
        for row in csv.DictReader(fh):
            user = row["username"].strip()
            if not user:
                continue
            t = out.setdefault(
                user, _Timeline(user, row["name"].strip(), row["description"].strip(), [])
            )
            t.tweets.append(
                (
                    datetime.strptime(row["time"], "%m/%d/%Y %H:%M").replace(tzinfo=UTC),
                    row["tweets"],
                )
            )
    for t in out.values():
        t.tweets.sort(key=lambda x: x[0])
    return out


def _topic_control(root: Path, min_tweets: int) -> dict[str, _Timeline]:
    out: dict[str, _Timeline] = {}
    path = root / "isis_topic_control" / "added_scraped_train.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            user = row["username"].strip()
            try:
                when = datetime.strptime(
                    f"{row['date']} {row['time']}", "%d/%m/%y %H:%M:%S"
                ).replace(tzinfo=UTC)
            except ValueError:
                when = None
            t = out.setdefault(user, _Timeline(user, row["name"].strip(), "", []))
            t.tweets.append((when, row["tweet"]))
    far = datetime.max.replace(tzinfo=UTC)
    for t in out.values():
        t.tweets.sort(key=lambda x: x[0] or far)
    return {k: v for k, v in out.items() if len(v.tweets) >= min_tweets}


def _twibot(root: Path) -> dict[str, _Timeline]:
    with gzip.open(
        root / "twibot_samples" / "TwiBot-20_sample.json.gz", "rt", encoding="utf-8"
    ) as fh:
        users = json.load(fh)
    out = {}
    for u in users:
        prof = u.get("profile") or {}
        handle = (prof.get("screen_name") or "").strip()
        tweets = [(None, t.strip()) for t in (u.get("tweet") or []) if t and t.strip()]
        if handle and tweets:
            out[handle] = _Timeline(
                handle,
                (prof.get("name") or "").strip(),
                (prof.get("description") or "").strip(),
                tweets,
            )
    return out


def numbering_variant(handle: str, rng: random.Random) -> str:
    """A returner's handle in the 2015 habits, at most 15 characters (Twitter's limit)."""
    base = re.sub(r"[_\d]+$", "", handle) or handle
    n = str(rng.randint(2, 9))
    parts = [p for p in re.split(r"_|(?<=[a-z])(?=[A-Z])", base) if p]
    shape = rng.randrange(9)
    if shape == 0:
        out = f"{base}{n}"
    elif shape == 1:
        out = f"{base}_{n}"
    elif shape == 2:
        out = f"{base.replace('_', '')}_{n}"
    elif shape == 3:
        out = f"{base}{n}{n}"
    elif shape == 4:
        out = f"{base}_{rng.choice(('back', 'new', 'again', 'ii'))}"
    elif shape == 5:
        out = f"{base[:-1]}{base[-1] * 2}{n}"
    elif shape == 6 and len(parts) > 1:
        out = "_".join(reversed(parts)) + n
    else:
        swaps = [
            (i, c) for i, c in enumerate(base) if c.lower() in "oias" and 0 < i < len(base) - 1
        ]
        if swaps:
            i, c = rng.choice(swaps)
            out = base[:i] + {"o": "0", "i": "1", "a": "4", "s": "5"}[c.lower()] + base[i + 1 :] + n
        else:
            out = f"{base}{n}"
    if len(out) > 15:
        tail = re.search(r"(_?(?:\d+|back|new|again|ii))$", out)
        suffix = tail.group(1) if tail else ""
        out = out[: 15 - len(suffix)] + suffix
    return out if out != handle else f"{handle[:14]}{n}"


def _gap_hours(rng: random.Random) -> float:
    return float(np.clip(math.exp(rng.gauss(math.log(20), 0.9)), 10 / 60, 96))


def _posts(ident: str, tweets: list[tuple[datetime | None, str]]) -> list[Post]:
    return [
        Post(PLATFORM, f"{ident}/{k}", ident, text, created_at=when)
        for k, (when, text) in enumerate(tweets)
    ]


def real_tasks(
    root: Path,
    *,
    variant: str = "kept",
    seed: int = 0,
    min_tweets: int = 8,
    tune_share: float = 0.35,
    distractors: bool = True,
    early_posts: int = 50,
) -> tuple[LinkingTask, LinkingTask]:
    """(tuning task, test task) over the same suspended pool, built as the module docstring
    says. `variant` is "kept" (numbering habits) or "changed" (handle, name and bio changed)."""
    if variant not in ("kept", "changed"):
        raise ValueError(f"variant is 'kept' or 'changed', not {variant!r}")
    rng = random.Random(f"{seed}:{variant}")
    fan = _fanboy(root)
    control = _topic_control(root, 3)
    bots = _twibot(root)
    # Unrelated identities for the "changed" variant come from control accounts not used as distractors.
    spare = sorted(control)[::2]
    pool = {k: control[k] for k in sorted(control)[1::2]}
    bios = [t.bio for t in bots.values() if t.bio]
    suspended: list[AccountProfile] = []
    new_tune: list[AccountProfile] = []
    new_test: list[AccountProfile] = []
    truth: dict[SubjectRef, SubjectRef] = {}
    renamed: set[SubjectRef] = set()
    splits: list[datetime] = []
    for user in sorted(fan):
        t = fan[user]
        if len(t.tweets) < 2:
            continue
        half = len(t.tweets) // 2
        first, second = t.tweets[:half], t.tweets[half:]
        cut = first[-1][0]
        splits.append(cut)
        old = Account(PLATFORM, user, user, t.name, t.bio, status=AccountStatus.SUSPENDED)
        suspended.append(
            profile_from_posts(old, _posts(user, first), suspended_at=cut, early_posts=early_posts)
        )
        if len(t.tweets) < min_tweets:
            continue
        created = min(cut + timedelta(hours=_gap_hours(rng)), second[0][0] - timedelta(minutes=1))
        created = max(created, cut + timedelta(minutes=1))
        if variant == "kept":
            handle = numbering_variant(user, rng)
            n = re.findall(r"\d+", handle)
            name = rng.choice((t.name, t.name, f"{t.name} {n[-1] if n else 2}", f"{t.name} (back)"))
            bio = rng.choice((t.bio, t.bio, "", f"account {n[-1] if n else 2}", f"{t.bio} | back"))
        else:
            other = spare[rng.randrange(len(spare))]
            handle = other + str(rng.randint(1, 99)) if rng.random() < 0.5 else other
            name = control[other].name
            bio = rng.choice(bios) if bios and rng.random() < 0.5 else ""
        ident = f"{user}~new"
        acct = Account(PLATFORM, ident, handle, name, bio, created_at=created)
        prof = profile_from_posts(acct, _posts(ident, second), early_posts=early_posts)
        truth[prof.ref] = old.ref
        if variant == "changed":
            renamed.add(prof.ref)
        (new_tune if zlib.crc32(user.encode()) % 100 < tune_share * 100 else new_test).append(prof)
    if distractors:
        for prefix, timelines in (("tc", pool), ("tb", bots)):
            for user in sorted(timelines):
                t = timelines[user]
                cut = rng.choice(splits)
                stamps = [w for w, _ in t.tweets if w is not None]
                shift = timedelta(days=(cut - max(stamps)).days) if stamps else timedelta(0)
                tweets = [(None if w is None else w + shift, x) for w, x in t.tweets][-early_posts:]
                ident = f"{prefix}:{user}"
                acct = Account(PLATFORM, ident, user, t.name, t.bio, status=AccountStatus.SUSPENDED)
                suspended.append(
                    profile_from_posts(
                        acct, _posts(ident, tweets), suspended_at=cut, early_posts=early_posts
                    )
                )
    tune = LinkingTask(
        new_tune,
        suspended,
        {p.ref: truth[p.ref] for p in new_tune},
        renamed & {p.ref for p in new_tune},
    )
    test = LinkingTask(
        new_test,
        suspended,
        {p.ref: truth[p.ref] for p in new_test},
        renamed & {p.ref for p in new_test},
    )
    return tune, test


# --------------------------------------------------------------------------------------------
# Scale
# --------------------------------------------------------------------------------------------


def scale_task(
    scenario, n_suspended: int = 100_000, n_new: int = 10_000, *, seed: int = 0
) -> LinkingTask:
    """A large task for timing: every account of `scenario` used as a template, cloned under
    fresh ids and handles into `n_suspended` suspended accounts (suspended at random inside the
    window); `n_new` of them return, with a numbering-habit handle, their template's posts
    and follows, created 10 min to 4 days after the suspension."""
    rng = random.Random(seed)
    accounts = list(scenario.accounts)
    posts: dict[str, list[Post]] = defaultdict(list)
    for p in scenario.posts:
        posts[p.author_id].append(p)
    follows = defaultdict(list)
    for e in scenario.interactions:
        if e.kind is InteractionKind.FOLLOW:
            follows[e.source_id].append(e)
    templates = [
        profile_from_posts(a, posts[a.id], follows[a.id], early_posts=20) for a in accounts
    ]
    start = datetime.fromtimestamp(scenario.config.start_ts, UTC)
    span = scenario.config.days * 86400
    suspended, new, truth = [], [], {}
    returners = set(rng.sample(range(n_suspended), n_new))
    for k in range(n_suspended):
        t = templates[k % len(templates)]
        cut = start + timedelta(seconds=rng.randrange(span))
        handle = f"{t.account.handle[:11]}{k % 9973}" if k >= len(templates) else t.account.handle
        acct = Account(
            PLATFORM,
            f"s{k}",
            handle,
            t.account.display_name,
            t.account.bio,
            avatar_hash=t.account.avatar_hash,
            status=AccountStatus.SUSPENDED,
        )
        old = AccountProfile(
            acct, t.texts, t.post_times, t.hashtags, t.domains, t.langs, t.mentions, t.follows, cut
        )
        suspended.append(old)
        if k in returners:
            created = cut + timedelta(hours=_gap_hours(rng))
            na = Account(
                PLATFORM,
                f"n{k}",
                numbering_variant(handle, rng),
                t.account.display_name,
                t.account.bio,
                created_at=created,
                avatar_hash=t.account.avatar_hash,
            )
            prof = AccountProfile(
                na, t.texts, t.post_times, t.hashtags, t.domains, t.langs, t.mentions, t.follows
            )
            new.append(prof)
            truth[prof.ref] = acct.ref
    return LinkingTask(new, suspended, truth)
