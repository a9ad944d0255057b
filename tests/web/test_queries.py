"""The pages read the store a fixed number of times, however many rows they show: the queue
does not look a handle up per case, nor the account view a neighbour at a time; the audit
page leaves the whole-log chain check to a button. Counted on the real engine's statements."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event
from webkit import HOSTILE, P, T0, USERS, csrf_of, sign_in

from cordon.domain import Account, EventName, Interaction, InteractionKind, ModerationEvent, Role, SubjectRef


@contextmanager
def counted(store):
    statements: list[str] = []

    def note(conn, cursor, statement, *args):
        statements.append(statement)

    engine = store.engine  # the statements really sent
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _sent(client, store, url: str) -> int:
    with counted(store) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_the_queue_page_reads_the_same_however_many_rows(client, store):
    sign_in(client, USERS[Role.MODERATOR])
    before = _sent(client, store, "/queue")
    accounts = [Account(P, f"q{i}", handle=f"queued{i}", created_at=T0) for i in range(30)]
    store.write_batch(accounts=accounts)
    store.append_events([
        ModerationEvent(EventName.CASE_OPENED, "policy:x", T0, a.ref, f"case-q{i}", "opened",
                        {"queue": "threats", "priority": 1.0, "risk": 0.5})
        for i, a in enumerate(accounts)
    ])
    html = client.get("/queue").text
    assert "queued29" in html and "queued0" in html
    # At most as many (the header's counts may come from the desk's few-second cache).
    assert _sent(client, store, "/queue") <= before


def test_the_account_view_reads_its_neighbours_at_once(client, store):
    sign_in(client, USERS[Role.MODERATOR])
    before = _sent(client, store, "/accounts/twitter/666")
    friends = [Account(P, f"n{i}", handle=f"neighbour{i}", created_at=T0) for i in range(15)]
    edges = [Interaction(P, InteractionKind.FOLLOW, f.id, HOSTILE.id) for f in friends]
    store.write_batch(accounts=friends, interactions=edges)
    assert "neighbour3" in client.get("/accounts/twitter/666").text
    assert _sent(client, store, "/accounts/twitter/666") == before


def test_the_queue_counts_are_reused_briefly_and_dropped_by_a_change(client, store):
    sign_in(client, USERS[Role.MODERATOR])
    client.get("/queue")
    assert _sent(client, store, "/queue") < _sent_fresh(client, store)
    assert "reports</a> assigned 1" not in client.get("/queue").text
    client.post("/cases/case-calm/claim", data={"csrf": csrf_of(client)})
    assert "reports</a> assigned 1" in client.get("/queue").text  # the claim shows at once


def _sent_fresh(client, store) -> int:
    client.app.state.desk._counts = None  # as after the cache's few seconds
    return _sent(client, store, "/queue")


def test_the_audit_page_verifies_the_chain_only_when_asked(client, store):
    sign_in(client, USERS[Role.MODERATOR])
    for i in range(50):
        store.append_event(ModerationEvent(EventName.FLAGGED, "signal:x", T0, SubjectRef.account(P, f"f{i}"),
                                           None, "flagged"))
    with counted(store) as statements:
        html = client.get("/audit").text
    assert "checked on request" in html and 'id="verify-chain"' in html
    # Only the tail is read: no statement walks the log from its start.
    assert not any("moderation_events" in s and "seq >" not in s and "count(" not in s.lower()
                   for s in statements if "FROM moderation_events" in s), statements
    html = client.get("/audit/verify").text
    assert 'class="verdict ok"' in html and "chain head seq" in html
    assert client.get("/api/audit").json()["ok"] is None
    assert client.get("/api/audit?verify=true").json()["ok"] is True
