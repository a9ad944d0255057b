"""The SQLAlchemy tables behind the store. Alembic migrations create them; this module is
their single description, used by the migrations' autogenerate check and by the queries."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData()

# Tables keyed by text are WITHOUT ROWID on SQLite: the primary key is the table, which saves
# one B-tree insert per row (ingest writes millions). PostgreSQL ignores the option.

# Times are UTC. Lists (urls, mentions, hashtags) are JSON arrays in Text, the same on both
# backends; nothing queries inside them.
accounts = Table(
    "accounts",
    metadata,
    Column("platform", String(32), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("handle", Text, nullable=False),
    Column("display_name", Text, nullable=False, default=""),
    Column("bio", Text, nullable=False, default=""),
    Column("location", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True)),
    Column("followers_count", Integer),
    Column("following_count", Integer),
    Column("posts_count", Integer),
    Column("avatar_hash", String(128)),
    Column("status", String(16), nullable=False, default="active"),
    # A hash of the profile fields, so a re-ingest of the same data writes nothing.
    Column("digest", String(32), nullable=False),
    Index("ix_accounts_handle", "handle"),
    sqlite_with_rowid=False,
)

posts = Table(
    "posts",
    metadata,
    Column("platform", String(32), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("author_id", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True)),
    Column("lang", String(16)),
    Column("urls", Text, nullable=False, default="[]"),
    Column("media_hashes", Text, nullable=False, default="[]"),
    Column("reply_to_id", String(64)),
    Column("repost_of_id", String(64)),
    Column("quote_of_id", String(64)),
    Column("mentions", Text, nullable=False, default="[]"),
    Column("hashtags", Text, nullable=False, default="[]"),
    Index("ix_posts_author", "platform", "author_id"),
    sqlite_with_rowid=False,
)

interactions = Table(
    "interactions",
    metadata,
    Column("platform", String(32), primary_key=True),
    # Second in the key because post ids grow with time, so new edges land at the end of the
    # key's B-tree rather than all over it. (On a 1 GB ingest here it moved 16.5k to 16.9k
    # tweets/s: within noise, kept for locality on bigger stores.)
    # '' for follows: NULLs are distinct in a primary key, '' makes re-ingest idempotent.
    Column("post_id", String(64), primary_key=True, default=""),
    Column("kind", String(16), primary_key=True),
    Column("source_id", String(64), primary_key=True),
    Column("target_id", String(64), primary_key=True),
    Column("created_at", DateTime(timezone=True)),
    Column("weight", Float, nullable=False, default=1.0),
    # Adjacency, both directions, for the k-hop neighbourhood of seed accounts (migration
    # 0003): who does this account interact with, and who interacts with it, of what kind.
    Index("ix_interactions_source", "platform", "source_id", "kind"),
    Index("ix_interactions_target_kind", "platform", "target_id", "kind"),
    sqlite_with_rowid=False,
)

reports = Table(
    "reports",
    metadata,
    Column("platform", String(32), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("reporter_id", String(64), nullable=False),
    Column("subject_kind", String(16), nullable=False),
    Column("subject_id", String(64), nullable=False),
    Column("reason", String(64), nullable=False),
    Column("text", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True)),
    Index("ix_reports_subject", "platform", "subject_kind", "subject_id"),
    sqlite_with_rowid=False,
)

account_risk = Table(
    "account_risk",
    metadata,
    Column("platform", String(32), primary_key=True),
    Column("account_id", String(64), primary_key=True),
    Column("score", Float, nullable=False),
    Column("components", Text, nullable=False),
    Column("evidence", Text, nullable=False),
    Index("ix_account_risk_score", "score"),
    sqlite_with_rowid=False,
)

# Append-only: triggers in the migration refuse UPDATE and DELETE.
moderation_events = Table(
    "moderation_events",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("name", String(32), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("case_id", String(64)),
    Column("reason", Text, nullable=False, default=""),
    Column("payload", Text, nullable=False, default="{}"),
    # The hash chain (migration 0004, store/audit.py): SHA-256 of this event's canonical form
    # and of the one before it. Nullable only because SQLite cannot add a NOT NULL column.
    Column("prev_hash", String(64)),
    Column("hash", String(64)),
    Index("ix_events_subject", "subject"),
    Index("ix_events_case", "case_id"),
)

# One row (id 1): the newest event's seq and hash. Appends lock it (PostgreSQL) so they are
# serialised, and verification compares the log's end with it, so a deleted tail shows.
audit_chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

# The enforcement outbox (enforce/outbox.py): one row per requested action, written in the
# same transaction as the request, done in the same transaction as ACTION_EXECUTED.
action_outbox = Table(
    "action_outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    # The idempotency key: a stable id of the action, sent to every actuator.
    Column("key", String(128), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("case_id", String(64)),
    Column("policy_clause", String(128)),
    Column("requested", DateTime(timezone=True), nullable=False),
    # pending -> done (or failed, after too many attempts).
    Column("state", String(16), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_owner", String(128)),
    Column("lease_until", DateTime(timezone=True)),
    Column("done_at", DateTime(timezone=True)),
    # The ACTION_EXECUTED event that completed it.
    Column("event_seq", BigInteger),
    Column("last_error", Text),
    Index("ix_action_outbox_state", "state", "id"),
)

# Match lists (known media hashes, propaganda links): one row per imported list, its entries,
# and reviewers' false-positive marks, which outlive re-imports of the list.
match_lists = Table(
    "match_lists",
    metadata,
    Column("name", String(128), primary_key=True),
    # The kinds of entry it holds, comma-separated (pdq,md5 / url,host ...).
    Column("kinds", String(64), nullable=False, default=""),
    Column("source", Text, nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    sqlite_with_rowid=False,
)

list_entries = Table(
    "list_entries",
    metadata,
    Column("list_name", String(128), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("value", Text, primary_key=True),
    Column("label", Text, nullable=False, default=""),
    # When the list's owner says it was added, and when it first came in here.
    Column("added_at", DateTime(timezone=True)),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    # Matching looks values up across lists.
    Index("ix_list_entries_value", "kind", "value"),
    sqlite_with_rowid=False,
)

false_positives = Table(
    "false_positives",
    metadata,
    Column("list_name", String(128), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("value", Text, primary_key=True),
    Column("reason", Text, nullable=False, default=""),
    Column("marked_by", String(128), nullable=False),
    Column("marked_at", DateTime(timezone=True), nullable=False),
    sqlite_with_rowid=False,
)

# The review console's users and signed-in sessions (migration 0006, web/auth.py). Only hashes
# are kept: the password's (argon2id) and the session token's (SHA-256).
console_users = Table(
    "console_users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(32), nullable=False),
    Column("password_hash", String(512), nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_name", String(64), nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("expires", DateTime(timezone=True), nullable=False),
    # Ending a user's sessions (new password, disabled) and purging expired ones.
    Index("ix_console_sessions_user", "user_name"),
    Index("ix_console_sessions_expires", "expires"),
)

# The review state of each case (migration 0005): a projection of moderation_events, updated
# in the transaction of every append (store/case_status.py), so the queue page is an index
# scan and not a fold of the log. Never written any other way; rebuild_cases() recomputes it.
case_status = Table(
    "case_status",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("subject_kind", String(16), nullable=False),
    Column("subject_platform", String(32), nullable=False),
    Column("subject_id", String(64), nullable=False),
    Column("queue", String(64), nullable=False),
    Column("priority", Float, nullable=False),
    Column("state", String(16), nullable=False),
    Column("assigned_to", String(128)),
    Column("decision", String(32)),
    Column("policy_clause", String(128)),
    Column("decided_by", String(128)),
    Column("appealed_by", String(128)),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # The seq of the case's newest event: the version an optimistic append expects.
    Column("last_seq", BigInteger, nullable=False),
    Column("report_count", Integer, nullable=False),
    Column("risk", Float),
    Column("sla_due", DateTime(timezone=True)),
    Column("reasons", Text, nullable=False),
    Index("ix_case_status_sla", "state", "sla_due"),
    Index("ix_case_status_subject", "subject_platform", "subject_id", "subject_kind"),
    sqlite_with_rowid=False,
)
# The queue page: waiting cases of a state (and queue), most urgent first.
Index(
    "ix_case_status_queue",
    case_status.c.state, case_status.c.queue, case_status.c.priority.desc(), case_status.c.opened_at,
)

# The queue page across states: every case waiting for a person (a page spans four states),
# in each order the page offers. Partial indexes over waiting cases only (migration 0007):
# a page reads its 50 entries in order instead of sorting every waiting case, which took
# 40-60 ms at 100k on PostgreSQL (0.15 ms with them). A query uses them when it says
# WAITING_PREDICATE word for word (store/case_status.py).
WAITING_PREDICATE = text("state IN ('open', 'assigned', 'escalated', 'appealed')")
_cs = case_status.c
WAITING_ORDERS = {
    "ix_case_waiting_priority": (_cs.priority.desc(), _cs.opened_at, _cs.case_id),
    "ix_case_waiting_age": (_cs.opened_at, _cs.case_id),
    # "Missing last" as a leading IS NULL term: SQLite cannot index NULLS LAST, and the two
    # backends put NULLs at opposite ends by default.
    "ix_case_waiting_sla": (_cs.sla_due.is_(None), _cs.sla_due, _cs.priority.desc(), _cs.case_id),
    "ix_case_waiting_risk": (_cs.risk.is_(None), _cs.risk.desc(), _cs.priority.desc(), _cs.case_id),
    "ix_case_waiting_queue": (_cs.queue, _cs.priority.desc(), _cs.opened_at, _cs.case_id),
}
for _name, _columns in WAITING_ORDERS.items():
    Index(_name, *_columns, postgresql_where=WAITING_PREDICATE, sqlite_where=WAITING_PREDICATE)
