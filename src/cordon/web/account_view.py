"""Everything the account view shows, read with a fixed number of queries: the profile, its
posts with evidence spans, matched media, reports, the event history, the network around it
and the accounts it may be a return of."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from cordon.domain import Account, AccountRisk, Evidence, ModerationEvent, Post, Report, SubjectRef
from cordon.store import Store
from cordon.web import graph_view
from cordon.web.highlight import Segment, segments
from cordon.web.liaison import LiaisonRecords, records

#: Shown at most per account; the newest are kept.
MAX_POSTS = 200
MAX_REPORTS = 100
MAX_EVENTS = 300
#: Edges read around the account for the picture.
MAX_EDGES = 400
_HEX = re.compile(r"^[0-9a-f]{32,64}$")


@dataclass(frozen=True, slots=True)
class ShownPost:
    post: Post
    text: list[Segment]
    evidence: list[Evidence]


@dataclass(frozen=True, slots=True)
class MediaMatch:
    """A matched picture: its hash and distance, never the remote file. `local` is set when
    the app holds a copy (served blurred, revealed on click)."""

    post_id: str
    hash: str
    distance: Any
    list_name: str
    label: str
    local: bool


@dataclass
class AccountView:
    account: Account
    risk: AccountRisk | None
    posts: list[ShownPost] = field(default_factory=list)
    bio: list[Segment] = field(default_factory=list)
    media: list[MediaMatch] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    events: list[ModerationEvent] = field(default_factory=list)
    picture: graph_view.Picture | None = None
    predecessors: list[tuple[str, float, str]] = field(default_factory=list)
    other_evidence: list[Evidence] = field(default_factory=list)
    # Watch holds in force, preserved evidence and LE packets, from the account's events.
    liaison: LiaisonRecords = field(default_factory=lambda: LiaisonRecords([], [], []))


def media_path(media_dir: Path, digest: str) -> Path | None:
    """The app's own copy of a matched picture, if it holds one (DATA_DIR/media/<hash>.png)."""
    if not _HEX.match(digest):
        return None
    path = media_dir / f"{digest}.png"
    return path if path.is_file() else None


def account_view(store: Store, ref: SubjectRef, media_dir: Path, now: datetime | None = None) -> AccountView | None:
    account = store.get_account(ref)
    if account is None:
        return None
    risks = store.risks(accounts=[ref])
    risk = risks[0] if risks else None
    view = AccountView(account, risk)
    by_subject: dict[SubjectRef, list[Evidence]] = {}
    for e in risk.evidence if risk else ():
        by_subject.setdefault(e.subject, []).append(e)
    posts = list(store.posts(author=ref))[-MAX_POSTS:]
    for post in reversed(posts):
        evidence = by_subject.pop(post.ref, [])
        spans = [s for e in evidence for s in e.spans]
        view.posts.append(ShownPost(post, segments(post.text, spans), evidence))
        for e in evidence:
            if "hash" in e.detail and "distance" in e.detail:
                digest = str(e.detail["hash"])
                view.media.append(MediaMatch(
                    post.id, digest, e.detail.get("distance"), str(e.detail.get("list", "")),
                    str(e.detail.get("label", "")), media_path(media_dir, digest) is not None,
                ))
    own = by_subject.pop(ref, [])
    view.bio = segments(account.bio, [s for e in own if e.signal.startswith("text") for s in e.spans])
    for e in own + [e for rest in by_subject.values() for e in rest]:
        if e.signal == "evasion.returning":
            view.predecessors.append((str(e.detail.get("candidate", "")), e.score, e.summary))
        else:
            view.other_evidence.append(e)
    view.reports = list(islice(store.reports(subject=ref), MAX_REPORTS))
    events = list(store.events(subject=ref))
    view.events = events[-MAX_EVENTS:]
    # From every event, not the shown tail: a hold placed long ago may still be in force.
    view.liaison = records(events, now or datetime.now(UTC))
    edges = list(store.neighbourhood([ref], hops=1, limit=MAX_EDGES))
    # The neighbours' profiles in one query (a chunk at a time), never one lookup each.
    accounts = store.get_accounts(graph_view.neighbours(ref, edges))
    view.picture = graph_view.layout(account, edges, accounts)
    return view
