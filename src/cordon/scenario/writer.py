"""Writing a world to disk: platform.jsonl (the native format) or twarc2 files, and truth.json.

The platform file holds accounts, then posts, then follows, then reports. Posts carry their
reposts, quotes, replies and mentions (native.parse derives those edges), so only follows
are written as interaction records. Follows of a streamed world are spooled to a temporary
file beside the output and appended after the last post, so one pass suffices.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import orjson

from cordon.domain import Report
from cordon.ingest.native import to_json
from cordon.scenario.generate import Batch, Scenario, ScenarioStream, reference_authors

FORMATS = ("native", "twarc2")
_BUFFER = 1 << 20
_FOLLOW_BLOCK = 16_384


@dataclass(frozen=True)
class ScenarioFiles:
    directory: Path
    truth: Path
    # native: every record in one file
    platform: Path | None = None
    # twarc2: flattened tweets, follows as CSV, reports in the native format
    tweets: Path | None = None
    follows: Path | None = None
    reports: Path | None = None
    # What the platform's safety team holds from outside: the industry's hash list of the
    # network's official releases, and its own list of the hosts the network relies on.
    media_list: Path | None = None
    link_list: Path | None = None

    @property
    def data(self) -> list[Path]:
        """The files a detector may read (everything but truth)."""
        return [
            p for p in (self.platform, self.tweets, self.follows, self.reports) if p is not None
        ]


def write_scenario(
    scenario: Scenario | ScenarioStream, directory: str | Path, *, fmt: str = "native"
) -> ScenarioFiles:
    """Write `scenario` into `directory` (made if missing). Same scenario, same bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    truth = directory / "truth.json"
    scenario.save_truth(truth)
    lists = write_lists(scenario, directory)
    if fmt == "twarc2":
        from cordon.scenario.twarc2 import write_twarc2

        tweets, follows, reports = write_twarc2(scenario, directory)
        return ScenarioFiles(directory, truth, tweets=tweets, follows=follows, reports=reports, **lists)
    platform = directory / "platform.jsonl"
    spool = directory / ".platform.follows.tmp"
    try:
        with (
            platform.open("wb", buffering=_BUFFER) as out,
            spool.open("wb", buffering=_BUFFER) as later,
        ):
            _write_lines(out, (to_json(a) for a in scenario.iter_accounts()))
            for batch in scenario.batches():
                _write_lines(out, post_lines(batch))
                write_follows(later, batch)
            later.flush()
            with spool.open("rb") as follows:
                shutil.copyfileobj(follows, out, _BUFFER)
            write_reports(out, scenario.reports)
    finally:
        spool.unlink(missing_ok=True)
    return ScenarioFiles(directory, truth, platform=platform, **lists)


# Hosts the network kept its releases on. Not archive.org, Telegram or Mediafire: researchers
# and ordinary users link those all day, and a host entry would flag them all.
PROPAGANDA_HOSTS = ("justpaste.it", "dump.to", "sendvid.com", "gulfup.com", "addpost.it")


def write_lists(scenario: Scenario | ScenarioStream, directory: Path) -> dict[str, Path]:
    """known-media.csv (an HMA-style bank export) and propaganda-hosts.txt."""
    media = directory / "known-media.csv"
    with media.open("w", encoding="utf-8", newline="\n") as out:
        out.write("signal_type,signal_value,label\n")
        out.writelines(f"pdq,{h},official release\n" for h in scenario.release_media)
    hosts = directory / "propaganda-hosts.txt"
    hosts.write_text("".join(f"{h} paste site or file locker\n" for h in PROPAGANDA_HOSTS), encoding="utf-8")
    return {"media_list": media, "link_list": hosts}


def post_lines(batch: Batch) -> Iterable[dict]:
    referenced = batch.referenced
    authors = {post_id: post.author_id for post_id, post in referenced.items()}
    for post in batch.posts:
        line = to_json(post)
        line.update(reference_authors(post, authors))
        yield line


def write_follows(out: BinaryIO, batch: Batch) -> None:
    """Follow records: from columns, formatted directly (a million accounts have ~15 million
    follows); else through to_json. Both give the same bytes; the tests hold them to it."""
    cols = batch.follow_columns
    if cols is None:
        _write_lines(out, (to_json(f) for f in batch.follows))
        return
    if not len(cols.ts):
        return
    head = (
        '{"type":"interaction","platform":'
        + orjson.dumps(batch.platform).decode()
        + ',"kind":"follow","source_id":"'
    )
    # In blocks, so the text of a chunk's ~150,000 follows never sits in memory at once.
    for lo in range(0, len(cols.ts), _FOLLOW_BLOCK):
        block = slice(lo, lo + _FOLLOW_BLOCK)
        times = np.datetime_as_string(cols.ts[block].astype("datetime64[s]"), unit="s").tolist()
        text = "".join(
            f'{head}{s}","target_id":"{t}","created_at":"{w}Z","post_id":null,"weight":1.0}}\n'
            for s, t, w in zip(
                cols.source[block].tolist(), cols.target[block].tolist(), times, strict=True
            )
        )
        out.write(text.encode())


def write_reports(out: BinaryIO, reports: Iterable[Report]) -> None:
    _write_lines(out, (to_json(r) for r in reports))


def _write_lines(out: BinaryIO, objs: Iterable[dict]) -> None:
    dumps = orjson.dumps
    block: list[bytes] = []
    for obj in objs:
        block.append(dumps(obj))
        if len(block) >= 4096:
            out.write(b"\n".join(block) + b"\n")
            block.clear()
    if block:
        out.write(b"\n".join(block) + b"\n")
