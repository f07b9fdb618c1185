"""Advisory: a product on the shelf can be withdrawn from sale (``withdrawn_at``); proposals
and recommendations made after never buy or list it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("advisory_products") as table:
        table.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("advisory_products") as table:
        table.drop_column("withdrawn_at")
