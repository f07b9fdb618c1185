"""Tenant isolation in the database: the one place new migrations get it from.

A tenant-owned table on PostgreSQL gets row-level security, forced (even the table's owner is
bound by it), with one policy: a row is visible and writable only when its ``tenant_id`` is the
tenant the transaction was narrowed to (``Database.scope_tenant`` sets
``finbrain.tenant_id``). The app role gets the four data privileges and nothing else. SQLite
has no row-level security: there the unit of work's tenant filter is the only guard.

Migrations 0001–0006 wrote these statements out by hand; they stay as they are (a migration
that ran is history). Every later migration calls :func:`enable_tenant_rls`.
"""

from __future__ import annotations

from typing import Any

TENANT_PREDICATE = "tenant_id = current_setting('finbrain.tenant_id', true)"


def app_role(context: Any) -> str:
    """The role the application connects as (``Settings.postgres_app_role``)."""
    settings = context.config.attributes.get("settings")
    return settings.postgres_app_role if settings is not None else "finbrain_app"


def tenant_rls_statements(table: str, role: str) -> list[str]:
    """The SQL that isolates ``table`` per tenant for ``role`` (PostgreSQL)."""
    return [
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO "{role}"',
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {table}_isolation ON {table} "
        f"USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})",
    ]


def enable_tenant_rls(op: Any, table: str, *, sequences: tuple[str, ...] = ()) -> None:
    """In a migration's ``upgrade``: isolate ``table`` per tenant (a no-op on SQLite), and let
    the app role use ``sequences`` (e.g. a ``BIGSERIAL``'s ``<table>_<column>_seq``)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    from alembic import context

    role = app_role(context)
    for statement in tenant_rls_statements(table, role):
        op.execute(statement)
    for sequence in sequences:
        op.execute(f'GRANT USAGE ON SEQUENCE {sequence} TO "{role}"')
