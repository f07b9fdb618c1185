"""``INSERT … ON CONFLICT`` on either backend: PostgreSQL and SQLite spell it alike
(``on_conflict_do_nothing`` / ``on_conflict_do_update(index_elements=…, set_=…)``, ``excluded``),
but SQLAlchemy gives each dialect its own ``insert``; this picks the connection's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite


def insert_for(connection: Connection) -> Callable[[Any], postgresql.Insert | sqlite.Insert]:
    """The dialect's ``insert`` for ``connection`` (PostgreSQL, else SQLite)."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert
