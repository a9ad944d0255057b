"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

# The moderation log is append-only at the database too, not just in the Store interface:
# an UPDATE or DELETE of an event fails whatever client issues it.
_SQLITE_TRIGGERS = [
    """CREATE TRIGGER moderation_events_no_update BEFORE UPDATE ON moderation_events
       BEGIN SELECT RAISE(ABORT, 'moderation_events is append-only'); END""",
    """CREATE TRIGGER moderation_events_no_delete BEFORE DELETE ON moderation_events
       BEGIN SELECT RAISE(ABORT, 'moderation_events is append-only'); END""",
]
_POSTGRES_TRIGGERS = [
    """CREATE FUNCTION moderation_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'moderation_events is append-only'; END $$""",
    """CREATE TRIGGER moderation_events_append_only
       BEFORE UPDATE OR DELETE OR TRUNCATE ON moderation_events
       FOR EACH STATEMENT EXECUTE FUNCTION moderation_events_append_only()""",
]


def _forbid_event_changes() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_TRIGGERS if dialect == "sqlite" else _POSTGRES_TRIGGERS:
        op.execute(statement)


def _allow_event_changes() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER moderation_events_no_update")
        op.execute("DROP TRIGGER moderation_events_no_delete")
    else:
        op.execute("DROP TRIGGER moderation_events_append_only ON moderation_events")
        op.execute("DROP FUNCTION moderation_events_append_only()")


def upgrade() -> None:
    op.create_table('account_risk',
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('components', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('platform', 'account_id'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('account_risk', schema=None) as batch_op:
        batch_op.create_index('ix_account_risk_score', ['score'], unique=False)

    op.create_table('accounts',
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('handle', sa.Text(), nullable=False),
    sa.Column('display_name', sa.Text(), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('location', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('followers_count', sa.Integer(), nullable=True),
    sa.Column('following_count', sa.Integer(), nullable=True),
    sa.Column('posts_count', sa.Integer(), nullable=True),
    sa.Column('avatar_hash', sa.String(length=128), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('digest', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('platform', 'id'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.create_index('ix_accounts_handle', ['handle'], unique=False)

    op.create_table('interactions',
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('post_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('target_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('platform', 'post_id', 'kind', 'source_id', 'target_id'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.create_index('ix_interactions_target', ['platform', 'target_id'], unique=False)

    op.create_table('moderation_events',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('case_id', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    with op.batch_alter_table('moderation_events', schema=None) as batch_op:
        batch_op.create_index('ix_events_case', ['case_id'], unique=False)
        batch_op.create_index('ix_events_subject', ['subject'], unique=False)

    op.create_table('posts',
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('author_id', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lang', sa.String(length=16), nullable=True),
    sa.Column('urls', sa.Text(), nullable=False),
    sa.Column('media_hashes', sa.Text(), nullable=False),
    sa.Column('reply_to_id', sa.String(length=64), nullable=True),
    sa.Column('repost_of_id', sa.String(length=64), nullable=True),
    sa.Column('quote_of_id', sa.String(length=64), nullable=True),
    sa.Column('mentions', sa.Text(), nullable=False),
    sa.Column('hashtags', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('platform', 'id'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_author', ['platform', 'author_id'], unique=False)

    op.create_table('reports',
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('reporter_id', sa.String(length=64), nullable=False),
    sa.Column('subject_kind', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('platform', 'id'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index('ix_reports_subject', ['platform', 'subject_kind', 'subject_id'], unique=False)

    _forbid_event_changes()


def downgrade() -> None:
    _allow_event_changes()
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_subject')

    op.drop_table('reports')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_author')

    op.drop_table('posts')
    with op.batch_alter_table('moderation_events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_subject')
        batch_op.drop_index('ix_events_case')

    op.drop_table('moderation_events')
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_index('ix_interactions_target')

    op.drop_table('interactions')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_index('ix_accounts_handle')

    op.drop_table('accounts')
    with op.batch_alter_table('account_risk', schema=None) as batch_op:
        batch_op.drop_index('ix_account_risk_score')

    op.drop_table('account_risk')
