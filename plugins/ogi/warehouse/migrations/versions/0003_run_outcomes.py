"""run outcomes: every organ-year a DAG run planned, with its outcome and reason (the run summary in
the warehouse, including organs whose report was not published or could not be fetched).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_outcomes",
        sa.Column("run_id", sa.String(200), primary_key=True),
        sa.Column("organ_id", sa.String(100), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("region_id", sa.String(100)),
        sa.Column("fetch_status", sa.String(30)),
        sa.Column("outcome", sa.String(30), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("sha256", sa.String(64)),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_run_outcomes_organ_year", "run_outcomes", ["organ_id", "year"])


def downgrade() -> None:
    op.drop_index("ix_run_outcomes_organ_year", "run_outcomes")
    op.drop_table("run_outcomes")
