"""Credit: applicants per day in each development bin of each feature (characteristic
stability), tenant-owned (row-level security through ``store.rls``).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from finbrain.platform.store.rls import enable_tenant_rls

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_feature_days",
        sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("model_digest", sa.String(64), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("feature", sa.String(128), nullable=False),
        sa.Column("bin", sa.Integer(), nullable=False),
        sa.Column("applicants", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "model_digest", "day", "feature", "bin", name="pk_credit_feature_days"
        ),
    )
    enable_tenant_rls(op, "credit_feature_days")


def downgrade() -> None:
    op.drop_table("credit_feature_days")
