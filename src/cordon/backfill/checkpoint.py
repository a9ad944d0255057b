"""The checkpoint of a backfill run: which partitions are finished, so that a run cut short
(a crash, a SIGKILL, a lost driver) resumes where it stopped.

One JSON-lines file per run under DATA_DIR/backfill/, named by the run id. The first line
says what the run is (its kind, the partition count, and what its results depend on: the
store, the model); then one line per finished partition, appended and fsynced only after the
partition's results are in the store. A partition whose results were written but whose line
was not is done again on resume, which writes the same rows: a risk is replaced in place.
A file, not a table: the checkpoint needs no migration, and the driver is its only writer.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from cordon.errors import ConfigError, InputError

_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def checkpoint_dir(data_dir: Path) -> Path:
    return data_dir / "backfill"


def _check_run_id(run_id: str) -> str:
    if not _RUN_ID.match(run_id):
        raise InputError(f"bad run id {run_id!r}: letters, digits, '.', '_' and '-', at most 64")
    return run_id


class Checkpoint:
    """One run's record of finished partitions. Create it with start() or resume()."""

    def __init__(self, path: Path, run_id: str, kind: str, partitions: int, done: set[int], finished: bool) -> None:
        self.path = path
        self.run_id = run_id
        self.kind = kind
        self.partitions = partitions
        self.done = done
        self.finished = finished

    @classmethod
    def start(cls, folder: Path, kind: str, partitions: int, params: Mapping[str, str]) -> Checkpoint:
        """A new run, with a fresh id (the kind, the UTC time and a random suffix)."""
        folder.mkdir(parents=True, exist_ok=True)
        run_id = f"{kind}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
        path = folder / f"{run_id}.jsonl"
        header = {"run": run_id, "kind": kind, "partitions": partitions, "params": dict(params),
                  "started": datetime.now(UTC).isoformat()}
        with path.open("x", encoding="utf-8") as f:
            _write_line(f, header)
        return cls(path, run_id, kind, partitions, set(), False)

    @classmethod
    def resume(cls, folder: Path, run_id: str, kind: str, params: Mapping[str, str]) -> Checkpoint:
        """The run `run_id` as far as it got. It must be of the same kind and depend on the
        same things (`params`): resuming on another store or model would mix two results."""
        path = folder / f"{_check_run_id(run_id)}.jsonl"
        if not path.is_file():
            raise InputError(f"no backfill run {run_id!r} in {folder}")
        lines = _complete_lines(path)
        try:
            header = json.loads(lines[0])
        except (IndexError, ValueError):
            raise InputError(f"{path}: not a backfill checkpoint") from None
        if header.get("kind") != kind:
            raise ConfigError(f"run {run_id} is a {header.get('kind')} run, not {kind}")
        changed = sorted(k for k in set(params) | set(header["params"]) if params.get(k) != header["params"].get(k))
        if changed:
            raise ConfigError(f"run {run_id} was started with another {', '.join(changed)}: "
                              "resume it with the same ones, or start a new run")
        done: set[int] = set()
        finished = False
        for line in lines[1:]:
            record = json.loads(line)
            if "done" in record:
                done.add(int(record["done"]))
            finished = finished or "finished" in record
        return cls(path, run_id, kind, int(header["partitions"]), done, finished)

    def mark_done(self, partition: int, **counts: int) -> None:
        """Record a partition as finished: call it after its results are committed."""
        with self.path.open("a", encoding="utf-8") as f:
            _write_line(f, {"done": partition, **counts})
        self.done.add(partition)

    def finish(self) -> None:
        with self.path.open("a", encoding="utf-8") as f:
            _write_line(f, {"finished": datetime.now(UTC).isoformat()})
        self.finished = True

    @property
    def pending(self) -> list[int]:
        return [p for p in range(self.partitions) if p not in self.done]


def _write_line(f, record: dict) -> None:
    f.write(json.dumps(record, sort_keys=True) + "\n")
    f.flush()
    os.fsync(f.fileno())


def _complete_lines(path: Path) -> list[str]:
    """The file's complete lines. A line cut off by a crash mid-write is dropped from the
    file too, so the next line appended starts on a line of its own."""
    data = path.read_bytes()
    cut = data.rfind(b"\n") + 1
    if cut < len(data):
        with path.open("r+b") as f:
            f.truncate(cut)
    return [line for line in data[:cut].decode("utf-8").splitlines() if line.strip()]
