"""Tickets are personal data: deleted some time after closing (INCLUBOT_TICKET_RETENTION_DAYS,
90 by default) by `inclubot privacy purge`, drafts nobody finished after a day; the schema
migration goes up and down."""
import os
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic import command

from bot import servers
from conftest import PROJECT_ROOT
from knowledge import tickets
from knowledge.db import get_engine, session_scope
from knowledge.migrate import alembic_config
from knowledge.models import utcnow


def make_ticket(url: str, conversation: str, status: str, closed_days_ago: float = None, updated_hours_ago: float = 0) -> int:
    with session_scope(url) as session:
        ticket = tickets.start_draft(session, conversation, "mechelen", "en")
        if status != tickets.DRAFT:
            ticket.question = "a question"
            tickets.open_ticket(session, ticket, [])
            tickets.reply(session, ticket, "anna", "an answer")
        if status == tickets.CLOSED:
            tickets.close(session, ticket, "answered")
            ticket.closed_at = utcnow() - timedelta(days=closed_days_ago)
        ticket.updated_at = utcnow() - timedelta(hours=updated_hours_ago)
        return ticket.id


def purge(url: str, tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key != "INCLUBOT_TICKET_RETENTION_DAYS"}
    environment.update(INCLUBOT_DATABASE_URL=url, INCLUBOT_TRACKER_STORE_URL=f"sqlite:///{tmp_path / 'tracker.db'}", **env)
    return subprocess.run([str(servers.BIN / "inclubot"), "privacy", "purge"], cwd=PROJECT_ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def remaining(url: str):
    with session_scope(url) as session:
        return sorted(t.conversation_id for t in session.execute(sa.select(tickets.Ticket)).scalars())


@pytest.mark.slow  # runs the inclubot command as a process
def test_purge_deletes_tickets_closed_longer_than_the_retention_period(empty_db, tmp_path):
    make_ticket(empty_db, "tg:1", tickets.CLOSED, closed_days_ago=100)
    make_ticket(empty_db, "tg:2", tickets.CLOSED, closed_days_ago=10)
    make_ticket(empty_db, "tg:3", tickets.OPEN, updated_hours_ago=24 * 200)  # still waiting for staff: kept
    make_ticket(empty_db, "tg:4", tickets.DRAFT, updated_hours_ago=30)  # consent never completed
    make_ticket(empty_db, "tg:5", tickets.DRAFT, updated_hours_ago=1)

    result = purge(empty_db, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2 handoff ticket(s) closed more than 90 days ago" in result.stdout
    assert remaining(empty_db) == ["tg:2", "tg:3", "tg:5"]
    with get_engine(empty_db).connect() as connection:  # their messages went with them
        assert connection.execute(sa.text("SELECT count(*) FROM handoff_messages")).scalar_one() == 2

    result = purge(empty_db, tmp_path, INCLUBOT_TICKET_RETENTION_DAYS="7")
    assert result.returncode == 0 and "1 handoff ticket(s) closed more than 7 days ago" in result.stdout
    assert remaining(empty_db) == ["tg:3", "tg:5"]

    wrong = purge(empty_db, tmp_path, INCLUBOT_TICKET_RETENTION_DAYS="ninety")
    assert wrong.returncode == 2 and "INCLUBOT_TICKET_RETENTION_DAYS must be a whole number" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    assert remaining(empty_db) == ["tg:3", "tg:5"]


def test_the_migration_goes_down_and_up(empty_db):
    make_ticket(empty_db, "web:" + "a" * 32, tickets.OPEN)
    command.downgrade(alembic_config(empty_db), "0004")
    assert "handoff_tickets" not in sa.inspect(get_engine(empty_db)).get_table_names()
    command.upgrade(alembic_config(empty_db), "head")
    assert {"handoff_tickets", "handoff_messages"} <= set(sa.inspect(get_engine(empty_db)).get_table_names())
