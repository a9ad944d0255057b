"""Evidence preservation: a snapshot of an account, fixed by a SHA-256 manifest, with a chain
of custody that says who handled it since.

A snapshot is one folder:

| file | what |
|---|---|
| account.json | the account as the store holds it |
| posts.jsonl | its posts, one a line |
| media.json | the media hashes of its posts, and their matches on the known-content lists |
| neighbourhood.json | the accounts one hop away and the interactions that tie them to it |
| events.jsonl | its moderation history |
| risk.json | its last saved risk, with the evidence behind it |
| manifest.json | SHA-256 and size of each file above, and who preserved it, when and why |
| custody.jsonl | the chain of custody: one entry per handover, each hash-chained to the one before |

The manifest's own SHA-256 goes into the moderation log (EVIDENCE_PRESERVED) and into every
custody entry, so the log vouches for the manifest and the manifest for the files.
`verify_evidence` recomputes all of it. Nothing in a snapshot is ever rewritten: a later
look at the account is a new snapshot.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from cordon.cases.permissions import Permission, require
from cordon.domain import Actor, EventName, ModerationEvent, Post, Report, SubjectKind, SubjectRef
from cordon.errors import CordonError

if TYPE_CHECKING:
    from cordon.store import Store

MANIFEST, CUSTODY = "manifest.json", "custody.jsonl"
SNAPSHOT_FILES = ("account.json", "posts.jsonl", "media.json", "neighbourhood.json", "events.jsonl", "risk.json")
# Edges kept in neighbourhood.json: a hub's followers run to millions, and a snapshot is for
# people to read. The file says when it was cut.
NEIGHBOURHOOD_LIMIT = 100_000
_GENESIS = "0" * 64


class EvidenceError(CordonError):
    """A snapshot cannot be written or added to (unknown account, a folder in use, a broken
    chain of custody)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    folder: Path
    manifest_sha256: str
    event: ModerationEvent


@dataclass
class EvidenceCheck:
    """What verify_evidence found: empty lists mean the snapshot is as it was preserved."""

    folder: Path
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    custody: list[str] = field(default_factory=list)  # broken custody entries, each explained
    manifest_sha256: str | None = None

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.added or self.custody)

    def lines(self) -> list[str]:
        if self.ok:
            return [f"{self.folder}: intact, manifest sha256 {self.manifest_sha256}"]
        out = [f"{self.folder}: changed {name}" for name in self.changed]
        out += [f"{self.folder}: missing {name}" for name in self.missing]
        out += [f"{self.folder}: added {name}" for name in self.added]
        return out + [f"{self.folder}: custody {problem}" for problem in self.custody]


def plain(value: Any) -> Any:
    """A domain value as JSON data: subjects as their text form, times in ISO 8601."""
    if isinstance(value, SubjectRef):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return value


def dumps(value: Any) -> bytes:
    return orjson.dumps(plain(value), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def _jsonl(values: Iterable[Any]) -> bytes:
    return b"".join(orjson.dumps(plain(v), option=orjson.OPT_SORT_KEYS) + b"\n" for v in values)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def reports_against(store: Store, account: SubjectRef, posts: Iterable[Post]) -> list[Report]:
    """User reports on the account and on each of its posts, oldest first."""
    found = list(store.reports(subject=account))
    for post in posts:
        found.extend(store.reports(subject=post.ref))
    return sorted(found, key=lambda r: (r.created_at or datetime.min.replace(tzinfo=UTC), r.id))


def preserve(
    store: Store, actor: Actor, account: SubjectRef, out_dir: Path, case_id: str | None = None,
    reason: str = "preserved for review", *, now: datetime | None = None,
) -> Snapshot:
    """Write a snapshot of `account` into `out_dir` (created; it must not hold anything yet),
    fix it with a manifest, open its chain of custody, and log EVIDENCE_PRESERVED."""
    require(actor, Permission.PRESERVE)
    if account.kind is not SubjectKind.ACCOUNT:
        raise EvidenceError(f"{account} is not an account")
    profile = store.get_account(account)
    if profile is None:
        raise EvidenceError(f"no account {account} in the store")
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise EvidenceError(f"{out_dir} is not empty: evidence is never written over; choose a new folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    now = now or datetime.now(UTC)

    posts = list(store.posts(author=account))
    for name, content in _snapshot(store, account, profile, posts):
        (out_dir / name).write_bytes(content)
    manifest = {
        "account": str(account),
        "preserved_at": now.isoformat(),
        "preserved_by": str(actor),
        "role": actor.role.value,
        "reason": reason,
        "case_id": case_id,
        "files": {name: {"sha256": sha256_file(out_dir / name), "bytes": (out_dir / name).stat().st_size}
                  for name in SNAPSHOT_FILES},
    }
    (out_dir / MANIFEST).write_bytes(dumps(manifest))
    manifest_sha = sha256_file(out_dir / MANIFEST)
    _append_custody(out_dir, actor, f"preserved: {reason}", manifest_sha, now)
    event = store.append_event(ModerationEvent(
        name=EventName.EVIDENCE_PRESERVED, actor=str(actor), created=now, subject=account, case_id=case_id,
        reason=reason,
        payload={"manifest_sha256": manifest_sha, "folder": str(out_dir.resolve()), "files": len(SNAPSHOT_FILES),
                 "posts": len(posts), "role": actor.role.value},
    ))
    return Snapshot(out_dir, manifest_sha, event)


def _snapshot(store: Store, account: SubjectRef, profile, posts: list[Post]) -> Iterator[tuple[str, bytes]]:
    yield "account.json", dumps(profile)
    yield "posts.jsonl", _jsonl(posts)
    yield "media.json", dumps(_media(store, posts))
    yield "neighbourhood.json", dumps(_neighbourhood(store, account))
    yield "events.jsonl", _jsonl(_event_record(e) for e in store.events(subject=account))
    yield "risk.json", dumps(store.risks(accounts=[account]))


def _media(store: Store, posts: list[Post]) -> dict[str, Any]:
    from cordon.signals.known import KnownContent

    with_media = [p for p in posts if p.media_hashes]
    known = KnownContent.from_store(store)
    matches = known.score_posts(posts).evidence if known is not None else ()
    return {
        "posts": [{"post": str(p.ref), "media_hashes": list(p.media_hashes), "urls": list(p.urls)} for p in with_media],
        # Each match names its post, list, entry and (for hashes) the distance.
        "known_matches": list(matches),
        "lists_checked": known is not None,
    }


def _neighbourhood(store: Store, account: SubjectRef) -> dict[str, Any]:
    edges = list(store.neighbourhood([account], hops=1, limit=NEIGHBOURHOOD_LIMIT + 1))
    cut = len(edges) > NEIGHBOURHOOD_LIMIT
    edges = edges[:NEIGHBOURHOOD_LIMIT]
    neighbours: dict[str, int] = {}
    for e in edges:
        other = e.target_id if e.source_id == account.id else e.source_id
        neighbours[other] = neighbours.get(other, 0) + 1
    return {
        "account": str(account),
        "hops": 1,
        "truncated_at": NEIGHBOURHOOD_LIMIT if cut else None,
        "neighbours": [{"account": str(SubjectRef.account(account.platform, n)), "interactions": k}
                       for n, k in sorted(neighbours.items(), key=lambda kv: (-kv[1], kv[0]))],
        "interactions": edges,
    }


def _event_record(e: ModerationEvent) -> dict[str, Any]:
    return {"seq": e.seq, "name": e.name.value, "actor": e.actor, "created": e.created, "subject": e.subject,
            "case_id": e.case_id, "reason": e.reason, "payload": e.payload}


# -- chain of custody ------------------------------------------------------------------------

def _entry_hash(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _read_custody(folder: Path) -> list[dict[str, Any]]:
    path = folder / CUSTODY
    if not path.exists():
        return []
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def _append_custody(folder: Path, actor: Actor, action: str, manifest_sha: str, now: datetime) -> dict[str, Any]:
    chain = _read_custody(folder)
    entry = {
        "n": len(chain) + 1,
        "who": str(actor),
        "role": actor.role.value,
        "when": now.isoformat(),
        "what": action,
        "manifest_sha256": manifest_sha,
        "prev": chain[-1]["hash"] if chain else _GENESIS,
    }
    entry["hash"] = _entry_hash(entry)
    with (folder / CUSTODY).open("ab") as handle:
        handle.write(orjson.dumps(entry, option=orjson.OPT_SORT_KEYS) + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
    return entry


def add_custody(folder: Path, actor: Actor, action: str, *, now: datetime | None = None) -> dict[str, Any]:
    """Record a handover ("exported to FBI"): a new custody entry, chained to the last. A
    snapshot that no longer verifies gets no entry: a handover of altered evidence must not
    look like one of intact evidence."""
    require(actor, Permission.PRESERVE)
    action = (action or "").strip()
    if not action:
        raise EvidenceError("a custody entry needs to say what was done (e.g. 'exported to FBI')")
    check = verify_evidence(folder)
    if not check.ok:
        raise EvidenceError(f"{folder} does not verify ({'; '.join(check.lines())}): no custody entry added")
    return _append_custody(Path(folder), actor, action, check.manifest_sha256 or "", now or datetime.now(UTC))


def verify_evidence(folder: Path) -> EvidenceCheck:
    """Recompute every file's SHA-256 against the manifest, and the custody chain: each
    entry's own hash, its link to the one before, and the manifest hash it names."""
    folder = Path(folder)
    check = EvidenceCheck(folder)
    if not folder.is_dir():
        check.missing.append(".")
        return check
    try:
        manifest = orjson.loads((folder / MANIFEST).read_bytes())
    except FileNotFoundError:
        check.missing.append(MANIFEST)
        return check
    except orjson.JSONDecodeError:
        check.changed.append(MANIFEST)
        return check
    check.manifest_sha256 = sha256_file(folder / MANIFEST)
    listed = manifest.get("files", {})
    for name, expected in sorted(listed.items()):
        path = folder / name
        if not path.is_file():
            check.missing.append(name)
        elif path.stat().st_size != expected.get("bytes") or sha256_file(path) != expected.get("sha256"):
            check.changed.append(name)
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    check.added = sorted(present - set(listed) - {MANIFEST, CUSTODY})
    check.custody = _custody_problems(folder, check.manifest_sha256)
    return check


def _custody_problems(folder: Path, manifest_sha: str) -> list[str]:
    try:
        chain = _read_custody(folder)
    except orjson.JSONDecodeError:
        return [f"{CUSTODY} is not valid JSON lines"]
    if not chain:
        return [f"{CUSTODY} is missing or empty"]
    problems = []
    prev = _GENESIS
    for i, entry in enumerate(chain, 1):
        if entry.get("n") != i:
            problems.append(f"entry {i} is numbered {entry.get('n')!r}: an entry was removed or moved")
        if entry.get("prev") != prev:
            problems.append(f"entry {i} does not follow entry {i - 1}: the chain was cut or reordered")
        if entry.get("hash") != _entry_hash(entry):
            problems.append(f"entry {i} was edited (its hash does not match its content)")
        if entry.get("manifest_sha256") != manifest_sha:
            problems.append(f"entry {i} vouches for another manifest (sha256 {entry.get('manifest_sha256')})")
        prev = entry.get("hash")
    return problems


def snapshot_folder(root: Path, account: SubjectRef, now: datetime) -> Path:
    """A new folder under `root` for a snapshot of `account`: never one already used."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{account.platform}_{account.id}")
    return Path(root) / f"{safe}_{now.strftime('%Y%m%dT%H%M%SZ')}_{uuid.uuid4().hex[:8]}"
