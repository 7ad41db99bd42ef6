"""views and roles: the SQL files of include/sql (summaries, harmonised views, metrics, coverage),
plus the read-only analyst role on PostgreSQL.

Views are re-created from the files as they are at upgrade time (``ogi.warehouse.db.SQL_FILES``);
a later change to a view file ships with a revision that drops and re-applies the files.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op
from ogi.warehouse.db import apply_sql_files, drop_views

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    apply_sql_files(op.get_bind())


def downgrade() -> None:
    drop_views(op.get_bind())
