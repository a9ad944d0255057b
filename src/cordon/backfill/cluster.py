"""The Dask distributed adapter: the only module that imports dask or distributed.

A Cluster is a client on an existing scheduler (production: `tcp://host:8786`) or on a
LocalCluster it starts and stops itself (a laptop, the tests). The rest of the backfill code
sees two operations: share an object with every worker once, and run one function over many
jobs, getting each result back as soon as it is done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from cordon.errors import ConfigError

#: Seconds the driver waits for an existing scheduler to answer.
CONNECT_TIMEOUT = 10.0


class Shared:
    """An object every worker holds a copy of (scattered once, not sent with each job)."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle


class Cluster:
    """A connection to Dask workers, used as a context manager.

    `scheduler` is an address (tcp://host:8786) of a scheduler someone else runs; without it a
    LocalCluster of `workers` workers starts here, one thread each: the models hold the GIL,
    so a worker process per core is what runs in parallel. `processes=False` runs the workers
    as threads of this process instead: it starts in a few hundredths of a second rather
    than about one second (measured here), which suits tests, and scores on one core."""

    def __init__(
        self, scheduler: str | None = None, workers: int = 2, *, processes: bool = True,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        if scheduler is None and workers < 1:
            raise ConfigError(f"a local cluster needs at least 1 worker, not {workers}")
        self.scheduler = scheduler
        self._workers = workers
        self._processes = processes
        self._timeout = connect_timeout
        self._local: Any = None
        self._client: Any = None

    def __enter__(self) -> Cluster:
        from distributed import Client, LocalCluster

        if self.scheduler is None:
            self._local = LocalCluster(
                n_workers=self._workers, threads_per_worker=1, processes=self._processes,
                dashboard_address=None, silence_logs=logging.ERROR,
            )
            self._client = Client(self._local)
            return self
        try:
            self._client = Client(self.scheduler, timeout=self._timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ConfigError(f"no Dask scheduler answers at {self.scheduler}: {exc}") from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
        if self._local is not None:
            self._local.close()
        self._client = self._local = None

    @property
    def workers(self) -> int:
        """Workers connected now."""
        return len(self._client.scheduler_info(n_workers=-1)["workers"])

    @property
    def address(self) -> str:
        """The scheduler's address, for logs and for other clients."""
        return self._client.scheduler.address

    def share(self, obj: Any) -> Shared:
        return Shared(self._client.scatter(obj, broadcast=True, hash=False))

    def run(
        self, fn: Callable[..., Any], jobs: Sequence[tuple[Any, ...]], shared: Sequence[Shared] = (),
    ) -> Iterator[tuple[int, Any]]:
        """fn(*shared, *job) for each job, on the workers; yields (index of the job, result)
        in the order they finish. The jobs are submitted before this returns, so the caller
        may work on something else while they run. A job that raises raises here, with its
        own exception; a worker that dies has its jobs run again on the others (Dask's own
        retry)."""
        handles = [s.handle for s in shared]
        # pure=False: two jobs with equal arguments are still two jobs.
        futures = [self._client.submit(fn, *handles, *job, pure=False) for job in jobs]
        return _as_completed(futures)


def _as_completed(futures: list[Any]) -> Iterator[tuple[int, Any]]:
    from distributed import as_completed

    index = {f.key: i for i, f in enumerate(futures)}
    for future in as_completed(futures):
        result = future.result()
        future.release()  # the result lives here now; the workers may drop it
        yield index[future.key], result
