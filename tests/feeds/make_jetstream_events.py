"""Writes data/jetstream_events.jsonl: Jetstream events in the shapes the public instances
send (the v1 wire's kind/did/time_us/commit, which the v2 wire wraps with a seq), for the
local server in jetstream_server.py. Run again to regenerate; the output is committed.

    .venv/bin/python tests/feeds/make_jetstream_events.py
"""

from __future__ import annotations

import json
from pathlib import Path

T0 = 1_764_360_000_000_000  # 2025-11-28T20:00:00Z in microseconds
CID = "bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
DIDS = [f"did:plc:{c * 24}" for c in "abcdefghijklmnop"]
B32 = "234567abcdefghijklmnopqrstuvwxyz"


def tid(n: int) -> str:
    out = ""
    for _ in range(13):
        out = B32[n % 32] + out
        n //= 32
    return "3" + out[1:]


def iso(us: int) -> str:
    from datetime import UTC, datetime
    return datetime.fromtimestamp(us / 1e6, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def commit(i: int, did: str, collection: str, record: dict | None, op: str = "create") -> dict:
    us = T0 + i * 1_000_000
    c = {"rev": tid(10_000 + i), "operation": op, "collection": collection, "rkey": tid(20_000 + i)}
    if record is not None:
        c["record"] = {"$type": collection, "createdAt": iso(us - 250_000), **record}
        c["cid"] = CID
    return {"did": did, "time_us": us, "kind": "commit", "commit": c}


def main() -> None:
    events = []
    i = 0

    def add(e):
        nonlocal i
        events.append(e)
        i += 1

    for k in range(48):
        did = DIDS[k % len(DIDS)]
        other = DIDS[(k + 3) % len(DIDS)]
        shape = k % 8
        if shape == 0:
            add(commit(i, did, "app.bsky.actor.profile", {
                "displayName": f"Abu Test {k}", "description": "news of the ummah",
                "avatar": {"$type": "blob", "ref": {"$link": "bafkreie5737gdxlw5i64vzichcalba3z2v5n6icifvqc5ol3ajgw3ljz2u"},
                           "mimeType": "image/jpeg", "size": 43210}}, op="create"))
        elif shape in (1, 2):
            add(commit(i, did, "app.bsky.graph.follow", {"subject": other}))
        elif shape == 3:
            add(commit(i, did, "app.bsky.feed.post", {
                "text": f"statement {k} #news @{other[8:12]}.bsky.social https://example.org/r/{k}",
                "langs": ["en"],
                "facets": [
                    {"index": {"byteStart": 13, "byteEnd": 18}, "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "news"}]},
                    {"index": {"byteStart": 19, "byteEnd": 36}, "features": [{"$type": "app.bsky.richtext.facet#mention", "did": other}]},
                    {"index": {"byteStart": 37, "byteEnd": 60}, "features": [{"$type": "app.bsky.richtext.facet#link", "uri": f"https://example.org/r/{k}"}]},
                ]}))
        elif shape == 4:
            parent = f"at://{other}/app.bsky.feed.post/{tid(99 + k)}"
            add(commit(i, did, "app.bsky.feed.post", {
                "text": f"reply {k}", "langs": ["ar"],
                "reply": {"root": {"uri": parent, "cid": CID}, "parent": {"uri": parent, "cid": CID}},
                "embed": {"$type": "app.bsky.embed.record",
                          "record": {"uri": f"at://{DIDS[0]}/app.bsky.feed.post/{tid(7)}", "cid": CID}}}))
        elif shape == 5:
            add(commit(i, did, "app.bsky.feed.repost", {
                "subject": {"uri": f"at://{other}/app.bsky.feed.post/{tid(500 + k)}", "cid": CID}}))
        elif shape == 6:
            # Not one of the four: a like (the consumer's collections filter keeps it away),
            # and a delete (no record).
            add(commit(i, did, "app.bsky.feed.like", {
                "subject": {"uri": f"at://{other}/app.bsky.feed.post/{tid(600 + k)}", "cid": CID}}))
        else:
            add(commit(i, did, "app.bsky.graph.follow", None, op="delete"))
    # A malformed follow: its subject is not a DID.
    add(commit(i, DIDS[1], "app.bsky.graph.follow", {"subject": "alice.bsky.social"}))
    # An identity event gives a DID its handle.
    add({"did": DIDS[2], "time_us": T0 + i * 1_000_000, "kind": "identity",
         "identity": {"did": DIDS[2], "handle": "abu.test.bsky.social", "seq": 4242, "time": iso(T0 + i * 1_000_000)}})
    out = Path(__file__).parent / "data" / "jetstream_events.jsonl"
    out.write_text("".join(json.dumps(e, sort_keys=True) + "\n" for e in events))
    print(f"{len(events)} events -> {out}")


if __name__ == "__main__":
    main()
