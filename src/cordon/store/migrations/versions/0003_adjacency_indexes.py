"""adjacency indexes on interactions, both directions, for k-hop neighbourhoods

ix_interactions_target (platform, target_id) gives way to (platform, target_id, kind), which
serves every query the narrower one did, so ingest pays for one more index, not two.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.create_index('ix_interactions_source', ['platform', 'source_id', 'kind'], unique=False)
        batch_op.create_index('ix_interactions_target_kind', ['platform', 'target_id', 'kind'], unique=False)
        batch_op.drop_index('ix_interactions_target')


def downgrade() -> None:
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.create_index('ix_interactions_target', ['platform', 'target_id'], unique=False)
        batch_op.drop_index('ix_interactions_target_kind')
        batch_op.drop_index('ix_interactions_source')
