"""Profiles' build summaries (segments, personas, tag counts) and each profile's segment;
marketing's consents, and each customer's arm in a campaign (offer or control) with the
features it was chosen on and the response the bank recorded, which the uplift model learns
from. All tenant-owned (row-level security through ``store.rls``).

Revision ID: 0013
Revises: 0012 (the lead re-chains it after 0012 on merge)
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from finbrain.platform.store.rls import enable_tenant_rls

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _tenant() -> sa.Column[str]:
    return sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False)


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "profile_builds",
        _tenant(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("as_of", when, nullable=False),
        sa.Column("built_at", when, nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_profile_builds"),
    )
    enable_tenant_rls(op, "profile_builds")
    op.add_column("profile_customers", sa.Column("segment", sa.Integer(), nullable=True))
    # A segment's page lists its customers.
    op.create_index(
        "ix_profile_customers_segment", "profile_customers", ["tenant_id", "segment", "customer_id"]
    )
    op.create_table(
        "marketing_consents",
        _tenant(),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "customer_id", name="pk_marketing_consents"),
    )
    enable_tenant_rls(op, "marketing_consents")
    op.create_table(
        "marketing_assignments",
        sa.Column("id", sa.String(26), nullable=False),
        _tenant(),
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("arm", sa.String(16), nullable=False),
        sa.Column("offer", sa.String(64), nullable=False),
        sa.Column("treatment", sa.String(128), nullable=False),
        sa.Column("uplift", sa.Float(), nullable=True),
        sa.Column("expected_value", sa.Float(), nullable=True),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("decision_id", sa.String(26), nullable=False),
        sa.Column("assigned_at", when, nullable=False),
        sa.Column("responded", sa.Boolean(), nullable=True),
        sa.Column("responded_at", when, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_marketing_assignments"),
    )
    op.create_index(
        "ix_marketing_assignments_customer",
        "marketing_assignments",
        ["tenant_id", "campaign_id", "customer_id"],
        unique=True,
    )
    enable_tenant_rls(op, "marketing_assignments")


def downgrade() -> None:
    op.drop_table("marketing_assignments")
    op.drop_table("marketing_consents")
    op.drop_index("ix_profile_customers_segment", table_name="profile_customers")
    with op.batch_alter_table("profile_customers") as batch:
        batch.drop_column("segment")
    op.drop_table("profile_builds")
