"""The network's posts: official releases, the hubs' fast reposts, supporters, threats, returns.

Drawn whole, before any chunk: the network is a few percent of a world, and everything else
(journalists quoting threats, users reporting them, ground truth) needs to point into it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from cordon.scenario import seeds, style
from cordon.scenario import texts as t
from cordon.scenario.compose import Composer, assemble
from cordon.scenario.drafts import Draft, Timeline, repost, sort_key, tags_of
from cordon.scenario.plan import DAY, HOUR, Plan
from cordon.scenario.roles import Role

MINUTE = 60


@dataclass
class NetworkPosts:
    drafts: list[Draft]  # every network post, by time, ids assigned
    releases: Timeline  # official releases
    broadcasts: Timeline  # what officials and hubs posted themselves (releases included)
    originals: Timeline  # every non-repost network post (for replies and quotes)
    threats: Timeline
    staff_threats: list[Draft]
    support: list[Draft]  # original posts that praise or spread the group
    obfuscated: list[Draft]
    release_media: list[str]  # the releases' media hashes, as a hash-sharing list would hold them
    per_author: np.ndarray  # int32 posts per account position


def make_network(plan: Plan) -> NetworkPosts:
    return _Writer(plan).run()


class _Writer:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.config = plan.config
        self.rng: random.Random = seeds.python_rng(self.config.seed, seeds.NETWORK)
        self.np_rng = seeds.numpy_rng(self.config.seed, seeds.NETWORK)
        self.compose = Composer(self.rng)
        self.drafts: list[Draft] = []
        self.threats: list[Draft] = []
        self.staff: list[Draft] = []
        self.support: list[Draft] = []
        self.obfuscated: list[Draft] = []

    def handle(self, index: int) -> str:
        return self.plan.identity(index).handle

    def lang(self, index: int) -> str:
        preferred = "ar" if self.plan.arabic[index] else "en"
        if self.rng.random() < 0.8:
            return preferred
        return "en" if preferred == "ar" else "ar"

    def add(self, draft: Draft) -> Draft:
        self.drafts.append(draft)
        return draft

    def run(self) -> NetworkPosts:
        plan = self.plan
        releases = Timeline(self._releases())
        self._hub_reposts(releases)
        hub_own = self._hub_posts(releases)
        broadcasts = Timeline(releases.drafts + hub_own)
        self._shoutouts()
        self._supporters(releases, broadcasts)
        # Habits last, from their own stream: everything above draws as it did before them.
        style.apply(plan, self.drafts, broadcasts, releases)

        self.drafts.sort(key=sort_key)
        for serial, draft in enumerate(self.drafts):
            draft.assign(serial)
        per_author = np.bincount([d.author for d in self.drafts], minlength=plan.n).astype(np.int32)
        originals = [d for d in self.drafts if d.repost_of is None]
        return NetworkPosts(
            drafts=self.drafts,
            releases=releases,
            broadcasts=broadcasts,
            originals=Timeline(originals),
            threats=Timeline(self.threats),
            staff_threats=sorted(self.staff, key=sort_key),
            support=sorted(self.support, key=sort_key),
            obfuscated=sorted(self.obfuscated, key=sort_key),
            release_media=[d.media[0] for d in releases.drafts],
            per_author=per_author,
        )

    # --- officials and hubs -------------------------------------------------------------------
    def _releases(self) -> list[Draft]:
        rng, c = self.rng, self.compose
        officials = self.plan.by_role[Role.OFFICIAL].tolist()
        # The news agency posts most; the film foundations least.
        weights = [(2.0, 3.0, 1.5, 1.0, 1.0)[k % 5] for k in range(len(officials))]
        count = int(self.np_rng.poisson(self.config.releases_per_day * self.config.days))
        out = []
        for _ in range(max(count, 3)):
            author = rng.choices(officials, weights)[0]
            lo, hi = self.plan.window(author)
            ts = rng.randrange(lo, hi - HOUR)
            body, lang = c.render(t.OFFICIAL_RELEASE, "ar" if rng.random() < 0.55 else "en")
            urls = [c.link("propaganda") for _ in range(rng.randint(1, 3))]
            tags = c.hashtags("extremist") if rng.random() < 0.6 else []
            out.append(self._propaganda(author, ts, body, lang, "release", urls, tags, media=(c.media_hash(),)))
        return out

    def _hub_reposts(self, releases: Timeline) -> None:
        """Every hub reposts most releases within minutes: the signature of a distribution hub."""
        rng = self.rng
        for release in releases.drafts:
            handle = self.handle(release.author)
            for hub in self.plan.by_role[Role.HUB].tolist():
                if rng.random() >= self.config.hub_repost_share:
                    continue
                delay = int(min(max(rng.lognormvariate(np.log(4 * MINUTE), 0.7), 30), HOUR))
                lo, hi = self.plan.window(hub)
                ts = release.ts + delay
                if lo <= ts < hi:
                    self.add(repost(release, hub, ts, handle))

    def _hub_posts(self, releases: Timeline) -> list[Draft]:
        out = []
        for hub in self.plan.by_role[Role.HUB].tolist():
            lo, hi = self.plan.window(hub)
            count = int(self.np_rng.poisson(self.config.hub_posts_per_day * (hi - lo) / DAY))
            for _ in range(count):
                ts = self.rng.randrange(lo, hi)
                release = releases.recent(ts, 2 * DAY, self.rng)
                if release is not None and self.rng.random() < 0.6:
                    draft = self._share(hub, ts, release)
                else:
                    draft = self._support(hub, ts)
                out.append(draft)
        return out

    def _shoutouts(self) -> None:
        """Hubs announce a suspended brother's new account: "follow @abu_muthanna2"."""
        rng = self.rng
        hubs = self.plan.by_role[Role.HUB].tolist()
        for returner in self.plan.by_role[Role.RETURNING].tolist():
            if rng.random() >= 0.5:
                continue
            hub = rng.choice(hubs)
            ts = int(self.plan.created[returner] + rng.expovariate(1 / (3 * HOUR)))
            lo, hi = self.plan.window(hub)
            if not lo <= ts < min(hi, self.plan.window(returner)[1]):
                continue
            body, lang = self.compose.render(
                t.SHOUTOUT, self.lang(hub), handle=f"@{self.handle(returner)}"
            )
            draft = Draft(hub, ts, body, lang, "shoutout", mentions=(returner,))
            self.support.append(self.add(draft))

    # --- supporters and returners -----------------------------------------------------------
    def _supporters(self, releases: Timeline, broadcasts: Timeline) -> None:
        plan, rng = self.plan, self.rng
        members = np.flatnonzero(
            (plan.role == Role.SUPPORTER) | (plan.role == Role.RETURNING)
        ).tolist()
        speakers = []
        for i in members:
            lo, hi = plan.window(i)
            if hi - lo < HOUR:
                continue
            share = (hi - lo) / (self.config.end_ts - self.config.start_ts)
            if plan.quiet[i]:
                count = 1 + int(self.np_rng.poisson(1.0))
            else:
                count = 3 + int(self.np_rng.poisson(self.np_rng.gamma(1.5, 6.0)))
                if hi - lo >= DAY:
                    speakers.append(i)
            count = max(1, round(count * max(share, 0.25)))
            if plan.role[i] == Role.RETURNING and rng.random() < 0.7:
                ts = int(lo + rng.expovariate(1 / (30 * MINUTE)))
                if ts < hi:
                    body, lang = self.compose.render(
                        t.RETURN, self.lang(i), n=str(int(plan.generation[i]) + 1)
                    )
                    tags = self.compose.hashtags("extremist") if rng.random() < 0.5 else []
                    self.support.append(
                        self.add(
                            Draft(
                                i,
                                ts,
                                assemble(body, hashtags=tags),
                                lang,
                                "return",
                                hashtags=tags_of(tags),
                            )
                        )
                    )
            for _ in range(count):
                self._supporter_post(
                    i, rng.randrange(lo, hi), bool(plan.quiet[i]), releases, broadcasts
                )

        # Threats come from the vocal supporters; a share of them aim at the platform's staff.
        rng.shuffle(speakers)
        threateners = sorted(speakers[: max(3, round(len(speakers) * self.config.threat_share))])
        made_staff = False
        for k, i in enumerate(threateners):
            lo, hi = plan.window(i)
            for _ in range(rng.randint(1, 3)):
                staff = rng.random() < self.config.staff_threat_share or (
                    k == len(threateners) - 1 and not made_staff
                )
                made_staff |= staff
                self._threat(i, rng.randrange(lo, hi), staff)

    def _supporter_post(
        self, i: int, ts: int, quiet: bool, releases: Timeline, broadcasts: Timeline
    ) -> None:
        rng = self.rng
        roll = rng.random()
        if quiet:
            kind = "repost" if roll < 0.85 else "reply" if roll < 0.95 else "support"
        else:
            kind = (
                "repost"
                if roll < 0.5
                else "support"
                if roll < 0.7
                else "share"
                if roll < 0.85
                else "reply"
                if roll < 0.95
                else "quote"
            )
        if kind == "repost":
            target = broadcasts.recent(ts, 3 * DAY, rng)
            if target is not None:
                self.add(repost(target, i, ts, self.handle(target.author)))
                return
        elif kind == "reply":
            target = broadcasts.recent(ts, DAY, rng)
            if target is not None:
                body, lang = self.compose.render(t.SUPPORTER_REPLY, self.lang(i))
                handle = self.handle(target.author)
                self.add(
                    Draft(
                        i,
                        ts,
                        assemble(body, prefix_mentions=[handle]),
                        lang,
                        "reply",
                        mentions=(target.author,),
                        reply_to=target,
                    )
                )
                return
        elif kind in ("share", "quote"):
            release = releases.recent(ts, 3 * DAY, rng)
            if release is not None:
                draft = self._share(i, ts, release)
                if kind == "quote":
                    draft.quote_of = release
                return
        self._support(i, ts)

    # --- content ------------------------------------------------------------------------------
    def _share(self, author: int, ts: int, release: Draft) -> Draft:
        """Spread a release: its links or fresh mirrors, and its video, often re-encoded."""
        rng, c = self.rng, self.compose
        body, lang = c.render(t.SHARE_RELEASE, self.lang(author))
        body, obfuscated = self._maybe_obfuscate(body, lang)
        urls = [rng.choice(release.urls)] if rng.random() < 0.6 else []
        urls += [c.link("propaganda") for _ in range(rng.randint(0 if urls else 1, 2))]
        roll = rng.random()
        media = (
            (release.media[0],)
            if roll < 0.3
            else (c.near_duplicate(release.media[0], rng.randint(2, 12)),)
            if roll < 0.8
            else ()
        )
        tags = c.hashtags("extremist") if rng.random() < 0.7 else []
        return self._propaganda(author, ts, body, lang, "share", urls, tags, media=media, obfuscated=obfuscated)

    def _support(self, author: int, ts: int) -> Draft:
        rng, c = self.rng, self.compose
        body, lang = c.render(t.SUPPORT, self.lang(author))
        body, obfuscated = self._maybe_obfuscate(body, lang)
        tags = c.hashtags("extremist") if rng.random() < 0.5 else []
        urls = [c.link("propaganda")] if rng.random() < 0.15 else []
        return self._propaganda(author, ts, body, lang, "support", urls, tags, obfuscated=obfuscated)

    def _maybe_obfuscate(self, body: str, lang: str) -> tuple[str, bool]:
        """A minority of posts hide from filters (zero-width characters, tatweel, leetspeak)."""
        if self.rng.random() < self.config.obfuscation_share:
            return self.compose.obfuscate(body, lang), True
        return body, False

    def _propaganda(
        self, author: int, ts: int, body: str, lang: str, kind: str, urls: list[str],
        tags: list[str], *, media: tuple = (), obfuscated: bool = False,
    ) -> Draft:
        """A release, a share of one, or a support post: written out, and counted as support."""
        draft = Draft(
            author, ts, assemble(body, urls=urls, hashtags=tags), lang, kind,
            urls=tuple(urls), media=media, hashtags=tags_of(tags), obfuscated=obfuscated,
        )
        self.support.append(self.add(draft))
        if obfuscated:
            self.obfuscated.append(draft)
        return draft

    def _threat(self, author: int, ts: int, staff: bool) -> None:
        rng, c = self.rng, self.compose
        body, lang = c.render(t.THREAT_STAFF if staff else t.THREAT_GENERAL, self.lang(author))
        body, obfuscated = self._maybe_obfuscate(body, lang)
        tags = c.hashtags("extremist") if rng.random() < 0.5 else []
        draft = Draft(
            author,
            ts,
            assemble(body, hashtags=tags),
            lang,
            "staff_threat" if staff else "threat",
            hashtags=tags_of(tags),
            obfuscated=obfuscated,
        )
        self.add(draft)
        self.threats.append(draft)
        if staff:
            self.staff.append(draft)
        if obfuscated:
            self.obfuscated.append(draft)
