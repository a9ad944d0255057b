"""A worker in a process of its own, for the SIGKILL test: `python run_worker.py SPEC`, where
SPEC is JSON with the bus (conftest.Bus.spec), the store, and how slow each batch is made
(`slow`: seconds slept after the batch's records are written and before its effects, so a
kill lands mid-batch). Each batch appends "start" and "done" lines to the `status` file (its
store work begun and committed), and "committed N" once its N messages are acknowledged to
the broker: what the worker that takes over will not see again."""

from __future__ import annotations

import os
import sys
import time

import orjson

from cordon.enforce import Executor
from cordon.enforce.actuators import InternalActuator
from cordon.policy import default_policy
from cordon.store.sql import SqlStore
from cordon.stream.assess import LiveAssessor, Scored
from cordon.stream.worker import Done, Worker


class SlowAssessor(LiveAssessor):
    def __init__(self, *args, slow: float, status: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.slow = slow
        self.status = status

    def _note(self, what: str) -> None:
        with open(self.status, "a") as f:
            f.write(f"{what} {time.time():.3f}\n")

    def apply(self, scored: Scored):
        self._note("start")
        written = self.store.write_batch(scored.records.accounts, scored.records.posts,
                                         scored.records.interactions, scored.records.reports)
        del written
        time.sleep(self.slow)
        out = super().apply(scored)
        self._note("done")
        return out


class CountingWorker(Worker):
    def __init__(self, *args, status: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.status = status

    def _finish(self, done: Done) -> None:
        super()._finish(done)
        with open(self.status, "a") as f:
            f.write(f"committed {len(done.messages)}\n")


def main() -> None:
    spec = orjson.loads(sys.argv[1])
    options = {"connect_args": {"options": f"-csearch_path={spec['schema']}"}} if spec.get("schema") else {}
    store = SqlStore(spec["store"], engine_options=options)
    bus = spec["bus"]
    if bus["kind"] == "kafka":
        from cordon.stream.kafka import KafkaTransport

        transport = KafkaTransport(bus["address"], bus["topic"], bus["group"], results_topic=bus["results"],
                                   dead_letter_topic=bus["dead"], session_timeout_ms=bus["session_timeout_ms"])
    else:
        from cordon.stream.redis_streams import RedisTransport

        transport = RedisTransport(bus["address"], bus["topic"], bus["group"], f"proc-{os.getpid()}",
                                   results_stream=bus["results"], dead_letter_stream=bus["dead"])
    assessor = SlowAssessor(store, default_policy(), Executor(store, [InternalActuator(store)]),
                            slow=spec["slow"], status=spec["status"])
    CountingWorker(transport, assessor, batch_size=spec["batch"], max_in_flight=spec["batch"] * 2,
                   status=spec["status"]).run()


if __name__ == "__main__":
    main()
