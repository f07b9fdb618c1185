"""Ledger: per-tenant RFC 9162 logs (leaves, subtree hashes, checkpoints, witnesses); RLS.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
TABLES = (
    "ledger_heads",
    "ledger_leaves",
    "ledger_nodes",
    "ledger_checkpoints",
    "ledger_witnesses",
    "ledger_cosignatures",
)


def _tenant() -> sa.Column[str]:
    return sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "ledger_heads",
        _tenant(),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_ledger_heads"),
    )
    op.create_table(
        "ledger_leaves",
        _tenant(),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.Column("entry", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("decision_id", sa.String(26), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "leaf_index", name="pk_ledger_leaves"),
    )
    op.create_index("ix_ledger_leaves_decision", "ledger_leaves", ["tenant_id", "decision_id"])
    op.create_table(
        "ledger_nodes",
        _tenant(),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "level", "idx", name="pk_ledger_nodes"),
    )
    op.create_table(
        "ledger_checkpoints",
        _tenant(),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "size", name="pk_ledger_checkpoints"),
    )
    op.create_table(
        "ledger_witnesses",
        _tenant(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("vkey", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "name", name="pk_ledger_witnesses"),
    )
    op.create_table(
        "ledger_cosignatures",
        _tenant(),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("witness", sa.String(200), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "size", "witness", name="pk_ledger_cosignatures"),
    )
    if op.get_bind().dialect.name == "postgresql":
        settings = context.config.attributes.get("settings")
        role = settings.postgres_app_role if settings is not None else "finbrain_app"
        tenant = "tenant_id = current_setting('finbrain.tenant_id', true)"
        for table in TABLES:
            # Entries hold whole decisions: tenant scope only. The platform scope may see heads
            # (sizes and roots, nothing more) to find logs that need a checkpoint.
            using = tenant
            if table == "ledger_heads":
                using = f"{tenant} OR current_setting('finbrain.platform', true) = 'on'"
            op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO "{role}"')
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY {table}_isolation ON {table} USING ({using}) WITH CHECK ({using})"
            )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
