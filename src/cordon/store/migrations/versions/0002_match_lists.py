"""match lists: known media hashes and propaganda links, with false-positive marks

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('match_lists',
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('kinds', sa.String(length=64), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name'),
    sqlite_with_rowid=False
    )

    op.create_table('list_entries',
    sa.Column('list_name', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('list_name', 'kind', 'value'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('list_entries', schema=None) as batch_op:
        batch_op.create_index('ix_list_entries_value', ['kind', 'value'], unique=False)

    op.create_table('false_positives',
    sa.Column('list_name', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('marked_by', sa.String(length=128), nullable=False),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('list_name', 'kind', 'value'),
    sqlite_with_rowid=False
    )


def downgrade() -> None:
    op.drop_table('false_positives')
    with op.batch_alter_table('list_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_list_entries_value')

    op.drop_table('list_entries')
    op.drop_table('match_lists')
