"""Identity and risk: card applications and their review, screened customers; the risk event
log, labels, snapshots, rule sets, alerts, cases and case notes. Every table is tenant-owned
with FORCE ROW LEVEL SECURITY on PostgreSQL.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
TABLES = (
    "card_applications",
    "screened_customers",
    "risk_events",
    "risk_labels",
    "risk_snapshots",
    "risk_rule_sets",
    "risk_cases",
    "risk_alerts",
    "risk_case_notes",
)


def upgrade() -> None:
    op.create_table(
        "card_applications",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("reference", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("limit_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("thin_file", sa.Boolean(), nullable=False),
        sa.Column("decision_id", sa.String(26), nullable=False),
        sa.Column("step_decisions", sa.JSON(), nullable=False),
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("phone_hash", sa.String(64), nullable=False),
        sa.Column("device_hash", sa.String(64), nullable=True),
        sa.Column("applicant", sa.JSON(), nullable=False),
        sa.Column("review_status", sa.String(16), nullable=True),
        sa.Column("reviewer", sa.String(128), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("review_decision_id", sa.String(26), nullable=True),
        sa.Column("reviewed_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_card_applications"),
    )
    op.create_index("ix_card_applications_tenant_id_id", "card_applications", ["tenant_id", "id"])
    op.create_index(
        "ix_card_applications_reference",
        "card_applications",
        ["tenant_id", "reference"],
        unique=True,
    )
    op.create_index(
        "ix_card_applications_id_hash", "card_applications", ["tenant_id", "id_hash", "created_at"]
    )
    op.create_index(
        "ix_card_applications_phone_hash",
        "card_applications",
        ["tenant_id", "phone_hash", "created_at"],
    )
    op.create_index(
        "ix_card_applications_device_hash",
        "card_applications",
        ["tenant_id", "device_hash", "created_at"],
    )
    op.create_index(
        "ix_card_applications_review", "card_applications", ["tenant_id", "review_status", "id"]
    )
    op.create_table(
        "screened_customers",
        sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("birth_date", sa.String(10), nullable=True),
        sa.Column("nationality", sa.String(64), nullable=True),
        sa.Column("list_version", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("best_score", sa.Float(), nullable=False),
        sa.Column("hits", sa.JSON(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "customer_id", name="pk_screened_customers"),
    )
    op.create_table(
        "risk_events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("occurred_at", TZ, nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("decision_id", sa.String(26), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_risk_events"),
    )
    op.create_index("ix_risk_events_tenant_seq", "risk_events", ["tenant_id", "seq"])
    op.create_index(
        "ix_risk_events_event_id", "risk_events", ["tenant_id", "event_id"], unique=True
    )
    op.create_table(
        "risk_labels",
        sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("is_fraud", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "event_id", name="pk_risk_labels"),
    )
    op.create_table(
        "risk_snapshots",
        sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("features_digest", sa.String(64), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "seq", name="pk_risk_snapshots"),
    )
    op.create_table(
        "risk_rule_sets",
        sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "version", name="pk_risk_rule_sets"),
    )
    op.create_table(
        "risk_cases",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("entity_type", sa.String(16), nullable=False),
        sa.Column("entity_id", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assignee", sa.String(128), nullable=True),
        sa.Column("disposition", sa.String(16), nullable=True),
        sa.Column("alert_count", sa.Integer(), nullable=False),
        sa.Column("max_score", sa.Float(), nullable=False),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("closed_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_risk_cases"),
    )
    op.create_index("ix_risk_cases_tenant_status", "risk_cases", ["tenant_id", "status", "id"])
    op.create_index(
        "ix_risk_cases_entity", "risk_cases", ["tenant_id", "entity_type", "entity_id", "status"]
    )
    op.create_table(
        "risk_alerts",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("case_id", sa.String(26), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("decision_id", sa.String(26), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_risk_alerts"),
    )
    op.create_index("ix_risk_alerts_case", "risk_alerts", ["tenant_id", "case_id"])
    op.create_index("ix_risk_alerts_tenant_id_id", "risk_alerts", ["tenant_id", "id"])
    op.create_table(
        "risk_case_notes",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("case_id", sa.String(26), nullable=False),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_risk_case_notes"),
    )
    op.create_index(
        "ix_risk_case_notes_case", "risk_case_notes", ["tenant_id", "case_id", "created_at"]
    )
    if op.get_bind().dialect.name == "postgresql":
        settings = context.config.attributes.get("settings")
        role = settings.postgres_app_role if settings is not None else "finbrain_app"
        tenant = "tenant_id = current_setting('finbrain.tenant_id', true)"
        for table in TABLES:
            op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO "{role}"')
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY {table}_isolation ON {table} USING ({tenant}) WITH CHECK ({tenant})"
            )
        # The event log's sequence is used by the app role when it appends.
        op.execute(f'GRANT USAGE ON SEQUENCE risk_events_seq_seq TO "{role}"')


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
