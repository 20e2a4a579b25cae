"""Schema migrations with Alembic, run by `inclubot db upgrade` and by the setup."""
from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from knowledge.db import database_url, get_engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(url: str = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # configparser treats "%" as interpolation: escape it (passwords in URLs).
    config.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    return config


def upgrade(url: str = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def problem_with(url: str = None) -> Optional[str]:
    """Why the knowledge base at `url` cannot serve a command as it is, in one sentence for
    whoever typed it; None when it can. Creates nothing: a mistyped SQLite path stays absent."""
    url = url or database_url()
    parsed = make_url(url)
    where = repr(parsed)  # the password hidden
    sqlite_path = parsed.database if url.startswith("sqlite:///") else None
    if sqlite_path and not Path(sqlite_path).is_file():
        return (f"there is no knowledge base at {sqlite_path} (INCLUBOT_DATABASE_URL): "
                "`inclubot db upgrade` makes an empty one, `make run` one with the demo entries")
    try:
        with get_engine(url).connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as error:
        return f"the knowledge base at {where} could not be reached ({type(error).__name__})"
    if current != ScriptDirectory.from_config(alembic_config(url)).get_current_head():
        return f"the knowledge base at {where} is not set up for this version: run `inclubot db upgrade`"
    return None
