"""Evidence preservation: the snapshot holds what the store knows of the account, its manifest
catches any changed, missing or added file, and its chain of custody any edit. Every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from cordon.domain import (
    Account,
    AccountRisk,
    Actor,
    EventName,
    Interaction,
    InteractionKind,
    ModerationEvent,
    Post,
    Report,
    Role,
    SubjectRef,
)
from cordon.domain.lists import ListEntry
from cordon.enforce.evidence import (
    CUSTODY,
    SNAPSHOT_FILES,
    EvidenceError,
    add_custody,
    preserve,
    sha256_file,
    verify_evidence,
)

T0 = datetime(2015, 6, 1, tzinfo=UTC)
P = "twitter"
A = SubjectRef.account(P, "1")
MOD = Actor("mo", Role.MODERATOR)
LIAISON = Actor("lee", Role.LE_LIAISON)
LISTED = "d8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b22"


def seed(store) -> None:
    store.upsert_accounts([Account(P, "1", "abu_threat", bio="soldier"), Account(P, "2", "fan"), Account(P, "3", "x")])
    store.insert_posts([
        Post(P, "p1", "1", "we will slaughter them", created_at=T0),
        Post(P, "p2", "1", "new release", created_at=T0 + timedelta(hours=1), media_hashes=(LISTED,)),
        Post(P, "q1", "3", "unrelated"),
    ])
    store.insert_interactions([
        Interaction(P, InteractionKind.FOLLOW, "2", "1", T0),
        Interaction(P, InteractionKind.REPOST, "2", "1", T0, post_id="p2"),
        Interaction(P, InteractionKind.FOLLOW, "3", "2", T0),  # two hops away: not in the snapshot
    ])
    store.insert_reports([Report(P, "r1", "9", SubjectRef.post(P, "p1"), "violent_threat", "threat", T0)])
    store.import_list("industry", "test", [ListEntry("pdq", LISTED, "official release")])
    store.save_risks([AccountRisk(A, 0.97, {"threat": 0.97})])
    store.append_event(ModerationEvent(EventName.CASE_OPENED, "policy:x", T0, A, "c1", payload={"queue": "threats"}))


def read(folder, name):
    return orjson.loads((folder / name).read_bytes())


def test_a_snapshot_holds_the_account_its_posts_media_neighbourhood_history_and_risk(store, tmp_path):
    seed(store)
    snap = preserve(store, MOD, A, tmp_path / "ev", "c1", "credible threat", now=T0)
    folder = snap.folder
    assert read(folder, "account.json")["handle"] == "abu_threat"
    posts = [orjson.loads(line) for line in (folder / "posts.jsonl").read_bytes().splitlines()]
    assert [p["id"] for p in posts] == ["p1", "p2"]
    media = read(folder, "media.json")
    assert media["posts"][0]["media_hashes"] == [LISTED]
    match = media["known_matches"][0]
    assert match["subject"] == "post/twitter/p2" and match["detail"]["distance"] == 0
    hood = read(folder, "neighbourhood.json")
    assert {n["account"] for n in hood["neighbours"]} == {"account/twitter/2"}
    assert len(hood["interactions"]) == 2
    assert [orjson.loads(x)["name"] for x in (folder / "events.jsonl").read_bytes().splitlines()] == ["case_opened"]
    assert read(folder, "risk.json")[0]["score"] == 0.97

    manifest = read(folder, "manifest.json")
    assert set(manifest["files"]) == set(SNAPSHOT_FILES)
    assert manifest["files"]["posts.jsonl"]["sha256"] == sha256_file(folder / "posts.jsonl")
    assert snap.manifest_sha256 == sha256_file(folder / "manifest.json")
    event = next(e for e in store.events(subject=A) if e.name is EventName.EVIDENCE_PRESERVED)
    assert event.payload["manifest_sha256"] == snap.manifest_sha256 and event.case_id == "c1"
    assert event.payload["folder"] == str(folder.resolve())
    assert verify_evidence(folder).ok


def test_the_manifest_finds_a_changed_a_missing_and_an_added_file(store, tmp_path):
    seed(store)
    folder = preserve(store, MOD, A, tmp_path / "ev").folder
    posts = folder / "posts.jsonl"
    posts.write_bytes(posts.read_bytes().replace(b"slaughter", b"greet    "))  # same size, other bytes
    (folder / "risk.json").unlink()
    (folder / "extra.txt").write_text("planted")
    check = verify_evidence(folder)
    assert (check.changed, check.missing, check.added) == (["posts.jsonl"], ["risk.json"], ["extra.txt"])
    assert not check.ok and check.custody == []
    assert any("changed posts.jsonl" in line for line in check.lines())
    # Altered evidence gets no custody entry: its handover must not look like a clean one.
    with pytest.raises(EvidenceError, match="does not verify"):
        add_custody(folder, LIAISON, "exported to FBI")


def test_custody_is_a_hash_chain_and_any_edit_cut_or_swap_is_found(store, tmp_path):
    seed(store)
    folder = preserve(store, MOD, A, tmp_path / "ev", now=T0).folder
    add_custody(folder, LIAISON, "exported to FBI", now=T0 + timedelta(hours=1))
    add_custody(folder, LIAISON, "copy to Europol", now=T0 + timedelta(hours=2))
    chain = [orjson.loads(x) for x in (folder / CUSTODY).read_bytes().splitlines()]
    assert [e["what"] for e in chain][1:] == ["exported to FBI", "copy to Europol"]
    assert chain[1]["prev"] == chain[0]["hash"] and chain[1]["who"] == "lee"
    assert verify_evidence(folder).ok
    original = (folder / CUSTODY).read_bytes()

    def with_chain(entries):
        (folder / CUSTODY).write_bytes(b"".join(orjson.dumps(e, option=orjson.OPT_SORT_KEYS) + b"\n" for e in entries))
        return verify_evidence(folder).custody

    edited = [dict(e) for e in chain]
    edited[1]["what"] = "kept in the office safe"
    assert any("entry 2 was edited" in p for p in with_chain(edited))
    assert any("entry 2" in p and "removed" in p for p in with_chain([chain[0], chain[2]]))
    assert any("does not follow" in p for p in with_chain([chain[0], chain[2], chain[1]]))
    (folder / CUSTODY).write_bytes(original)
    assert verify_evidence(folder).ok
    # A rewritten manifest (to cover an edited file) no longer matches what custody vouched for.
    manifest = read(folder, "manifest.json")
    manifest["reason"] = "something else"
    (folder / "manifest.json").write_bytes(orjson.dumps(manifest))
    assert any("another manifest" in p for p in verify_evidence(folder).custody)


def test_preserving_needs_an_account_and_a_fresh_folder_and_custody_a_what(store, tmp_path):
    seed(store)
    with pytest.raises(EvidenceError, match="no account"):
        preserve(store, MOD, SubjectRef.account(P, "nobody"), tmp_path / "a")
    preserve(store, MOD, A, tmp_path / "b")
    with pytest.raises(EvidenceError, match="not empty"):
        preserve(store, MOD, A, tmp_path / "b")
    with pytest.raises(EvidenceError, match="needs to say what was done"):
        add_custody(tmp_path / "b", LIAISON, "  ")
    assert verify_evidence(tmp_path / "b").ok
