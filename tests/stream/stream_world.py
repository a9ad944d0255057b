"""A small world for the stream tests, as the messages a platform would publish: a seeded
scenario (tests/scenario's generator), trimmed so one pass takes a second or two, yet with
threats, extremist support and user reports in it, so cases open and reports get logged."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from cordon.ingest.native import to_json
from cordon.scenario import ScenarioConfig, stream
from cordon.scenario.writer import post_lines
from cordon.stream.envelope import encode_line

POSTS_PER_AUTHOR = 3
FOLLOWS = 300


@lru_cache(maxsize=1)
def world_lines() -> tuple[dict, ...]:
    s = stream(ScenarioConfig(seed=11, accounts=500))
    lines = [to_json(a) for a in s.iter_accounts()]
    per_author: Counter[str] = Counter()
    follows = 0
    for batch in s.batches():
        for line in post_lines(batch):
            per_author[line["author_id"]] += 1
            if per_author[line["author_id"]] <= POSTS_PER_AUTHOR:
                lines.append(line)
        for f in batch.follows:
            if follows < FOLLOWS:
                lines.append(to_json(f))
                follows += 1
    lines += [to_json(r) for r in s.reports]
    return tuple(lines)


def world_messages() -> list[tuple[bytes, bytes]]:
    return [encode_line(line) for line in world_lines()]
