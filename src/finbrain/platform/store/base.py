"""The declarative base of every platform table: naming convention, UTC datetimes, and the
``TenantOwned`` marker the tenant filter and row-level security key on. Kernel and capability
tables (``store/models.py``, ``platform/<capability>/tables.py``) all derive from ``Base``, so
``Base.metadata`` (Alembic's target) sees them all once ``store.models`` is imported.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    MetaData,
    String,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: finbrain stores timezone-aware UTC only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: JSON,
    }


def tenant_column(*, primary_key: bool = False, index: bool = False) -> MappedColumn[str]:
    """The ``tenant_id`` column of a tenant-owned table: the tenant's id, referencing it."""
    return mapped_column(String(26), ForeignKey("tenants.id"), primary_key=primary_key, index=index)


class TenantOwned:
    """Marker mixin: rows that belong to one tenant and must never be seen by another."""

    # Declared here so the automatic tenant filter (a lambda over this mixin) can be analysed;
    # each table re-declares it with its own foreign key and index.
    tenant_id: Mapped[str] = mapped_column(String(26))
