"""entry texts: translation status (issue 11)

Each entry text says who or what made it (staff, imported, draft), which language it was
translated from and the fingerprint of that source text, and who reviewed it when.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 17:50:00
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # recreate="never": see 0002 (a batch copy of the table would cascade-delete on SQLite).
    with op.batch_alter_table('entry_texts', schema=None, recreate='never') as batch_op:
        # The texts already there came in files (the demo, spreadsheets) unless staff
        # wrote them in the admin (below); all are originals (translated_from NULL).
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='imported', nullable=False))
        batch_op.add_column(sa.Column('translated_from', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('source_fingerprint', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('reviewed_on', sa.Date(), nullable=True))
    texts = sa.table(
        'entry_texts', sa.column('entry_id', sa.String), sa.column('status', sa.String),
        sa.column('updated_at', sa.DateTime(timezone=True)),
    )
    audit = sa.table('audit_log', sa.column('entry_id', sa.String), sa.column('action', sa.String))
    # SQLite cannot add a column whose default is the current time: set it once here.
    op.execute(texts.update().values(updated_at=datetime.now(timezone.utc)))
    # "create" and "update" are the admin's actions (imports write "import-create/-update").
    edited_in_admin = sa.select(audit.c.entry_id).where(audit.c.action.in_(['create', 'update']))
    op.execute(texts.update().where(texts.c.entry_id.in_(edited_in_admin)).values(status='staff'))


def downgrade() -> None:
    with op.batch_alter_table('entry_texts', schema=None, recreate='never') as batch_op:
        for column in ('reviewed_on', 'reviewed_by', 'updated_at', 'source_fingerprint', 'translated_from', 'status'):
            batch_op.drop_column(column)
