"""Background jobs (model training) with progress; RLS.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
    )
    op.create_index("ix_jobs_tenant_id", "jobs", ["tenant_id"])
    if op.get_bind().dialect.name == "postgresql":
        settings = context.config.attributes.get("settings")
        role = settings.postgres_app_role if settings is not None else "finbrain_app"
        tenant = "tenant_id = current_setting('finbrain.tenant_id', true)"
        op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON jobs TO "{role}"')
        op.execute("ALTER TABLE jobs ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE jobs FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY jobs_isolation ON jobs USING ({tenant}) WITH CHECK ({tenant})")


def downgrade() -> None:
    op.drop_table("jobs")
