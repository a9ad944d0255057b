"""review console users and sessions

console_users holds who may sign in to the console, with their role and the argon2id hash of
their password; console_sessions holds signed-in sessions under the SHA-256 of their cookie's
token. Neither table keeps a secret in the clear.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('console_users',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('password_hash', sa.String(length=512), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('console_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_name', sa.String(length=64), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_index('ix_console_sessions_user', 'console_sessions', ['user_name'], unique=False)
    op.create_index('ix_console_sessions_expires', 'console_sessions', ['expires'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_console_sessions_expires', table_name='console_sessions')
    op.drop_index('ix_console_sessions_user', table_name='console_sessions')
    op.drop_table('console_sessions')
    op.drop_table('console_users')
