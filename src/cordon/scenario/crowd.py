"""Everyone outside the network, one chunk of accounts at a time: ordinary users, the hard
negatives (journalists, researchers, counter-speech) and the brigade.

Ordinary conversation (replies, reposts, quotes) stays inside the chunk, so a chunk can be
written without the others. Hard negatives reach into the network, which is drawn whole:
they reply to its posts, mention its accounts and quote its threats to condemn them, but
never repost or follow it; that difference between attention and endorsement is the point.
"""

from __future__ import annotations

import random

import numpy as np

from cordon.scenario import seeds
from cordon.scenario import texts as t
from cordon.scenario.compose import Composer, assemble
from cordon.scenario.drafts import Draft, repost, tags_of
from cordon.scenario.graph import NEWS_COMMUNITY, FollowSampler
from cordon.scenario.network import NetworkPosts
from cordon.scenario.plan import DAY, HOUR, Plan
from cordon.scenario.roles import Role

# Of an ordinary user's posts, the share that answers, reposts or quotes someone else's.
_DERIVED_SHARE = 0.25
_ORDINARY = int(Role.ORDINARY)
_BRIGADE = int(Role.BRIGADE)
_HARD_NEGATIVE_MIX = {
    # role: (original, reply to network, quote network, repost a peer); the rest is everyday life
    Role.JOURNALIST: (0.55, 0.15, 0.15, 0.10),
    Role.RESEARCHER: (0.60, 0.10, 0.15, 0.10),
    Role.COUNTER_SPEECH: (0.50, 0.25, 0.10, 0.10),
}
_HARD_NEGATIVE_TEXT = {
    Role.JOURNALIST: (t.JOURNALIST, "news", "journalist", 0.5),
    Role.RESEARCHER: (t.RESEARCHER, "research", "researcher", 0.6),
    Role.COUNTER_SPEECH: (t.COUNTER, "counter", "counter", 0.15),
}


def chunk_drafts(
    plan: Plan, network: NetworkPosts, sampler: FollowSampler, chunk: int
) -> list[Draft]:
    return _Chunk(plan, network, sampler, chunk).run()


class _Chunk:
    def __init__(
        self, plan: Plan, network: NetworkPosts, sampler: FollowSampler, chunk: int
    ) -> None:
        self.plan = plan
        self.network = network
        self.sampler = sampler
        self.lo, self.hi = sampler.bounds(chunk)
        self.rng: random.Random = seeds.python_rng(plan.config.seed, seeds.CROWD, chunk)
        self.np_rng = seeds.numpy_rng(plan.config.seed, seeds.CROWD, chunk)
        self.compose = Composer(self.rng)
        self.out: list[Draft] = []
        self.pools: dict[int, list[Draft]] = {}  # community -> ordinary originals
        self.peers: list[Draft] = []  # hard negatives' originals
        self.network_accounts = np.concatenate(
            [plan.by_role[Role.OFFICIAL], plan.by_role[Role.HUB]]
        ).tolist()
        # Per-account facts of the chunk as plain lists: numpy scalars are slow one at a time.
        span = slice(self.lo, self.hi)
        self.roles = plan.role[span].tolist()
        self.communities = plan.graph.community[span].tolist()
        self.arabic = plan.arabic[span].tolist()
        up_from = np.maximum(plan.created[span], plan.start)
        up_to = np.where(
            plan.suspended_at[span] > 0, np.minimum(plan.suspended_at[span], plan.end), plan.end
        )
        self.up_from = up_from.tolist()
        self.up_to = np.maximum(up_to, up_from + 1).tolist()

    def run(self) -> list[Draft]:
        plan = self.plan
        later: list[tuple[int, int]] = []  # (account, derived posts) for the second pass
        posting = np.flatnonzero(plan.crowd_posts[self.lo : self.hi] > 0) + self.lo
        counts = plan.crowd_posts[posting].tolist()
        for i, count in zip(posting.tolist(), counts, strict=True):
            role = self.roles[i - self.lo]
            if role == _ORDINARY:
                derived = sum(1 for _ in range(count) if self.rng.random() < _DERIVED_SHARE)
                for _ in range(count - derived):
                    self._everyday(i)
                later.append((i, derived))
            elif role == _BRIGADE:
                for _ in range(count):
                    self._brigade(i)
            else:
                reposts = 0
                for _ in range(count):
                    reposts += self._hard_negative(i, Role(role))
                later.append((i, reposts))
        for i, derived in later:
            for _ in range(derived):
                self._derived(i)
        return self.out

    # --- helpers ------------------------------------------------------------------------------
    def handle(self, index: int) -> str:
        return self.plan.identity(index).handle

    def window(self, i: int) -> tuple[int, int]:
        """When an account of this chunk was up (never empty)."""
        k = i - self.lo
        return self.up_from[k], self.up_to[k]

    def when(self, i: int) -> int:
        lo, hi = self.window(i)
        return lo + int(self.rng.random() * (hi - lo))

    def lang(self, i: int) -> str:
        return "ar" if self.arabic[i - self.lo] else "en"

    def add(self, draft: Draft) -> Draft:
        self.out.append(draft)
        return draft

    def reply(self, i: int, ts: int, target: Draft, body: str, lang: str) -> Draft:
        """A reply from account i to target, opening with the @mention as clients write it."""
        text = assemble(body, prefix_mentions=[self.handle(target.author)])
        return self.add(Draft(i, ts, text, lang, "reply", mentions=(target.author,), reply_to=target))

    def is_up(self, i: int, ts: int) -> bool:
        gone = int(self.plan.suspended_at[i])
        return gone == 0 or ts < gone

    # --- ordinary users -----------------------------------------------------------------------
    def _everyday(self, i: int, ts: int | None = None) -> Draft:
        plan, rng, c = self.plan, self.rng, self.compose
        community = self.communities[i - self.lo]
        topic = plan.graph.community_topic[community]
        if topic not in t.ORDINARY or rng.random() < 0.3:
            topic = "news" if community == NEWS_COMMUNITY and rng.random() < 0.5 else "daily"
        body, lang = c.render(t.ORDINARY[topic], self.lang(i))
        urls = [c.link("news" if topic == "news" else "ordinary")] if rng.random() < 0.12 else []
        tags = c.hashtags(topic) if rng.random() < 0.18 else []
        mentions: list[int] = []
        if rng.random() < 0.08:
            target = int(self.sampler.sample(community, 1, self.np_rng)[0]) if community else -1
            if target >= 0 and target != i:
                mentions.append(target)
        media = (c.media_hash(),) if rng.random() < 0.1 else ()
        draft = Draft(
            i,
            self.when(i) if ts is None else ts,
            assemble(body, urls=urls, mentions=[self.handle(m) for m in mentions], hashtags=tags),
            lang,
            "everyday",
            urls=tuple(urls),
            media=media,
            hashtags=tags_of(tags),
            mentions=tuple(mentions),
        )
        self.add(draft)
        if self.roles[i - self.lo] == _ORDINARY:
            self.pools.setdefault(community, []).append(draft)
        return draft

    def _derived(self, i: int) -> None:
        """Reply to, repost or quote someone earlier in the same community (hard negatives:
        a peer). Falls back to an original when nothing fits in time."""
        rng, c = self.rng, self.compose
        role = Role(self.roles[i - self.lo])
        pool = (
            self.pools.get(self.communities[i - self.lo], [])
            if role == Role.ORDINARY
            else self.peers
        )
        lo, hi = self.window(i)
        target = pool[int(rng.random() * len(pool))] if pool else None
        ts = int(max(lo, (target.ts if target else lo) + rng.expovariate(1 / (2 * HOUR))))
        if target is None or target.author == i or ts >= hi or not self.is_up(target.author, ts):
            if role == Role.ORDINARY:
                self._everyday(i)
            else:
                self._hard_negative_original(i, role, self.when(i))
            return
        if role != Role.ORDINARY:
            self.add(repost(target, i, ts, self.handle(target.author)))
            return
        roll = rng.random()
        if roll < 0.45:
            self.add(repost(target, i, ts, self.handle(target.author)))
        elif roll < 0.85:
            self.reply(i, ts, target, *c.render(t.ORDINARY_REPLY, self.lang(i)))
        else:
            body, lang = c.render(t.ORDINARY_QUOTE, self.lang(i))
            self.add(Draft(i, ts, body, lang, "quote", quote_of=target))

    # --- hard negatives -----------------------------------------------------------------------
    def _hard_negative(self, i: int, role: Role) -> int:
        """One post; returns 1 when it is deferred to the second pass (a repost of a peer)."""
        original, reply, quote, peer = _HARD_NEGATIVE_MIX[role]
        roll = self.rng.random()
        ts = self.when(i)
        if roll < original:
            self._hard_negative_original(i, role, ts)
        elif roll < original + reply:
            self._hard_negative_reply(i, ts)
        elif roll < original + reply + quote:
            self._hard_negative_quote(i, role, ts)
        elif roll < original + reply + quote + peer:
            return 1
        else:
            self._everyday(i, ts)
        return 0

    def _hard_negative_original(self, i: int, role: Role, ts: int) -> None:
        rng, c = self.rng, self.compose
        family, links, tag_kind, link_share = _HARD_NEGATIVE_TEXT[role]
        body, lang = c.render(family, "ar" if rng.random() < 0.2 else "en")
        urls = [c.link(links)] if rng.random() < link_share else []
        tags = (
            c.hashtags(tag_kind)
            if rng.random() < (0.7 if role == Role.COUNTER_SPEECH else 0.4)
            else []
        )
        mentions = []
        if rng.random() < (0.25 if role == Role.COUNTER_SPEECH else 0.2):
            target = rng.choice(self.network_accounts)
            if self.is_up(target, ts):
                mentions.append(target)
        draft = Draft(
            i,
            ts,
            assemble(body, urls=urls, mentions=[self.handle(m) for m in mentions], hashtags=tags),
            lang,
            "commentary",
            urls=tuple(urls),
            hashtags=tags_of(tags),
            mentions=tuple(mentions),
        )
        self.add(draft)
        self.peers.append(draft)

    def _hard_negative_reply(self, i: int, ts: int) -> None:
        target = self.network.originals.recent(ts, 2 * DAY, self.rng)
        if target is None or not self.is_up(target.author, ts):
            self._hard_negative_original(i, Role(self.roles[i - self.lo]), ts)
            return
        lang = "ar" if self.rng.random() < 0.2 else "en"
        self.reply(i, ts, target, *self.compose.render(t.HARD_NEGATIVE_REPLY, lang))

    def _hard_negative_quote(self, i: int, role: Role, ts: int) -> None:
        """Quote a threat or a release to condemn it: attention, not endorsement."""
        source = (
            self.network.threats
            if role != Role.RESEARCHER and self.rng.random() < 0.6
            else self.network.releases
        )
        target = source.recent(ts, 3 * DAY, self.rng)
        if target is None or not self.is_up(target.author, ts):
            self._hard_negative_original(i, role, ts)
            return
        body, lang = self.compose.render(
            t.HARD_NEGATIVE_QUOTE, "ar" if self.rng.random() < 0.2 else "en"
        )
        self.add(Draft(i, ts, body, lang, "quote", quote_of=target))

    # --- the brigade --------------------------------------------------------------------------
    def _brigade(self, i: int) -> None:
        target = self.plan.brigade_target
        mention = f"@{self.handle(target)}"
        body, lang = self.compose.render(t.BRIGADE, "en", target=mention)
        mentions = (target,) if mention in body else ()
        self.add(Draft(i, self.when(i), body, lang, "brigade", mentions=mentions))
