"""Ground truth: what every account really is, and which posts and reports are what.

Written to its own file (truth.json), never into the platform data: detectors must not see it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from cordon.ingest.fields import isoformat
from cordon.scenario.ids import when
from cordon.scenario.roles import LABELS, Role

if TYPE_CHECKING:
    from cordon.scenario.network import NetworkPosts
    from cordon.scenario.plan import Plan
    from cordon.scenario.reports import Reports


@dataclass
class GroundTruth:
    seed: int
    platform: str
    # account id -> "official", "hub", "supporter", "returning", "ordinary", "journalist",
    # "researcher", "counter_speech" or "brigade"
    roles: dict[str, str]
    # new account id -> id of the suspended account it replaces (itself possibly a returner)
    returning_of: dict[str, str]
    officials: list[str]
    hubs: list[str]
    # officials + hubs + supporters + returning: the accounts whose removal is right
    violating_accounts: list[str]
    # account id -> when the platform suspended it (ISO 8601), for every account suspended in
    # the snapshot: the network's, and a few spammers
    suspended_at: dict[str, str]
    threat_post_ids: list[str]
    # the subset of threats aimed at the platform's own employees
    staff_threat_post_ids: list[str]
    # original posts praising or spreading the group (releases, shares, allegiance, returns)
    support_post_ids: list[str]
    # threat and support posts written to dodge keyword filters
    obfuscated_post_ids: list[str]
    true_report_ids: list[str]
    false_report_ids: list[str]
    brigade_report_ids: list[str]
    brigade_target_id: str
    brigade_ids: list[str]
    # media hashes of the official releases, as a hash-sharing database would list them
    propaganda_media_hashes: list[str] = field(default_factory=list)

    def role_of(self, account_id: str) -> str:
        return self.roles[account_id]

    def with_role(self, role: str) -> list[str]:
        if role not in LABELS:
            raise ValueError(f"unknown role {role!r}; expected one of {', '.join(LABELS)}")
        return [a for a, r in self.roles.items() if r == role]

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(LABELS, 0)
        for role in self.roles.values():
            out[role] += 1
        return out

    def to_json(self) -> dict[str, Any]:
        # Shallow: asdict() would deep-copy a million-entry roles mapping.
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> GroundTruth:
        return cls(**obj)

    def save(self, path: Path) -> None:
        path.write_bytes(orjson.dumps(self.to_json()) + b"\n")

    @classmethod
    def load(cls, path: Path) -> GroundTruth:
        return cls.from_json(orjson.loads(path.read_bytes()))


def build_truth(
    plan: Plan, network: NetworkPosts, reports: Reports, *, with_roles: bool = True
) -> GroundTruth:
    """Truth for a drawn world. `with_roles=False` leaves `roles` empty, for writers that
    stream the (large) roles mapping with `save_streaming`."""

    def ident(i: int) -> str:
        return str(int(plan.ids[i]))

    labels = [r.label for r in Role]
    roles = {}
    if with_roles:
        roles = {
            str(i): labels[r] for i, r in zip(plan.ids.tolist(), plan.role.tolist(), strict=True)
        }
    network_members = np.flatnonzero(plan.role <= Role.RETURNING).tolist()
    return GroundTruth(
        seed=plan.config.seed,
        platform=plan.config.platform,
        roles=roles,
        returning_of={
            ident(i): ident(int(plan.original[i])) for i in plan.by_role[Role.RETURNING].tolist()
        },
        officials=[ident(i) for i in plan.by_role[Role.OFFICIAL].tolist()],
        hubs=[ident(i) for i in plan.by_role[Role.HUB].tolist()],
        violating_accounts=[ident(i) for i in network_members],
        suspended_at={
            ident(i): isoformat(when(int(plan.suspended_at[i])))
            for i in np.flatnonzero(plan.suspended_at > 0).tolist()
        },
        threat_post_ids=[d.id for d in network.threats.drafts],
        staff_threat_post_ids=[d.id for d in network.staff_threats],
        support_post_ids=[d.id for d in network.support],
        obfuscated_post_ids=[d.id for d in network.obfuscated],
        true_report_ids=reports.true_ids,
        false_report_ids=reports.false_ids,
        brigade_report_ids=reports.brigade_ids,
        brigade_target_id=ident(plan.brigade_target),
        brigade_ids=[ident(i) for i in plan.by_role[Role.BRIGADE].tolist()],
        propaganda_media_hashes=network.release_media,
    )


_EMPTY_ROLES = b'"roles":{}'


def save_streaming(path: Path, truth: GroundTruth, roles: Iterator[bytes]) -> None:
    """Write `truth` as GroundTruth.save would, with its roles mapping given in pieces
    (b'"id":"role"' entries joined by commas) instead of held in memory."""
    assert not truth.roles
    body = orjson.dumps(truth.to_json())
    head, tail = body.split(_EMPTY_ROLES, 1)
    with path.open("wb") as out:
        out.write(head + b'"roles":{')
        first = True
        for piece in roles:
            if piece:
                out.write(piece if first else b"," + piece)
                first = False
        out.write(b"}" + tail + b"\n")


def role_pieces(plan: Plan, step: int = 65_536) -> Iterator[bytes]:
    """The roles mapping of a plan as JSON pieces for save_streaming, `step` accounts each."""
    labels = [r.label for r in Role]
    for lo in range(0, plan.n, step):
        ids = plan.ids[lo : lo + step].tolist()
        roles = plan.role[lo : lo + step].tolist()
        yield ",".join(f'"{i}":"{labels[r]}"' for i, r in zip(ids, roles, strict=True)).encode()
