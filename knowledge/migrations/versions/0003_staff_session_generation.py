"""staff session generation

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-10 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A staff session is valid only while its generation is the account's: log-out, a new
    # password and deactivation bump it (knowledge/admin/sessions.py). recreate="never": see
    # 0002 (no table copy on SQLite).
    with op.batch_alter_table('staff_users', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('session_generation')
