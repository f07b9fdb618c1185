"""Screening allow decisions: a person's recorded decision that a screened name is not a listed
entry (a false positive), tenant-owned (row-level security through ``store.rls``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from finbrain.platform.store.rls import enable_tenant_rls

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screening_allows",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("list_id", sa.String(16), nullable=False),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("entry_digest", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=True),
        sa.Column("decided_by", sa.String(128), nullable=False),
        sa.Column("note", sa.String(2000), nullable=False),
        sa.Column("decision_id", sa.String(26), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_screening_allows"),
    )
    # A screening with hits looks its hits' allow decisions up by entry.
    op.create_index(
        "ix_screening_allows_entry", "screening_allows", ["tenant_id", "list_id", "entry_id"]
    )
    enable_tenant_rls(op, "screening_allows")


def downgrade() -> None:
    op.drop_table("screening_allows")
