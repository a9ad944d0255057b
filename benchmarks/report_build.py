"""How long the transparency report takes on a large moderation log.

Writes a synthetic log (default 1,000,000 events: cases from detection and from reports,
decisions, suspensions, appeals with overturns and reinstatements, watch holds, blocked
suspensions, escalations and evidence preservation) for one account per story, then times:
reading the log alone, build_report (one pass over the log, plus accounts and counts), and
rendering the HTML with its charts and the CSV.

    .venv/bin/python benchmarks/report_build.py [--events 1000000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import machine, postgres_schema

from cordon.domain import Account, EventName, ModerationEvent, SubjectRef
from cordon.reports import build_report
from cordon.reports.html import write_report
from cordon.store.sql import SqlStore

E = EventName
START = datetime(2016, 1, 1, tzinfo=UTC)
QUEUES = ("threats", "media", "extremism", "evasion")


def story(rng: random.Random, i: int) -> list[ModerationEvent]:
    """One account's history, about 6 events on average."""
    who = SubjectRef.account("bench", str(i))
    case = f"c{i}"
    t0 = START + timedelta(minutes=rng.randrange(365 * 24 * 60))

    def ev(name: EventName, hours: float, **payload) -> ModerationEvent:
        return ModerationEvent(name, "bench", t0 + timedelta(hours=hours), who, case_id=case, payload=payload)

    queue = rng.choice(QUEUES)
    out: list[ModerationEvent] = []
    source = "detection" if rng.random() < 0.8 else "reports"
    if source == "reports":
        out.append(ev(E.REPORT_RECEIVED, -rng.uniform(0, 48), report_id=f"r{i}"))
    out.append(ev(E.CASE_OPENED, 0, queue=queue, source=source, policy_clause=f"rule-{queue}", priority=1.0))
    out.append(ev(E.ASSIGNED, rng.uniform(0, 2), assignee="mod"))
    decided = rng.uniform(0.1, 72)
    if rng.random() < 0.03:  # a hold: the suspension is refused, the account watched
        out.append(ev(E.WATCH_PLACED, decided, hold_id=f"h{i}", requesting_body=rng.choice(("FBI", "Europol")),
                      expires=(t0 + timedelta(days=rng.randrange(10, 200))).isoformat()))
        out.append(ev(E.ACTION_BLOCKED, decided + 0.1, action="suspend", why=f"watch hold h{i}"))
        if rng.random() < 0.3:
            out.append(ev(E.WATCH_LIFTED, decided + 24 * rng.randrange(1, 30), hold_id=f"h{i}"))
        return out
    if rng.random() < 0.25:
        out.append(ev(E.DECIDED, decided, decision="no_action", policy_clause=""))
        return out
    out.append(ev(E.DECIDED, decided, decision="suspend", policy_clause=f"rule-{queue}"))
    out.append(ev(E.ACTION_EXECUTED, decided + 0.01, action="suspend", policy_clause=f"rule-{queue}",
                  idempotency_key=f"k{i}"))
    if rng.random() < 0.02:
        out.append(ev(E.ESCALATED, decided + 0.02, queue="escalations"))
        out.append(ev(E.EVIDENCE_PRESERVED, decided + 0.03, manifest_sha256="0" * 64))
    if rng.random() < 0.08:
        out.append(ev(E.APPEALED, decided + 24, appellant=str(i)))
        overturn = rng.random() < 0.3
        out.append(ev(E.DECIDED, decided + 48, decision="overturn" if overturn else "uphold"))
        if overturn:
            out.append(ev(E.ACTION_EXECUTED, decided + 48.01, action="reinstate", idempotency_key=f"k{i}r"))
    return out


def synthetic_log(n_events: int, seed: int = 7) -> Iterator[tuple[int, list[ModerationEvent]]]:
    """(accounts so far, a batch of events) until n_events are written."""
    rng = random.Random(seed)
    batch: list[ModerationEvent] = []
    written = i = 0
    while written < n_events:
        events = story(rng, i)[: n_events - written]
        batch += events
        written += len(events)
        i += 1
        if len(batch) >= 20_000 or written >= n_events:
            yield i, batch
            batch = []


def run(store: SqlStore, n_events: int, out: Path) -> None:
    began = time.perf_counter()
    accounts = 0
    for accounts, batch in synthetic_log(n_events):
        store.append_events(batch)
    store.upsert_accounts([Account("bench", str(i), f"u{i}") for i in range(accounts)])
    print(f"  wrote {n_events:,} events on {accounts:,} accounts in {time.perf_counter() - began:.1f} s")

    began = time.perf_counter()
    read = sum(1 for _ in store.events())
    print(f"  read the log alone: {time.perf_counter() - began:.2f} s ({read:,} events)")
    began = time.perf_counter()
    held = sum(1 for _ in store.accounts())
    print(f"  read the accounts alone: {time.perf_counter() - began:.2f} s ({held:,} accounts)")
    began = time.perf_counter()
    report = build_report(store)
    built = time.perf_counter() - began
    print(f"  build_report: {built:.2f} s ({read / built:,.0f} events/s)")
    began = time.perf_counter()
    write_report(report, out / "report.html", out / "report.csv")
    print(f"  HTML (charts) and CSV: {time.perf_counter() - began:.2f} s")
    ttl = report.log.time_to_action
    print(f"  figures: actions {dict(report.actions)}, proactive {report.proactive_share:.3f}, "
          f"time to action median {ttl.median:.1f} h p90 {ttl.p90:.1f} h, "
          f"overturn rate {report.log.appeals.overturn_rate:.3f}, holds active {report.log.watch.active}")
    print(f"  peak memory (process so far): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=None, help="Also run on this PostgreSQL (a fresh schema).")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        with SqlStore(f"sqlite:///{Path(tmp) / 'bench.sqlite'}") as store:
            print("sqlite")
            run(store, args.events, Path(tmp))
        if args.postgres:
            with postgres_schema(args.postgres) as options, SqlStore(args.postgres, engine_options=options) as store:
                print("postgres")
                run(store, args.events, Path(tmp))


if __name__ == "__main__":
    main()
