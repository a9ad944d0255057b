"""The plan: every account's role, creation and suspension time, community and identity.

Per-account facts live in numpy arrays indexed by the account's position, which is its rank
by creation time (so ids grow with time, as Twitter's did). A million accounts cost tens of
MB here. Identities of the few special accounts are kept; ordinary ones are recomputed on
demand from a stream keyed by the account's position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from cordon.domain import Account, AccountStatus
from cordon.scenario import graph, ids, names, seeds
from cordon.scenario.compose import flip_bits
from cordon.scenario.config import ScenarioConfig
from cordon.scenario.roles import Role, role_counts

DAY = 86_400
HOUR = 3_600
_YEAR_2008 = 1_199_145_600
_MID_2014 = 1_401_580_800
_SEP_2014 = 1_409_529_600
_YEAR_2009 = 1_230_768_000
_YEAR_2012 = 1_325_376_000
_END_2013 = 1_388_448_000


@dataclass
class Plan:
    config: ScenarioConfig
    role: np.ndarray  # int8 Role
    created: np.ndarray  # int64 Unix seconds
    suspended_at: np.ndarray  # int64 Unix seconds; 0 when never suspended
    original: np.ndarray  # int32: for a returner, the position of the account it replaces; else -1
    generation: np.ndarray  # int8: 0 for an original, k for the k-th return
    renamed: np.ndarray  # bool: a returner that changed handle, name and bio at once
    quiet: np.ndarray  # bool: a supporter that mostly reposts
    arabic: np.ndarray  # bool: posts mainly in Arabic
    ids: np.ndarray  # int64 account ids, increasing
    prior_posts: np.ndarray  # int32: posts made before the window (for posts_count)
    crowd_posts: np.ndarray  # int32: planned posts in the window for accounts outside the network
    graph: graph.Layout
    identities: dict[int, names.Identity]
    avatars: dict[int, str | None]
    brigade_target: int
    by_role: dict[Role, np.ndarray] = field(default_factory=dict)
    # Filled in once the follow graph and the network's posts are drawn.
    followers: np.ndarray | None = None
    following: np.ndarray | None = None
    network_posts: np.ndarray | None = None

    def __post_init__(self) -> None:
        # Plain ints: the config's properties are computed, and these are read per post.
        self.start = self.config.start_ts
        self.end = self.config.end_ts
        # Hubs, journalists and popular users are named again and again.
        self.identity = lru_cache(maxsize=1 << 16)(self._identity)  # type: ignore[method-assign]

    @property
    def n(self) -> int:
        return len(self.role)

    def id_of(self, index: int) -> str:
        return str(int(self.ids[index]))

    def index_of(self, account_id: str) -> int:
        position = int(np.searchsorted(self.ids, int(account_id)))
        if position >= self.n or self.ids[position] != int(account_id):
            raise KeyError(account_id)
        return position

    def window(self, index: int) -> tuple[int, int]:
        """The part of the observation window in which the account existed and was up."""
        start = max(self.start, int(self.created[index]))
        end = int(self.suspended_at[index]) or self.end
        return start, min(end, self.end)

    def _identity(self, index: int) -> names.Identity:
        known = self.identities.get(index)
        if known is not None:
            return known
        draws = names.Draws(int.from_bytes(self._digest(index)[:16], "little"))
        return names.ordinary_identity(draws, index, bool(self.arabic[index]))

    def avatar(self, index: int) -> str | None:
        if index in self.avatars:
            return self.avatars[index]
        digest = self._digest(index)
        # Six in ten ordinary users have a picture of their own.
        return digest[16:].hex() if digest[16] < 154 else None

    def _digest(self, index: int) -> bytes:
        """48 bytes keyed by the account alone: 16 for identity choices, 32 for the avatar hash."""
        return seeds.digest(self.config.seed, seeds.IDENTITY, index, size=48)

    def account(self, index: int) -> Account:
        who = self.identity(index)
        window_posts = int(self.crowd_posts[index])
        if self.network_posts is not None:
            window_posts += int(self.network_posts[index])
        return Account(
            platform=self.config.platform,
            id=self.id_of(index),
            handle=who.handle,
            display_name=who.display_name,
            bio=who.bio,
            location=who.location,
            created_at=ids.when(int(self.created[index])),
            followers_count=None if self.followers is None else int(self.followers[index]),
            following_count=None if self.following is None else int(self.following[index]),
            posts_count=int(self.prior_posts[index]) + window_posts,
            avatar_hash=self.avatar(index),
            status=AccountStatus.SUSPENDED if self.suspended_at[index] else AccountStatus.ACTIVE,
        )


class _Drafts:
    """Accounts before they are sorted by creation time: parallel Python lists."""

    def __init__(self) -> None:
        self.role: list[int] = []
        self.created: list[int] = []
        self.suspended: list[int] = []
        self.original: list[int] = []
        self.generation: list[int] = []

    def add(
        self, role: Role, created: int, suspended: int = 0, original: int = -1, generation: int = 0
    ) -> int:
        self.role.append(int(role))
        self.created.append(int(created))
        self.suspended.append(int(suspended))
        self.original.append(original)
        self.generation.append(generation)
        return len(self.role) - 1


def make_plan(config: ScenarioConfig) -> Plan:
    rng = seeds.numpy_rng(config.seed, seeds.PLAN)
    counts = role_counts(config)
    start, end = config.start_ts, config.end_ts
    d = _Drafts()

    def uniform(lo: int, hi: int) -> int:
        return int(rng.integers(lo, max(lo + 1, hi)))

    for _ in range(counts.officials):
        d.add(Role.OFFICIAL, uniform(_MID_2014, start - 30 * DAY))
    for _ in range(counts.hubs):
        d.add(Role.HUB, uniform(_SEP_2014, start - 10 * DAY))
    supporters = []
    for _ in range(counts.supporters):
        joined = (
            uniform(start, start + 10 * DAY) if rng.random() < 0.15 else uniform(_MID_2014, start)
        )
        supporters.append(d.add(Role.SUPPORTER, joined))

    # Suspensions inside the window, and returns under new handles after them. A returner can
    # itself be suspended and come back again (abu_muthanna -> abu_muthanna2 -> abu_muthanna3).
    latest_suspension = end - 6 * DAY
    suspended = sorted(
        rng.choice(
            supporters, size=round(len(supporters) * config.suspended_share), replace=False
        ).tolist()
    )
    for i in suspended:
        d.suspended[i] = uniform(max(start + 2 * DAY, d.created[i] + DAY), latest_suspension)
    queue = [i for i in suspended if d.suspended[i] < latest_suspension]
    # Small worlds still get a few returners, so the feature always exists.
    wanted = max(min(3, len(queue)), round(len(queue) * config.return_share))
    returning_from = sorted(rng.choice(queue, size=wanted, replace=False).tolist()) if queue else []
    while returning_from:
        nxt = []
        for original in returning_from:
            gap = int(np.clip(rng.lognormal(np.log(20 * HOUR), 0.9), 10 * 60, 4 * DAY))
            joined = d.suspended[original] + gap
            if joined >= end - DAY:
                continue
            r = d.add(
                Role.RETURNING, joined, original=original, generation=d.generation[original] + 1
            )
            if joined + 2 * DAY < end - 3 * DAY and rng.random() < config.suspended_share:
                d.suspended[r] = uniform(joined + 2 * DAY, end - 3 * DAY)
                if rng.random() < config.return_share:
                    nxt.append(r)
        returning_from = nxt

    for _ in range(counts.journalists):
        d.add(Role.JOURNALIST, uniform(_YEAR_2009, _END_2013))
    for _ in range(counts.researchers):
        d.add(Role.RESEARCHER, uniform(_YEAR_2009, start - 365 * DAY))
    for _ in range(counts.counter_speech):
        d.add(Role.COUNTER_SPEECH, uniform(_YEAR_2012, start - 30 * DAY))
    brigade_from = brigade_start(config)
    for _ in range(counts.brigade):
        d.add(Role.BRIGADE, uniform(brigade_from, brigade_from + 3 * DAY))

    n_ordinary = config.accounts - len(d.role)
    if n_ordinary < config.accounts // 2:
        raise ValueError(
            f"role shares leave only {n_ordinary} ordinary accounts of {config.accounts}"
        )
    # Sign-ups grew over the years: skew creation towards the window; 5% join inside it.
    u = rng.random(n_ordinary)
    joined = np.where(
        rng.random(n_ordinary) < 0.05,
        rng.integers(start, end - DAY, n_ordinary),
        _YEAR_2008 + ((start - _YEAR_2008) * u**0.7).astype(np.int64),
    )
    # Ordinary accounts stay in numpy: a million Python ints would cost more than the rest.
    ordinary_suspended = np.zeros(n_ordinary, dtype=np.int64)
    spam = np.sort(
        rng.choice(
            n_ordinary, size=round(n_ordinary * config.ordinary_suspended_share), replace=False
        )
    )
    spam_from = np.minimum(np.maximum(start, joined[spam]) + DAY, end - 2 * HOUR)
    ordinary_suspended[spam] = rng.integers(spam_from, end - HOUR)

    # Sort by creation time: positions are ranks, and ids grow with them.
    created_draft = np.concatenate([np.array(d.created, dtype=np.int64), joined.astype(np.int64)])
    order = np.argsort(created_draft, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    role = np.concatenate(
        [np.array(d.role, dtype=np.int8), np.full(n_ordinary, Role.ORDINARY, dtype=np.int8)]
    )[order]
    original_draft = np.concatenate(
        [np.array(d.original, dtype=np.int64), np.full(n_ordinary, -1)]
    )[order]
    original = np.where(original_draft >= 0, rank[np.maximum(original_draft, 0)], -1).astype(
        np.int32
    )
    generation = np.concatenate(
        [np.array(d.generation, dtype=np.int8), np.zeros(n_ordinary, dtype=np.int8)]
    )[order]
    suspended_at = np.concatenate([np.array(d.suspended, dtype=np.int64), ordinary_suspended])[
        order
    ]
    created = created_draft[order]
    n = len(role)

    quiet = (role == Role.SUPPORTER) | (role == Role.RETURNING)
    quiet &= rng.random(n) < config.quiet_share
    arabic = np.zeros(n, dtype=bool)
    network = role <= Role.RETURNING
    arabic[network] = rng.random(int(network.sum())) < 0.5
    renamed = (role == Role.RETURNING) & (rng.random(n) < config.rename_share)

    layout = graph.make_layout(config, role, created, original, rng)
    arabic |= ~network & layout.community_arabic[layout.community] & (rng.random(n) < 0.88)
    arabic |= ~network & ~layout.community_arabic[layout.community] & (rng.random(n) < 0.12)

    age_days = np.maximum(0, start - created) / DAY
    prior_posts = rng.poisson(age_days * rng.lognormal(np.log(1.2), 1.0, n)).astype(np.int32)
    prior_posts[role == Role.BRIGADE] = 0

    plan = Plan(
        config=config,
        role=role,
        created=created,
        suspended_at=suspended_at,
        original=original,
        generation=generation,
        renamed=renamed,
        quiet=quiet,
        arabic=arabic,
        ids=ids.account_ids(created),
        prior_posts=prior_posts,
        crowd_posts=_crowd_posts(config, role, created, suspended_at, rng),
        graph=layout,
        identities={},
        avatars={},
        brigade_target=-1,
    )
    plan.by_role = {r: np.flatnonzero(role == r) for r in Role}
    plan.brigade_target = int(rng.choice(plan.by_role[Role.JOURNALIST]))
    _special_identities(plan)
    return plan


def brigade_start(config: ScenarioConfig) -> int:
    """When the brigade's accounts start to be made: they report a week before the end."""
    return config.start_ts + max(1, config.days - 10) * DAY


def _crowd_posts(
    config: ScenarioConfig,
    role: np.ndarray,
    created: np.ndarray,
    suspended_at: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Posts in the window for every account outside the network (the network's are drawn
    post by post in network.py). Gamma-Poisson: most post little, a few post a lot."""
    n = len(role)
    start, end = config.start_ts, config.end_ts
    up_from = np.maximum(created, start)
    up_to = np.where(suspended_at > 0, suspended_at, end)
    share = np.clip((up_to - up_from) / (end - start), 0.0, 1.0)
    mean = np.zeros(n)
    mean[role == Role.ORDINARY] = config.posts_mean
    mean[role == Role.JOURNALIST] = 25.0
    mean[role == Role.RESEARCHER] = 12.0
    mean[role == Role.COUNTER_SPEECH] = 15.0
    mean[role == Role.BRIGADE] = 0.8
    shape = np.where(role == Role.ORDINARY, 0.5, 2.0)
    lam = rng.gamma(shape, np.maximum(mean, 1e-9) / shape) * share
    lam[mean == 0] = 0.0
    brigade = role == Role.BRIGADE
    lam[brigade] = mean[brigade]  # their window is a few days; they post a little regardless
    return np.minimum(rng.poisson(lam), 400).astype(np.int32)


def _special_identities(plan: Plan) -> None:
    """Identities of every account outside the ordinary crowd, unique among themselves."""
    config = plan.config
    rng = seeds.python_rng(config.seed, seeds.IDENTITY, -1)
    taken: set[str] = set()

    def claim(make, index: int) -> None:
        who = make()
        for attempt in range(12):
            if who.handle not in taken:
                break
            who = (
                make()
                if attempt < 8
                else who._replace(handle=names.variant(who.handle, attempt + 100))
            )
        taken.add(who.handle)
        plan.identities[index] = who

    for position, i in enumerate(plan.by_role[Role.OFFICIAL].tolist()):
        claim(lambda p=position: names.official_identity(p), i)
        plan.avatars[i] = f"{rng.getrandbits(256):064x}"
    makers = {
        Role.HUB: lambda: names.hub_identity(rng),
        Role.SUPPORTER: lambda: names.supporter_identity(rng),
        Role.JOURNALIST: lambda: names.journalist_identity(rng),
        Role.RESEARCHER: lambda: names.researcher_identity(rng),
        Role.COUNTER_SPEECH: lambda: names.counter_identity(rng),
        Role.BRIGADE: lambda: names.brigade_identity(rng),
    }
    special = np.flatnonzero((plan.role != Role.ORDINARY) & (plan.role != Role.OFFICIAL))
    # Creation order: an original is always named before the account that replaces it.
    for i in special.tolist():
        role = Role(int(plan.role[i]))
        if role == Role.RETURNING:
            original = int(plan.original[i])
            number = int(plan.generation[i]) + 1 + (1 if rng.random() < 0.2 else 0)
            renamed = bool(plan.renamed[i])
            claim(
                lambda o=original, k=number, r=renamed: names.returning_identity(
                    rng, plan.identities[o], k, r
                ),
                i,
            )
            # Returners reuse the profile picture, now and then re-encoded, unless they renamed.
            parent = plan.avatars.get(original)
            if parent is not None and not renamed and rng.random() < 0.8:
                plan.avatars[i] = (
                    parent if rng.random() < 0.5 else flip_bits(parent, rng, rng.randint(1, 8))
                )
            else:
                plan.avatars[i] = f"{rng.getrandbits(256):064x}"
            continue
        claim(makers[role], i)
        has_avatar = role != Role.BRIGADE and rng.random() < 0.85
        plan.avatars[i] = f"{rng.getrandbits(256):064x}" if has_avatar else None
