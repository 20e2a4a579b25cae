"""Alembic environment: migrates the database given by the caller (see knowledge/migrate.py)."""
from alembic import context

from knowledge.db import get_engine
from knowledge.models import Base
from knowledge import tickets  # noqa: F401 - its tables are in Base.metadata too

config = context.config


def run_migrations() -> None:
    engine = get_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
