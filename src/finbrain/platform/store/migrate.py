"""Alembic migrations run from code: ``finbrain db upgrade`` and the server's start-up."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from finbrain.core.settings import Settings
from finbrain.platform.store.database import make_engine


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("finbrain.platform.store") / "migrations")
    )
    config.attributes["settings"] = settings
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Bring the schema (and, on PostgreSQL, roles and row-level security) up to ``revision``."""
    engine = make_engine(settings, for_migrations=True)
    try:
        with engine.begin() as connection:
            config = alembic_config(settings)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def current_revision(settings: Settings) -> str | None:
    engine = make_engine(settings, for_migrations=True)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision(settings: Settings) -> str | None:
    return ScriptDirectory.from_config(alembic_config(settings)).get_current_head()
