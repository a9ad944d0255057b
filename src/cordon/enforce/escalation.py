"""Law-enforcement escalation: a credible threat goes to an agency as a packet, JSON for their
systems and HTML for people (printable; a PDF is the browser's "print to PDF", since no PDF
library ships with cordon).

The packet holds the account, its threatening posts with the spans that make them threats,
its risk, the user reports against it, a timeline, and the SHA-256 of the manifest of the
evidence preserved with it, so the agency can check the snapshot it receives is the one
the packet describes. The HTML is rendered with autoescaping (every name, bio and post is
hostile input) and loads nothing from anywhere: no scripts, fonts, images or links out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape

from cordon.cases.permissions import Permission, require
from cordon.domain import Actor, EventName, ModerationEvent, Post, SubjectRef
from cordon.enforce.evidence import EvidenceError, Snapshot, add_custody, dumps, plain, preserve, reports_against

if TYPE_CHECKING:
    from cordon.signals.accounts import TextScorer
    from cordon.store import Store

# A post is in the packet as a threat from this threat score on (the default policy's review
# threshold), at most MAX_POSTS of them, most credible first.
THREAT_FLOOR = 0.5
MAX_POSTS = 25
PACKET_JSON, PACKET_HTML, EVIDENCE_DIR = "packet.json", "packet.html", "evidence"

_env = Environment(loader=PackageLoader("cordon.enforce", "templates"), autoescape=select_autoescape(default=True))


@dataclass(frozen=True, slots=True)
class Packet:
    folder: Path
    json_path: Path
    html_path: Path
    sha256: str  # of packet.json
    evidence: Snapshot
    event: ModerationEvent


def escalate_to_law_enforcement(
    store: Store, actor: Actor, account: SubjectRef, reason: str, agency: str, out_dir: Path,
    case_id: str | None = None, *, scorer: TextScorer | None = None, now: datetime | None = None,
) -> Packet:
    """Preserve the evidence (out_dir/evidence), write packet.json and packet.html into
    `out_dir`, record the handover in the evidence's chain of custody, and log ESCALATED.
    Needs Permission.EXPORT_PACKET, a reason and the agency it goes to."""
    require(actor, Permission.EXPORT_PACKET)
    reason, agency = (reason or "").strip(), (agency or "").strip()
    if not reason:
        raise EvidenceError("an escalation needs a reason")
    if not agency:
        raise EvidenceError("an escalation needs the agency it goes to (e.g. --agency 'FBI')")
    out_dir = Path(out_dir)
    for name in (PACKET_JSON, PACKET_HTML):
        if (out_dir / name).exists():
            raise EvidenceError(f"{out_dir / name} exists: a packet is never written over; choose a new folder")
    now = now or datetime.now(UTC)
    evidence = preserve(store, actor, account, out_dir / EVIDENCE_DIR, case_id,
                        f"law-enforcement referral to {agency}: {reason}", now=now)

    packet = build_packet(store, actor, account, reason, agency, case_id, evidence, scorer, now)
    json_bytes = dumps(packet)
    (out_dir / PACKET_JSON).write_bytes(json_bytes)
    (out_dir / PACKET_HTML).write_text(render_packet(packet), "utf-8")
    sha = hashlib.sha256(json_bytes).hexdigest()
    add_custody(evidence.folder, actor, f"described in a packet for {agency} ({PACKET_JSON} sha256 {sha})", now=now)
    event = store.append_event(ModerationEvent(
        name=EventName.ESCALATED, actor=str(actor), created=now, subject=account, case_id=case_id, reason=reason,
        payload={"to": "law_enforcement", "agency": agency, "packet_sha256": sha,
                 "manifest_sha256": evidence.manifest_sha256, "folder": str(out_dir.resolve()),
                 "role": actor.role.value},
    ))
    return Packet(out_dir, out_dir / PACKET_JSON, out_dir / PACKET_HTML, sha, evidence, event)


def build_packet(
    store: Store, actor: Actor, account: SubjectRef, reason: str, agency: str, case_id: str | None,
    evidence: Snapshot, scorer: TextScorer | None, now: datetime,
) -> dict[str, Any]:
    """The packet as JSON data."""
    profile = store.get_account(account)
    posts = list(store.posts(author=account))
    risks = store.risks(accounts=[account])
    reports = reports_against(store, account, posts)
    threats = threatening_posts(posts, scorer)
    events = list(store.events(subject=account))
    timeline = sorted(
        [{"when": p["created_at"], "what": "threatening post", "detail": p["post"]} for p in threats if p["created_at"]]
        + [{"when": plain(r.created_at), "what": f"user report: {r.reason}", "detail": r.id} for r in reports if r.created_at]
        + [{"when": plain(e.created), "what": e.name.value.replace("_", " "), "detail": e.reason} for e in events],
        key=lambda item: item["when"],
    )
    return {
        "packet": {"created": now.isoformat(), "agency": agency, "reason": reason, "case_id": case_id,
                   "prepared_by": str(actor), "role": actor.role.value},
        "account": plain(profile),
        "threatening_posts": threats,
        "risk": plain(risks[0]) if risks else None,
        "reports": plain(reports),
        "timeline": timeline,
        "evidence": {"folder": str(evidence.folder.resolve()), "manifest_sha256": evidence.manifest_sha256},
    }


def threatening_posts(posts: list[Post], scorer: TextScorer | None = None) -> list[dict[str, Any]]:
    """Posts scoring THREAT_FLOOR or more on the threat signals, with their evidence: each
    span as characters [start, end) of the post's text, its label and the words it covers."""
    if not posts:
        return []
    if scorer is None:
        from cordon.signals.accounts import TextScorer

        scorer = TextScorer()
    scored = sorted(scorer.score_posts(posts), key=lambda s: -s.threat.value)
    out = []
    for s in scored[:MAX_POSTS]:
        if s.threat.value < THREAT_FLOOR:
            break
        spans = [sp for e in s.threat.evidence for sp in e.spans]
        out.append({
            "post": str(s.post.ref),
            "created_at": plain(s.post.created_at),
            "text": s.post.text,
            "threat": round(s.threat.value, 4),
            "signals": [{"signal": e.signal, "score": round(e.score, 4), "summary": e.summary} for e in s.threat.evidence],
            "spans": [{"start": sp.start, "end": sp.end, "label": sp.label, "text": s.post.text[sp.start:sp.end]}
                      for sp in sorted(spans, key=lambda sp: (sp.start, sp.end))],
        })
    return out


def highlight(text: str, spans: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """The text cut into pieces, each with the labels of the spans over it (None: none), so a
    template can mark the threatening words without building HTML itself."""
    cuts = sorted({0, len(text), *(max(0, min(len(text), p)) for s in spans for p in (s["start"], s["end"]))})
    pieces: list[tuple[str, str | None]] = []
    for a, b in zip(cuts, cuts[1:]):
        labels = sorted({s["label"] for s in spans if s["start"] <= a and b <= s["end"]})
        pieces.append((text[a:b], ", ".join(labels) if labels else None))
    return pieces


def render_packet(packet: dict[str, Any]) -> str:
    return _env.get_template("le_packet.html").render(packet=packet, highlight=highlight)
