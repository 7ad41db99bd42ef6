"""schema: registry (regions, organs, names), versioned reports, facts, sections, validation results, runs

Generated from ogi.warehouse.models by Alembic autogenerate, then frozen: later model changes get
their own revision.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 09:26:13.687385
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "regions",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=True),
        sa.Column("parent_id", sa.String(length=100), nullable=True),
        sa.Column("city_id", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["parent_id"], ["regions.id"], name=op.f("fk_regions_parent_id_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regions")),
    )
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("dag_id", sa.String(length=250), nullable=True),
        sa.Column("logical_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("n_items", sa.Integer(), nullable=False),
        sa.Column("n_inserted", sa.Integer(), nullable=False),
        sa.Column("n_unchanged", sa.Integer(), nullable=False),
        sa.Column("n_superseded", sa.Integer(), nullable=False),
        sa.Column("n_quarantined", sa.Integer(), nullable=False),
        sa.Column("n_results", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_runs")),
    )
    op.create_table(
        "organs",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=True),
        sa.Column("region_id", sa.String(length=100), nullable=True),
        sa.Column("merged_into", sa.String(length=100), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("first_year", sa.Integer(), nullable=True),
        sa.Column("last_year", sa.Integer(), nullable=True),
        sa.Column("registered", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["merged_into"], ["organs.id"], name=op.f("fk_organs_merged_into_organs")),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], name=op.f("fk_organs_region_id_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organs")),
    )
    with op.batch_alter_table("organs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organs_region_id"), ["region_id"], unique=False)

    op.create_table(
        "organ_names",
        sa.Column("organ_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["organ_id"], ["organs.id"], name=op.f("fk_organ_names_organ_id_organs")),
        sa.PrimaryKeyConstraint("organ_id", "name", name=op.f("pk_organ_names")),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organ_id", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("template_version", sa.String(length=10), nullable=True),
        sa.Column("template_version_detected", sa.String(length=10), nullable=True),
        sa.Column("template_version_expected", sa.String(length=10), nullable=True),
        sa.Column("organ_name_printed", sa.String(length=300), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("source_format", sa.String(length=10), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("parser_version", sa.String(length=40), nullable=True),
        sa.Column("t2_present", sa.Boolean(), nullable=True),
        sa.Column("t3_present", sa.Boolean(), nullable=True),
        sa.Column("t4_present", sa.Boolean(), nullable=True),
        sa.Column("fee_notices_count", sa.Float(), nullable=True),
        sa.Column("fee_notices_amount_yuan", sa.Float(), nullable=True),
        sa.Column("fee_collected_yuan", sa.Float(), nullable=True),
        sa.Column("warnings", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("run_id", sa.String(length=200), nullable=True),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organ_id"], ["organs.id"], name=op.f("fk_reports_organ_id_organs")),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name=op.f("fk_reports_run_id_runs")),
        sa.ForeignKeyConstraint(
            ["superseded_by"], ["reports.id"], name=op.f("fk_reports_superseded_by_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("organ_id", "year", "sha256", name=op.f("uq_reports_organ_id_year_sha256")),
        sa.UniqueConstraint("organ_id", "year", "version", name=op.f("uq_reports_organ_id_year_version")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index("ix_reports_year_current", ["year", "is_current"], unique=False)
        batch_op.create_index(
            "uq_reports_current",
            ["organ_id", "year"],
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )

    op.create_table(
        "facts",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("table_no", sa.SmallInteger(), nullable=False),
        sa.Column("row_key", sa.String(length=80), nullable=False),
        sa.Column("col_key", sa.String(length=80), nullable=False),
        sa.Column("value_num", sa.Float(), nullable=True),
        sa.Column("raw_text", sa.Text(), nullable=True),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("imputed", sa.Boolean(), nullable=False),
        sa.Column("read_as", sa.String(length=20), nullable=True),
        sa.Column("src_table", sa.Integer(), nullable=True),
        sa.Column("src_row", sa.Integer(), nullable=True),
        sa.Column("src_col", sa.Integer(), nullable=True),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("bbox_x0", sa.Float(), nullable=True),
        sa.Column("bbox_top", sa.Float(), nullable=True),
        sa.Column("bbox_x1", sa.Float(), nullable=True),
        sa.Column("bbox_bottom", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_facts_report_id_reports"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("report_id", "table_no", "row_key", "col_key", name=op.f("pk_facts")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sections",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("section_key", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_sections_report_id_reports"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("report_id", "section_key", name=op.f("pk_sections")),
    )
    op.create_table(
        "validation_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=20), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("where_", sa.String(length=200), nullable=False),
        sa.Column("lhs", sa.Float(), nullable=True),
        sa.Column("rhs", sa.Float(), nullable=True),
        sa.Column("cells", sa.Text(), nullable=True),
        sa.Column("imputed_zero", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("run_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_validation_results_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name=op.f("fk_validation_results_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_validation_results")),
        sa.UniqueConstraint(
            "report_id", "rule_id", "where_", name=op.f("uq_validation_results_report_id_rule_id_where_")
        ),
    )


def downgrade() -> None:
    op.drop_table("validation_results")
    op.drop_table("sections")
    op.drop_table("facts")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_reports_current", sqlite_where=sa.text("is_current"), postgresql_where=sa.text("is_current")
        )
        batch_op.drop_index("ix_reports_year_current")

    op.drop_table("reports")
    op.drop_table("organ_names")
    with op.batch_alter_table("organs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organs_region_id"))

    op.drop_table("organs")
    op.drop_table("runs")
    op.drop_table("regions")
