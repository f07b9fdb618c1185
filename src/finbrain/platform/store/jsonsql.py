"""Reading inside JSON columns in SQL, the same on SQLite and PostgreSQL, so that dashboards
count what decisions, alerts and events carry (reasons, rule ids) in the database instead of
loading rows into Python.

A JSON array column becomes rows with ``elements`` (join it to its table with ``true()``);
``field`` reads one member of an object element as text; ``strings`` gives the elements of an
array of strings as text."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import Session


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def elements(session: Session, column: Any) -> Any:
    """The elements of a JSON array column, one row each (column ``value``)."""
    if _postgres(session):
        return func.json_array_elements(column).table_valued("value").lateral()
    return func.json_each(column).table_valued("value")


def field(session: Session, rows: Any, name: str) -> Any:
    """Member ``name`` of each object element, as text."""
    if _postgres(session):
        return rows.c.value.op("->>")(name)
    return func.json_extract(rows.c.value, f"$.{name}")


def strings(session: Session, column: Any) -> Any:
    """The elements of a JSON array of strings, one row each, as text (column ``value``)."""
    if _postgres(session):
        return func.json_array_elements_text(column).table_valued("value").lateral()
    return func.json_each(column).table_valued("value")  # SQLite gives the string itself
