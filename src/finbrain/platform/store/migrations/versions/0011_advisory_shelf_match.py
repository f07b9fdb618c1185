"""Advisory's product shelf (products, prices, the shelf's version), proposals, and match's
interactions: all tenant-owned (row-level security through ``store.rls``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from finbrain.platform.store.rls import enable_tenant_rls

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _tenant() -> sa.Column[str]:
    return sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False)


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "advisory_products",
        _tenant(),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("risk", sa.String(2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "code", name="pk_advisory_products"),
    )
    enable_tenant_rls(op, "advisory_products")
    op.create_table(
        "advisory_prices",
        _tenant(),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("price", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "code", "day", name="pk_advisory_prices"),
    )
    enable_tenant_rls(op, "advisory_prices")
    op.create_table(
        "advisory_shelves",
        _tenant(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("products", sa.Integer(), nullable=False),
        sa.Column("prices", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("updated_at", when, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_advisory_shelves"),
    )
    enable_tenant_rls(op, "advisory_shelves")
    op.create_table(
        "advisory_proposals",
        _tenant(),
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("client_id", sa.String(128), nullable=False),
        sa.Column("category", sa.String(2), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("cash", sa.String(32), nullable=False),
        sa.Column("holdings", sa.JSON(), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("orders", sa.JSON(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("shelf_version", sa.Integer(), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_advisory_proposals"),
    )
    # A client's page lists its proposals, newest first.
    op.create_index(
        "ix_advisory_proposals_client", "advisory_proposals", ["tenant_id", "client_id", "id"]
    )
    enable_tenant_rls(op, "advisory_proposals")
    op.create_table(
        "match_interactions",
        sa.Column("id", sa.String(26), nullable=False),
        _tenant(),
        sa.Column("customer", sa.String(128), nullable=False),
        sa.Column("product", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("occurred_at", when, nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_match_interactions"),
    )
    op.create_index(
        "ix_match_interactions_customer", "match_interactions", ["tenant_id", "customer", "id"]
    )
    enable_tenant_rls(op, "match_interactions")


def downgrade() -> None:
    op.drop_table("match_interactions")
    op.drop_table("advisory_proposals")
    op.drop_table("advisory_shelves")
    op.drop_table("advisory_prices")
    op.drop_table("advisory_products")
