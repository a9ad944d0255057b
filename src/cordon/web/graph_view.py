"""The network around an account, laid out for a server-drawn SVG: the account in the
middle, its neighbours on a ring, each marked seed (suspended), hub or watched. Only
coordinates and classes are computed here; the template draws them, escaping every name."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from cordon.domain import Account, AccountStatus, Interaction, SubjectRef

WIDTH, HEIGHT = 640, 420
#: Neighbours drawn at most: beyond it the picture stops being readable.
MAX_NODES = 24
#: A neighbour this many others in the picture endorse (follow, repost, quote) is a hub.
HUB_DEGREE = 3


@dataclass(frozen=True, slots=True)
class Node:
    ref: SubjectRef
    label: str
    x: float
    y: float
    marks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    kind: str


@dataclass(frozen=True, slots=True)
class Picture:
    nodes: list[Node]
    edges: list[Edge]
    width: int = WIDTH
    height: int = HEIGHT


def neighbours(center: SubjectRef, edges: list[Interaction]) -> list[SubjectRef]:
    """The accounts the edges reach, most connected to the centre first, at most MAX_NODES."""
    weight: Counter[SubjectRef] = Counter()
    for e in edges:
        for ident in (e.source_id, e.target_id):
            ref = SubjectRef.account(e.platform, ident)
            if ref != center:
                weight[ref] += 1
    return [ref for ref, _ in weight.most_common(MAX_NODES)]


def layout(center: Account, edges: list[Interaction], accounts: dict[SubjectRef, Account]) -> Picture:
    shown = [center.ref, *neighbours(center.ref, edges)]
    endorsed: Counter[SubjectRef] = Counter()
    for e in edges:
        if e.kind.is_endorsement:
            endorsed[SubjectRef.account(e.platform, e.target_id)] += 1
    cx, cy, radius = WIDTH / 2, HEIGHT / 2, min(WIDTH, HEIGHT) / 2 - 40
    places: dict[SubjectRef, tuple[float, float]] = {center.ref: (cx, cy)}
    ring = shown[1:]
    for i, ref in enumerate(ring):
        angle = 2 * math.pi * i / max(1, len(ring)) - math.pi / 2
        places[ref] = (round(cx + radius * math.cos(angle), 1), round(cy + radius * math.sin(angle), 1))
    nodes = []
    for ref in shown:
        account = accounts.get(ref) or (center if ref == center.ref else None)
        marks = ["center"] if ref == center.ref else []
        if account is not None and account.status is AccountStatus.SUSPENDED:
            marks.append("seed")
        if account is not None and account.status is AccountStatus.WATCHED:
            marks.append("watched")
        if endorsed[ref] >= HUB_DEGREE:
            marks.append("hub")
        label = "@" + account.handle if account is not None else ref.id
        nodes.append(Node(ref, label[:24], *places[ref], tuple(marks)))
    lines = []
    seen = set()
    for e in edges:
        a = SubjectRef.account(e.platform, e.source_id)
        b = SubjectRef.account(e.platform, e.target_id)
        if a in places and b in places and (a, b, e.kind) not in seen:
            seen.add((a, b, e.kind))
            lines.append(Edge(*places[a], *places[b], e.kind.value))
    return Picture(nodes, lines)
