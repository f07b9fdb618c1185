"""Advisory clients: each client's current risk profile (the latest assessment), tenant-owned
(row-level security through ``store.rls``).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from finbrain.platform.store.rls import enable_tenant_rls

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "advisory_clients",
        sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("client_id", sa.String(128), nullable=False),
        sa.Column("category", sa.String(2), nullable=False),
        sa.Column("capacity", sa.String(2), nullable=False),
        sa.Column("willingness", sa.String(2), nullable=False),
        sa.Column("lowest", sa.Boolean(), nullable=False),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("capacity_score", sa.Float(), nullable=False),
        sa.Column("willingness_score", sa.Float(), nullable=False),
        sa.Column("questionnaire_id", sa.String(64), nullable=False),
        sa.Column("questionnaire_version", sa.String(32), nullable=False),
        sa.Column("questionnaire_digest", sa.String(64), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("decision_id", sa.String(26), nullable=False),
        sa.Column("assessed_at", when, nullable=False),
        sa.Column("expires_at", when, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "client_id", name="pk_advisory_clients"),
    )
    enable_tenant_rls(op, "advisory_clients")


def downgrade() -> None:
    op.drop_table("advisory_clients")
