"""A big twarc2 corpus, fast, for ingest benchmarks (memory at 1 GB, throughput).

A small world supplies a pool of realistic flattened tweets (threats, releases, everyday
chatter); the corpus is that pool re-stamped with fresh ids and times, tweet after tweet,
until it reaches the target size. Only the stamping and orjson run per tweet.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import orjson

from cordon.scenario import ids, seeds
from cordon.scenario.config import ScenarioConfig
from cordon.scenario.generate import generate
from cordon.scenario.twarc2 import flatten, twitter_time

_BLOCK = 4096
# Tweets per simulated second: the corpus's clock runs at this rate from the window's start.
_RATE = 40


@dataclass(frozen=True)
class CorpusStats:
    path: Path
    tweets: int
    bytes: int
    seconds: float
    # Of `seconds`, the time spent drawing the pool world before the first tweet.
    setup_seconds: float = 0.0

    @property
    def tweets_per_second(self) -> float:
        return self.tweets / self.seconds if self.seconds else 0.0

    @property
    def stream_rate(self) -> float:
        """Tweets per second once the pool is drawn: what a bigger corpus converges to."""
        streaming = self.seconds - self.setup_seconds
        return self.tweets / streaming if streaming > 0 else 0.0


def write_twarc2_corpus(
    path: str | Path, target_bytes: int, seed: int = 7, *, pool_accounts: int = 3_000
) -> CorpusStats:
    """Write flattened twarc2 tweets to `path` until it holds at least `target_bytes`."""
    began = time.perf_counter()
    path = Path(path)
    config = ScenarioConfig(seed=seed, accounts=pool_accounts)
    world = generate(config)
    by_id = {p.id: p for p in world.posts}
    pool = [flatten(p, world.account, by_id) for p in world.posts]
    setup = time.perf_counter() - began
    rng = seeds.numpy_rng(seed, seeds.CORPUS)
    start = config.start_ts
    written = tweets = 0
    stamp_ts, stamp = -1, ""
    dumps = orjson.dumps
    with path.open("wb", buffering=1 << 20) as out:
        while written < target_bytes:
            picks = rng.integers(0, len(pool), _BLOCK).tolist()
            lines = []
            for pick in picks:
                template = pool[pick]
                ts = start + tweets // _RATE
                if ts != stamp_ts:
                    stamp_ts, stamp = ts, twitter_time(ids.when(ts))
                tweet = dict(template)
                tweet["id"] = tweet_id = ids.post_id(ts, tweets)
                tweet["created_at"] = stamp
                if "in_reply_to_user_id" not in template:
                    tweet["conversation_id"] = tweet_id
                line = dumps(tweet)
                lines.append(line)
                tweets += 1
                written += len(line) + 1
                if written >= target_bytes:
                    break
            out.write(b"\n".join(lines) + b"\n")
    return CorpusStats(path, tweets, written, time.perf_counter() - began, setup)
