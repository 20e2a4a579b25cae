"""staff admin language and remembered city

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-03 20:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The language the admin is shown in for this account (None: the browser's), and the
    # city a coordinator last worked on (the home page opens on it). recreate="never": see
    # 0002 (no table copy on SQLite).
    with op.batch_alter_table('staff_users', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('admin_language', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('home_city_id', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('home_city_id')
        batch_op.drop_column('admin_language')
