"""Model registry: versions of each tenant's models, one champion per capability; RLS.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_versions",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("capability", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("artifact", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_model_versions"),
    )
    op.create_index("ix_model_versions_tenant_id", "model_versions", ["tenant_id"])
    op.create_index(
        "ix_model_versions_name",
        "model_versions",
        ["tenant_id", "capability", "name", "version"],
        unique=True,
    )
    if op.get_bind().dialect.name == "postgresql":
        settings = context.config.attributes.get("settings")
        role = settings.postgres_app_role if settings is not None else "finbrain_app"
        tenant = "tenant_id = current_setting('finbrain.tenant_id', true)"
        op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON model_versions TO "{role}"')
        op.execute("ALTER TABLE model_versions ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE model_versions FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY model_versions_isolation ON model_versions USING ({tenant}) "
            f"WITH CHECK ({tenant})"
        )


def downgrade() -> None:
    op.drop_table("model_versions")
