"""User reports: true ones against threats and the network, false ones against ordinary
users, and a brigade of fresh accounts mass-reporting one journalist."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cordon.domain import Report, SubjectRef
from cordon.scenario import ids, seeds
from cordon.scenario import texts as t
from cordon.scenario.network import NetworkPosts
from cordon.scenario.plan import DAY, HOUR, Plan, brigade_start
from cordon.scenario.roles import Role


@dataclass
class Reports:
    reports: list[Report]  # by time
    true_ids: list[str]
    false_ids: list[str]
    brigade_ids: list[str]


@dataclass(slots=True)
class _Draft:
    ts: int
    reporter: int
    subject: SubjectRef
    reason: str
    text: str
    kind: str  # "true", "false" or "brigade"


def make_reports(plan: Plan, network: NetworkPosts) -> Reports:
    config = plan.config
    rng = seeds.python_rng(config.seed, seeds.REPORTS)
    platform = config.platform
    end = config.end_ts
    # Reporters: people who were up when they reported.
    pool = np.concatenate(
        [
            plan.by_role[Role.ORDINARY],
            plan.by_role[Role.COUNTER_SPEECH],
            plan.by_role[Role.JOURNALIST],
        ]
    ).tolist()
    ordinary = plan.by_role[Role.ORDINARY].tolist()
    drafts: list[_Draft] = []

    def reporter_at(ts: int, exclude: int = -1) -> int | None:
        for _ in range(10):
            who = pool[int(rng.random() * len(pool))]
            if (
                who != exclude
                and plan.created[who] < ts
                and (not plan.suspended_at[who] or ts < plan.suspended_at[who])
            ):
                return who
        return None

    for threat in network.threats.drafts:
        if rng.random() >= config.threat_report_share:
            continue
        for _ in range(rng.randint(1, 3)):
            ts = int(threat.ts + rng.expovariate(1 / (6 * HOUR)))
            who = reporter_at(ts)
            if ts < end and who is not None:
                drafts.append(
                    _Draft(
                        ts,
                        who,
                        SubjectRef.post(platform, threat.id),
                        "violent_threat",
                        rng.choice(t.REPORT_TEXT["violent_threat"]),
                        "true",
                    )
                )

    for role, share in (
        (Role.HUB, 0.5),
        (Role.SUPPORTER, config.account_report_share),
        (Role.RETURNING, config.account_report_share),
        (Role.OFFICIAL, 0.6),
    ):
        for account in plan.by_role[role].tolist():
            if rng.random() >= share:
                continue
            lo, hi = plan.window(account)
            for _ in range(rng.randint(1, 2)):
                ts = rng.randrange(lo, hi)
                who = reporter_at(ts)
                if who is not None:
                    drafts.append(
                        _Draft(
                            ts,
                            who,
                            SubjectRef.account(platform, plan.id_of(account)),
                            "terrorism",
                            rng.choice(t.REPORT_TEXT["terrorism"]),
                            "true",
                        )
                    )

    # False reports: grudges and misclicks against people who broke no rule.
    for _ in range(max(3, round(config.accounts * config.false_report_rate))):
        subject = ordinary[int(rng.random() * len(ordinary))]
        lo, hi = plan.window(subject)
        ts = rng.randrange(lo, hi)
        who = reporter_at(ts, exclude=subject)
        if who is not None:
            reason = rng.choice(("spam", "hate", "other", "terrorism", "violent_threat"))
            drafts.append(
                _Draft(
                    ts,
                    who,
                    SubjectRef.account(platform, plan.id_of(subject)),
                    reason,
                    rng.choice(t.REPORT_TEXT["false"]),
                    "false",
                )
            )

    # The brigade: made within three days, then all report the same journalist in a burst.
    target = SubjectRef.account(platform, plan.id_of(plan.brigade_target))
    burst = brigade_start(config) + 3 * DAY
    for account in plan.by_role[Role.BRIGADE].tolist():
        for _ in range(rng.randint(1, 2)):
            ts = max(int(plan.created[account]) + HOUR, burst + rng.randrange(0, 3 * DAY))
            reason = rng.choices(("terrorism", "violent_threat", "hate"), (0.6, 0.25, 0.15))[0]
            drafts.append(
                _Draft(
                    min(ts, end - 1),
                    account,
                    target,
                    reason,
                    rng.choice(t.BRIGADE_REPORT_TEXT),
                    "brigade",
                )
            )

    drafts.sort(key=lambda d: (d.ts, d.reporter, d.kind))
    out = Reports([], [], [], [])
    lists = {"true": out.true_ids, "false": out.false_ids, "brigade": out.brigade_ids}
    for serial, d in enumerate(drafts):
        report = Report(
            platform=platform,
            id=ids.report_id(serial),
            reporter_id=plan.id_of(d.reporter),
            subject=d.subject,
            reason=d.reason,
            text=d.text,
            created_at=ids.when(d.ts),
        )
        out.reports.append(report)
        lists[d.kind].append(report.id)
    return out
