"""The assistant's tables: customers' cards, accounts and transfers, the actions taken, the
conversation states, the knowledge base and its version, and the hand-off tickets; all
tenant-owned (row-level security through ``store.rls``).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from finbrain.platform.store.rls import enable_tenant_rls

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _tenant() -> sa.Column[str]:
    return sa.Column("tenant_id", sa.String(26), sa.ForeignKey("tenants.id"), nullable=False)


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "assistant_cards",
        _tenant(),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("customer", sa.String(128), nullable=False),
        sa.Column("last4", sa.String(4), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("product", sa.String(100), nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_assistant_cards"),
    )
    op.create_index("ix_assistant_cards_customer", "assistant_cards", ["tenant_id", "customer"])
    enable_tenant_rls(op, "assistant_cards")
    op.create_table(
        "assistant_accounts",
        _tenant(),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("customer", sa.String(128), nullable=False),
        sa.Column("last4", sa.String(4), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("available", sa.String(32), nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_assistant_accounts"),
    )
    op.create_index(
        "ix_assistant_accounts_customer", "assistant_accounts", ["tenant_id", "customer"]
    )
    enable_tenant_rls(op, "assistant_accounts")
    op.create_table(
        "assistant_transfers",
        _tenant(),
        sa.Column("reference", sa.String(32), nullable=False),
        sa.Column("customer", sa.String(128), nullable=False),
        sa.Column("amount", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created", sa.Date(), nullable=False),
        sa.Column("expected", sa.Date(), nullable=True),
        sa.Column("payee_last4", sa.String(4), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "reference", name="pk_assistant_transfers"),
    )
    op.create_index(
        "ix_assistant_transfers_customer",
        "assistant_transfers",
        ["tenant_id", "customer", "created"],
    )
    enable_tenant_rls(op, "assistant_transfers")
    op.create_table(
        "assistant_actions",
        _tenant(),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("customer", sa.String(128), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("reference", sa.String(32), nullable=True),
        sa.Column("problem", sa.String(32), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "request_id", name="pk_assistant_actions"),
    )
    op.create_index("ix_assistant_actions_customer", "assistant_actions", ["tenant_id", "customer"])
    enable_tenant_rls(op, "assistant_actions")
    op.create_table(
        "assistant_sessions",
        _tenant(),
        sa.Column("session_id", sa.String(128), nullable=False),
        sa.Column("customer", sa.String(128), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "session_id", name="pk_assistant_sessions"),
    )
    enable_tenant_rls(op, "assistant_sessions")
    op.create_table(
        "assistant_faq",
        _tenant(),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("answer_zh", sa.Text(), nullable=False),
        sa.Column("answer_en", sa.Text(), nullable=False),
        sa.Column("intents", sa.JSON(), nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "entry_id", name="pk_assistant_faq"),
    )
    enable_tenant_rls(op, "assistant_faq")
    op.create_table(
        "assistant_knowledge",
        _tenant(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_assistant_knowledge"),
    )
    enable_tenant_rls(op, "assistant_knowledge")
    op.create_table(
        "assistant_tickets",
        _tenant(),
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("session_id", sa.String(128), nullable=False),
        sa.Column("customer", sa.String(128), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("pending_task", sa.String(32), nullable=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("agent", sa.String(64), nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name="pk_assistant_tickets"),
    )
    # The queue lists open tickets, oldest first.
    op.create_index(
        "ix_assistant_tickets_status", "assistant_tickets", ["tenant_id", "status", "id"]
    )
    enable_tenant_rls(op, "assistant_tickets")


def downgrade() -> None:
    for table in (
        "assistant_tickets",
        "assistant_knowledge",
        "assistant_faq",
        "assistant_sessions",
        "assistant_actions",
        "assistant_transfers",
        "assistant_accounts",
        "assistant_cards",
    ):
        op.drop_table(table)
