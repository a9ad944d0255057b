"""enforcement outbox and the hash chain over the moderation log

Adds prev_hash and hash to moderation_events and backfills them for the events already there,
in seq order (store/audit.py has the canonical form); audit_chain_head holds the newest
(seq, hash); action_outbox holds requested actions until an actuator has carried them out.
The append-only trigger is lifted for the backfill only, inside this transaction.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

from cordon.store.audit import GENESIS, row_hash

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = [
    """CREATE TRIGGER moderation_events_no_update BEFORE UPDATE ON moderation_events
       BEGIN SELECT RAISE(ABORT, 'moderation_events is append-only'); END""",
    """CREATE TRIGGER moderation_events_no_delete BEFORE DELETE ON moderation_events
       BEGIN SELECT RAISE(ABORT, 'moderation_events is append-only'); END""",
]


def _backfill() -> tuple[int, str]:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER moderation_events_no_update")
        op.execute("DROP TRIGGER moderation_events_no_delete")
    else:
        op.execute("ALTER TABLE moderation_events DISABLE TRIGGER moderation_events_append_only")
    prev, last = GENESIS, 0
    rows = bind.execute(sa.text(
        "SELECT seq, name, actor, created, subject, case_id, reason, payload "
        "FROM moderation_events ORDER BY seq"
    )).mappings().all()
    updates = []
    for row in rows:
        digest = row_hash(row, prev_hash=prev)
        updates.append({"seq": row["seq"], "prev_hash": prev, "hash": digest})
        prev, last = digest, row["seq"]
    if updates:
        bind.execute(
            sa.text("UPDATE moderation_events SET prev_hash = :prev_hash, hash = :hash WHERE seq = :seq"),
            updates,
        )
    if sqlite:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        op.execute("ALTER TABLE moderation_events ENABLE TRIGGER moderation_events_append_only")
    return last, prev


def upgrade() -> None:
    op.add_column('moderation_events', sa.Column('prev_hash', sa.String(length=64), nullable=True))
    op.add_column('moderation_events', sa.Column('hash', sa.String(length=64), nullable=True))
    op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('action_outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=True),
    sa.Column('policy_clause', sa.String(length=128), nullable=True),
    sa.Column('requested', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_owner', sa.String(length=128), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('event_seq', sa.BigInteger(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_index('ix_action_outbox_state', 'action_outbox', ['state', 'id'], unique=False)
    last, head = _backfill()
    op.get_bind().execute(
        sa.text("INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, :seq, :hash)"),
        {"seq": last, "hash": head},
    )


def downgrade() -> None:
    op.drop_index('ix_action_outbox_state', table_name='action_outbox')
    op.drop_table('action_outbox')
    op.drop_table('audit_chain_head')
    op.drop_column('moderation_events', 'hash')
    op.drop_column('moderation_events', 'prev_hash')
