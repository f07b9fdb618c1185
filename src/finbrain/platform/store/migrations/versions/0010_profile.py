"""Profiles: each customer's latest customer-360 profile, tenant-owned (row-level security
through ``store.rls``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from finbrain.platform.store.rls import enable_tenant_rls

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "profile_customers",
        sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("as_of", when, nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("built_at", when, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "customer_id", name="pk_profile_customers"),
    )
    enable_tenant_rls(op, "profile_customers")


def downgrade() -> None:
    op.drop_table("profile_customers")
