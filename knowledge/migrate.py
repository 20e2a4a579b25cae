"""Schema migrations with Alembic, run by `inclubot db upgrade` and by the setup."""
from pathlib import Path

from alembic import command
from alembic.config import Config

from knowledge.db import database_url

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(url: str = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # configparser treats "%" as interpolation: escape it (passwords in URLs).
    config.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    return config


def upgrade(url: str = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)
