"""Big worlds stream: memory stays flat while the output grows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from cordon.ingest import native
from cordon.scenario import ScenarioConfig, stream
from cordon.scenario.generate import FollowColumns

# Runs the CLI in a child and has it report its own peak (VmHWM: the high-water mark of the
# memory it mapped after exec, unlike ru_maxrss, which counts the forked test process too).
_CHILD = """
import sys
from cordon.scenario.__main__ import main
main(sys.argv[1:])
print(next(line for line in open("/proc/self/status") if line.startswith("VmHWM")))
"""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_100k_accounts_stream_in_bounded_memory(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp_path), "--accounts", "100000"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    peak_mb = int(done.stdout.split("VmHWM:")[1].split()[0]) / 1024
    assert peak_mb < 300, done.stdout
    accounts = 0
    with (tmp_path / "platform.jsonl").open("rb") as lines:
        for line in lines:
            obj = orjson.loads(line)
            if obj["type"] == "account":
                accounts += 1
            elif accounts and obj["type"] == "interaction":
                list(native.parse(obj))
                break
    assert accounts == 100_000


def test_chunks_are_independent_of_each_other() -> None:
    """Drawing the follows of one chunk does not depend on having drawn the others, which is
    what lets the degree count and the writer draw them separately."""
    world = stream(ScenarioConfig(accounts=2_000, chunk_size=500))
    first = [world.sampler.edges(c) for c in range(world.chunks)]
    again = [world.sampler.edges(c) for c in reversed(range(world.chunks))][::-1]
    for a, b in zip(first, again, strict=True):
        assert all((x == y).all() for x, y in zip(a, b, strict=True))
    batch = next(world.batches())
    assert isinstance(batch.follow_columns, FollowColumns)
    assert len(batch.follows) == len(batch.follow_columns.ts)


def test_cli_writes_either_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cordon.scenario.__main__ import main

    assert main([str(tmp_path / "n"), "--accounts", "1000"]) == 0
    assert main([str(tmp_path / "t"), "--accounts", "1000", "--format", "twarc2"]) == 0
    assert "1,000 accounts" in capsys.readouterr().out
    lists = {"known-media.csv", "propaganda-hosts.txt"}
    assert {p.name for p in (tmp_path / "n").iterdir()} == {"platform.jsonl", "truth.json"} | lists
    assert {p.name for p in (tmp_path / "t").iterdir()} == {
        "tweets.jsonl",
        "follows.csv",
        "reports.jsonl",
        "truth.json",
    } | lists
    assert main([str(tmp_path / "x"), "--accounts", "10"]) == 2  # a ConfigError, one line
    assert "accounts must be within" in capsys.readouterr().err
