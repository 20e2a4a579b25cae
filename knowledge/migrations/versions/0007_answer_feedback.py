"""answer feedback: thumbs up / down counted per city, category and language (issue 13)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 20:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'answer_feedback',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('on', sa.Date(), nullable=False),
        sa.Column('city_id', sa.String(length=64), nullable=False),
        sa.Column('category', sa.String(length=64), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('helpful', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_answer_feedback_on', 'answer_feedback', ['on'])


def downgrade() -> None:
    op.drop_index('ix_answer_feedback_on', table_name='answer_feedback')
    op.drop_table('answer_feedback')
