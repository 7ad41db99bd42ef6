"""parse completeness on each report version (issue 11): whether every number printed in the report's
tables was read into exactly one cell (``parse_complete``) and how many were not
(``parse_unaccounted``). NULL for versions loaded before the guard existed. Views and summaries can
filter on it (``WHERE parse_complete``); an incomplete version is always ``status = 'partial'``.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ALTER TABLE (no batch copy: SQLite's table copy would break the views on reports)
    op.add_column("reports", sa.Column("parse_complete", sa.Boolean))
    op.add_column("reports", sa.Column("parse_unaccounted", sa.Integer))


def downgrade() -> None:
    op.execute("ALTER TABLE reports DROP COLUMN parse_unaccounted")  # SQLite ≥ 3.35 and PostgreSQL
    op.execute("ALTER TABLE reports DROP COLUMN parse_complete")
