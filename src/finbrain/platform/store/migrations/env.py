"""Alembic environment: always called from ``finbrain.platform.store.migrate`` with a connection."""

from __future__ import annotations

from alembic import context

from finbrain.platform.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `finbrain db upgrade`, not the alembic command")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
