"""Bring a database up to the latest schema with Alembic (`chatpay migrate`)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from storage.db import normalize_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate to `revision`; a database already at the head is only looked at, not migrated."""
    if revision == "head" and at_head(url):
        return
    command.upgrade(alembic_config(url), revision)


@lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    """The migrations' head revision(s), read from the scripts once per process."""
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def at_head(url: str) -> bool:
    """Whether the database at `url` is at the latest schema (False if it cannot be read)."""
    engine = create_engine(normalize_url(url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()
    return frozenset(current) == head_revisions()


def revision(url: str, message: str) -> None:
    """Write a new migration by comparing the tables with the database (for developers)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
