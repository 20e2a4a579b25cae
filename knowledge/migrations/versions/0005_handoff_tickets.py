"""handoff tickets: a person's question handed to the city's staff (issue 12)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 20:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'handoff_tickets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('city_id', sa.String(length=64), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('conversation_id', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('stage', sa.String(length=16), nullable=True),
        sa.Column('question', sa.Text(), nullable=True),
        sa.Column('category', sa.String(length=64), nullable=True),
        sa.Column('keeps_personal_data', sa.Boolean(), nullable=False),
        sa.Column('excerpt', sa.JSON(), nullable=False),
        sa.Column('assigned_to', sa.String(length=120), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('close_reason', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_handoff_tickets_conversation_id', 'handoff_tickets', ['conversation_id'])
    op.create_index('ix_handoff_tickets_city_status', 'handoff_tickets', ['city_id', 'status'])
    op.create_table(
        'handoff_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('author', sa.String(length=120), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reply_key', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['ticket_id'], ['handoff_tickets.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ticket_id', 'reply_key', name='uq_handoff_messages_reply_key'),
    )
    op.create_index('ix_handoff_messages_ticket_id', 'handoff_messages', ['ticket_id'])


def downgrade() -> None:
    op.drop_table('handoff_messages')
    op.drop_table('handoff_tickets')
