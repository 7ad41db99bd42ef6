"""views and roles: the SQL files of include/sql (summaries, harmonised views, metrics, coverage),
plus the read-only analyst role on PostgreSQL.

The SQL is frozen with the revision: ``include/migrations/0002/`` holds the view files
(``ogi.warehouse.db.SQL_FILES``) and ``analyst_role.sql`` as they were when it was written, never the
current include/sql, so fresh and upgraded warehouses are the same. A later change to a view file ships
with a revision that drops the views and applies its own frozen copy (``db.frozen_sql_dir``).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

from ogi.warehouse.db import apply_sql_files, drop_views, frozen_sql_dir

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    apply_sql_files(op.get_bind(), frozen_sql_dir(revision))


def downgrade() -> None:
    drop_views(op.get_bind(), frozen_sql_dir(revision))
