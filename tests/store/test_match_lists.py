"""Match lists in the store, on every backend: import, provenance, false positives, migration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from cordon.domain import FalsePositive, ListEntry
from cordon.errors import StoreError
from cordon.ingest.records import Quarantined
from cordon.store import WriteResult
from cordon.store.base import IMPORT_BATCH

T0 = datetime(2015, 6, 1, 12, 0, tzinfo=UTC)
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e1c9b22"
MD5 = "0a21c8f85a55a9e276ffc2c53f6887c4"


def hashes() -> list[ListEntry]:
    return [
        ListEntry("pdq", PDQ, "dabiq cover", T0),
        ListEntry("md5", MD5, "amaq video"),
        ListEntry("pdq", "0" * 64, "flag"),
    ]


def test_import_is_idempotent_and_keeps_provenance(store):
    assert store.import_list("tcap", "Tech Against Terrorism", hashes(), description="nightly") == WriteResult(new=3)
    first = store.lists()[0]
    assert (first.name, first.kinds, first.source, first.description) == ("tcap", ("md5", "pdq"), "Tech Against Terrorism", "nightly")
    assert (first.entries, first.false_positives) == (3, 0) and first.imported_at.tzinfo is not None
    assert store.import_list("tcap", "Tech Against Terrorism", hashes()) == WriteResult(unchanged=3)
    # A changed label is an update; a file without added times keeps the earlier ones.
    relabelled = [ListEntry("pdq", PDQ, "dabiq issue 1"), ListEntry("md5", MD5, "amaq video")]
    assert store.import_list("tcap", "Tech Against Terrorism", relabelled) == WriteResult(changed=1, unchanged=1)
    got = {e.value: e for _, e in store.list_entries("tcap")}
    assert got[PDQ] == ListEntry("pdq", PDQ, "dabiq issue 1", T0)
    assert len(got) == 3  # merged: the entry this import lacks stays
    assert store.lists()[0].imported_at >= first.imported_at


def test_lists_are_apart_and_filterable(store):
    store.import_list("tcap", "tat", hashes())
    store.import_list("links", "analysts", [ListEntry("host", "justpaste.it", "paste"), ListEntry("pdq", PDQ, "also here")])
    assert [i.name for i in store.lists()] == ["links", "tcap"]
    assert store.lists()[0].kinds == ("host", "pdq")
    assert list(store.list_entries(kind="host")) == [("links", ListEntry("host", "justpaste.it", "paste"))]
    assert [n for n, e in store.list_entries(kind="pdq") if e.value == PDQ] == ["links", "tcap"]
    assert [e.kind for _, e in store.list_entries("tcap")] == ["md5", "pdq", "pdq"]
    assert list(store.list_entries("nope")) == []


def test_replace_makes_the_list_exactly_this_import(store):
    store.import_list("tcap", "tat", hashes())
    store.mark_false_positive("tcap", "pdq", "0" * 64, "blank frame", "reviewer")
    assert store.import_list("tcap", "tat", hashes()[:1], replace=True) == WriteResult(new=1)
    assert [e.value for _, e in store.list_entries("tcap")] == [PDQ]
    assert store.lists()[0].kinds == ("pdq",)
    assert len(store.false_positives("tcap")) == 1  # marks outlive the entries' re-import


def test_big_imports_go_in_batches_with_duplicates(store):
    n = IMPORT_BATCH * 2 + 17
    entries = (ListEntry("pdq", f"{i % (n - 5):064x}", "bulk") for i in range(n))  # 5 repeats
    result = store.import_list("bulk", "generated", entries)
    assert result.new == n - 5 and result.new + result.changed + result.unchanged <= n
    assert store.lists()[0].entries == n - 5
    assert sum(1 for _ in store.list_entries("bulk")) == n - 5


def test_false_positives_stop_matching_until_cleared(store):
    store.import_list("tcap", "tat", hashes())
    mark = store.mark_false_positive("tcap", "pdq", PDQ.upper(), "a cat photo", "reviewer-7", at=T0)
    assert mark == FalsePositive("tcap", "pdq", PDQ, "a cat photo", "reviewer-7", T0)
    assert PDQ not in {e.value for _, e in store.list_entries()}
    assert store.false_positives() == [mark] and store.false_positives("other") == []
    info = store.lists()[0]
    assert (info.entries, info.false_positives) == (3, 1)
    # Re-importing the list does not bring it back; marking again replaces the mark.
    store.import_list("tcap", "tat", hashes())
    assert PDQ not in {e.value for _, e in store.list_entries()}
    store.mark_false_positive("tcap", "pdq", PDQ, "still a cat", "reviewer-8", at=T0 + timedelta(days=1))
    assert [(m.reason, m.marked_by) for m in store.false_positives()] == [("still a cat", "reviewer-8")]
    assert store.clear_false_positive("tcap", "pdq", PDQ) is True
    assert store.clear_false_positive("tcap", "pdq", PDQ) is False
    assert PDQ in {e.value for _, e in store.list_entries()}
    with pytest.raises(StoreError, match="has no pdq entry"):
        store.mark_false_positive("tcap", "pdq", "1" * 64, "x", "reviewer")
    with pytest.raises(StoreError, match="no actor"):
        store.mark_false_positive("tcap", "pdq", PDQ, "x", " ")
    with pytest.raises(StoreError, match="naive"):
        store.mark_false_positive("tcap", "pdq", PDQ, "x", "reviewer", at=datetime(2015, 1, 1))


def test_remove_list(store):
    store.import_list("tcap", "tat", hashes())
    store.import_list("links", "analysts", [ListEntry("host", "justpaste.it")])
    store.mark_false_positive("tcap", "md5", MD5, "news", "reviewer")
    assert store.remove_list("tcap") is True
    assert [i.name for i in store.lists()] == ["links"]
    assert [n for n, _ in store.list_entries()] == ["links"] and store.false_positives() == []
    assert store.remove_list("tcap") is False


@pytest.mark.parametrize("bad,match", [
    (ListEntry("sha1", "ab" * 20), "unknown entry kind"),
    (ListEntry("pdq", PDQ.upper()), "lower-case hex"),
    (ListEntry("pdq", PDQ[:-2]), "64 lower-case hex"),
    (ListEntry("md5", PDQ), "32 lower-case hex"),
    (ListEntry("url", " justpaste.it/x"), "bad url value"),
    (ListEntry("host", ""), "bad host value"),
    (ListEntry("pdq", PDQ, "", datetime(2015, 1, 1)), "naive"),
    (Quarantined("f.txt", 3, "bad", b"x"), "expected ListEntry"),
])
def test_bad_entries_abort_the_whole_import(store, bad, match):
    with pytest.raises(StoreError, match=match):
        store.import_list("tcap", "tat", [*hashes(), bad])
    assert store.lists() == [] and list(store.list_entries()) == []


def test_names_and_kinds_are_checked(store):
    for name in ("", " tcap", "x" * 129, "a\nb", None):
        with pytest.raises(StoreError):
            store.import_list(name, "src", [])
    with pytest.raises(StoreError, match="unknown entry kind"):
        list(store.list_entries(kind="sha256"))
    assert store.import_list("empty", "src", []) == WriteResult()
    assert [(i.name, i.kinds, i.entries) for i in store.lists()] == [("empty", (), 0)]


def test_store_counts_are_unchanged_by_lists(store):
    store.import_list("tcap", "tat", hashes())
    assert set(store.counts()) == {"accounts", "posts", "interactions", "reports", "events"}


# -- migration -------------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path):
    """A bare database (URL, engine options), on every backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.sqlite'}", {}
    return request.getfixturevalue("pg_schema")


def test_migration_upgrades_a_0001_database_and_keeps_its_data(database):
    from cordon.store.migrate import upgrade
    from cordon.store.sql import SqlStore, make_engine

    url, options = database
    engine = make_engine(url, **options)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        assert "match_lists" not in sa.inspect(conn).get_table_names()
        conn.execute(sa.text(
            "INSERT INTO accounts (platform, id, handle, display_name, bio, location, status, digest) "
            "VALUES ('twitter', '1', 'old', '', '', '', 'active', 'd')"
        ))
    engine.dispose()
    store = SqlStore(url, engine_options=options)  # opening migrates to the newest schema
    try:
        assert store.counts()["accounts"] == 1
        with store.engine.connect() as conn:
            assert {"false_positives", "list_entries", "match_lists"} <= set(sa.inspect(conn).get_table_names())
            # At least 0002; later migrations (0003 adjacency indexes) may follow.
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() >= "0002"
        assert store.import_list("tcap", "tat", hashes()) == WriteResult(new=3)
        # And back down, and up again: the downgrade drops exactly what the upgrade made.
        from alembic import command

        from cordon.store.migrate import alembic_config

        with store.engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.downgrade(config, "0001")
        with store.engine.connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
        assert not names & {"false_positives", "list_entries", "match_lists"} and "accounts" in names
        upgrade(store.engine)
        assert store.lists() == [] and store.counts()["accounts"] == 1
    finally:
        store.close()


def test_the_migration_matches_the_schema(store):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from cordon.store.schema import metadata

    ours = {"match_lists", "list_entries", "false_positives"}
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)

    def touches_ours(change) -> bool:
        for part in change if isinstance(change, list) else [change]:
            for item in part[1:]:
                table = getattr(item, "table", None)
                name = item if isinstance(item, str) else getattr(item, "name", None)
                if name in ours or (table is not None and table.name in ours):
                    return True
        return False

    assert [d for d in diff if touches_ours(d)] == []
