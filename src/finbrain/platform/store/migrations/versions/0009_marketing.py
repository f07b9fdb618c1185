"""Marketing: campaigns (definitions as data, the last selection's summary) and the contacts
made, tenant-owned (row-level security through ``store.rls``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from finbrain.platform.store.rls import enable_tenant_rls

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "marketing_campaigns",
        sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.Column("last_summary", sa.JSON(), nullable=True),
        sa.Column("selected_at", when, nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_marketing_campaigns"),
    )
    enable_tenant_rls(op, "marketing_campaigns")
    op.create_table(
        "marketing_contacts",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("offer", sa.String(64), nullable=False),
        sa.Column("cost_minor", sa.BigInteger(), nullable=False),
        sa.Column("decision_id", sa.String(26), nullable=False),
        sa.Column("contacted_at", when, nullable=False),
    )
    op.create_index(
        "ix_marketing_contacts_customer",
        "marketing_contacts",
        ["tenant_id", "customer_id", "contacted_at"],
    )
    op.create_index(
        "ix_marketing_contacts_campaign", "marketing_contacts", ["tenant_id", "campaign_id"]
    )
    enable_tenant_rls(op, "marketing_contacts")


def downgrade() -> None:
    op.drop_table("marketing_contacts")
    op.drop_table("marketing_campaigns")
