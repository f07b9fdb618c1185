"""Foundation: tenants, operator and tenant API keys, decisions, idempotency records; RLS.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tenants"),
        sa.UniqueConstraint("name", name="uq_tenants_name"),
    )
    op.create_table(
        "operator_keys",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_operator_keys"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("tenant_id", sa.String(26), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_api_keys_tenant_id_tenants"
        ),
    )
    op.create_index("ix_api_keys_tenant_id", "api_keys", ["tenant_id"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("tenant_id", sa.String(26), nullable=False),
        sa.Column("capability", sa.String(32), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("subject_type", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.String(128), nullable=False),
        sa.Column("model_id", sa.String(128), nullable=True),
        sa.Column("model_version", sa.String(64), nullable=True),
        sa.Column("model_digest", sa.String(128), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("grade", sa.String(16), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("input_digest", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("receipt", sa.JSON(), nullable=True),
        sa.Column("key_id", sa.String(26), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_decisions"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_decisions_tenant_id_tenants"
        ),
    )
    op.create_index("ix_decisions_tenant_id_id", "decisions", ["tenant_id", "id"])
    op.create_index(
        "ix_decisions_tenant_capability", "decisions", ["tenant_id", "capability", "id"]
    )
    op.create_index(
        "ix_decisions_tenant_subject", "decisions", ["tenant_id", "subject_type", "subject_id"]
    )
    op.create_table(
        "idempotency_records",
        sa.Column("principal_id", sa.String(26), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("tenant_id", sa.String(26), nullable=True),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.LargeBinary(), nullable=False),
        sa.Column("response_headers", sa.JSON(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("principal_id", "key", name="pk_idempotency_records"),
    )
    op.create_index("ix_idempotency_records_tenant_id", "idempotency_records", ["tenant_id"])
    op.create_index("ix_idempotency_records_created_at", "idempotency_records", ["created_at"])

    if op.get_bind().dialect.name == "postgresql":
        _row_level_security()


TENANT = "tenant_id = current_setting('finbrain.tenant_id', true)"
PLATFORM = "current_setting('finbrain.platform', true) = 'on'"


def _row_level_security() -> None:
    settings = context.config.attributes.get("settings")
    role = settings.postgres_app_role if settings is not None else "finbrain_app"
    # The role the app drops to (see database.py); a DBA may have created it already.
    # ``role`` is a validated identifier (Settings.postgres_app_role), so interpolation is safe.
    op.execute(
        f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE "{role}" NOLOGIN NOSUPERUSER NOBYPASSRLS;
            END IF;
        END $$"""  # noqa: S608
    )
    op.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
    op.execute(
        "GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, operator_keys, api_keys, decisions, "
        f'idempotency_records TO "{role}"'
    )
    op.execute(f'GRANT SELECT ON alembic_version TO "{role}"')
    policies = {
        # A tenant sees itself; the platform scope (operator, key lookup) sees all tenants.
        "tenants": (f"id = current_setting('finbrain.tenant_id', true) OR {PLATFORM}", None),
        # Keys are looked up before the tenant is known, so the platform scope may read them.
        "api_keys": (f"{TENANT} OR {PLATFORM}", None),
        # Decisions are tenant data only: not even the operator scope reads them.
        "decisions": (TENANT, TENANT),
        "idempotency_records": (f"{TENANT} OR {PLATFORM}", None),
    }
    for table, (using, check) in policies.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {table}_isolation ON {table} USING ({using}) "
            f"WITH CHECK ({check or using})"
        )


def downgrade() -> None:
    for table in ("idempotency_records", "decisions", "api_keys", "operator_keys", "tenants"):
        op.drop_table(table)
