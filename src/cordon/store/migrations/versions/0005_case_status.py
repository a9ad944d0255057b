"""case_status: the read model of review state, one row per case

A projection of the moderation log (cases/state.py folds it; store/case_status.py keeps it
up to date in the same transaction as every append), so the review queue is an indexed
query rather than a fold over the whole log. The rows for the events already there are
computed here, in this transaction.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def _backfill() -> None:
    # Fold the log as it is now. Rows are written with this revision's columns only, so a
    # later revision that adds columns does not break this one.
    import orjson

    from cordon.cases.state import fold_cases
    from cordon.store import codec

    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT seq, name, actor, created, subject, case_id, reason, payload "
        "FROM moderation_events WHERE case_id IS NOT NULL ORDER BY seq"
    ).columns(created=sa.DateTime(timezone=True))).mappings()  # typed: SQLite returns text
    cases = fold_cases(codec.row_to_event(r) for r in rows)
    table = sa.table(
        'case_status', *(sa.column(n) for n in (
            'case_id', 'subject_kind', 'subject_platform', 'subject_id', 'queue', 'priority',
            'state', 'assigned_to', 'decision', 'policy_clause', 'decided_by', 'appealed_by',
            'opened_at', 'updated_at', 'last_seq', 'report_count', 'risk', 'sla_due', 'reasons',
        ))
    )
    batch = [
        {
            'case_id': c.id, 'subject_kind': c.subject.kind.value, 'subject_platform': c.subject.platform,
            'subject_id': c.subject.id, 'queue': c.queue, 'priority': c.priority, 'state': c.state.value,
            'assigned_to': c.assigned_to, 'decision': c.decision, 'policy_clause': c.policy_clause,
            'decided_by': c.decided_by, 'appealed_by': c.appealed_by, 'opened_at': c.opened_at,
            'updated_at': c.updated_at, 'last_seq': c.last_seq, 'report_count': c.report_count,
            'risk': c.risk, 'sla_due': c.sla_due, 'reasons': orjson.dumps(c.reasons).decode(),
        }
        for c in cases.values()
    ]
    for start in range(0, len(batch), 5000):
        bind.execute(sa.insert(table), batch[start:start + 5000])


def upgrade() -> None:
    op.create_table('case_status',
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('subject_kind', sa.String(length=16), nullable=False),
    sa.Column('subject_platform', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('queue', sa.String(length=64), nullable=False),
    sa.Column('priority', sa.Float(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('assigned_to', sa.String(length=128), nullable=True),
    sa.Column('decision', sa.String(length=32), nullable=True),
    sa.Column('policy_clause', sa.String(length=128), nullable=True),
    sa.Column('decided_by', sa.String(length=128), nullable=True),
    sa.Column('appealed_by', sa.String(length=128), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('report_count', sa.Integer(), nullable=False),
    sa.Column('risk', sa.Float(), nullable=True),
    sa.Column('sla_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('case_id'),
    sqlite_with_rowid=False,
    )
    op.create_index('ix_case_status_queue', 'case_status',
                    ['state', 'queue', sa.text('priority DESC'), 'opened_at'], unique=False)
    op.create_index('ix_case_status_sla', 'case_status', ['state', 'sla_due'], unique=False)
    op.create_index('ix_case_status_subject', 'case_status',
                    ['subject_platform', 'subject_id', 'subject_kind'], unique=False)
    _backfill()


def downgrade() -> None:
    op.drop_index('ix_case_status_subject', table_name='case_status')
    op.drop_index('ix_case_status_sla', table_name='case_status')
    op.drop_index('ix_case_status_queue', table_name='case_status')
    op.drop_table('case_status')
