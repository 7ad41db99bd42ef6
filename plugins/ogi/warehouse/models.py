"""The warehouse schema: SQLAlchemy 2.0 typed declarative models (DDL only; views live in include/sql).

Shape (docs/warehouse.md is the data dictionary):

* ``regions`` / ``organs`` / ``organ_names``: the registry, with rename and merge history;
* ``reports``: one row per *version* of an organ-year's source document (a new sha256 makes a new
  version; exactly one ``is_current`` row per organ-year, enforced by a partial unique index that
  both SQLite and PostgreSQL support);
* ``facts``: every printed cell of tables 二/三/四 in long form, with provenance;
* ``sections``: narrative text per section; ``validation_results``: every rule × place;
* ``runs``: the batch (Airflow dag_id/run_id/logical date) that loaded or validated rows.

Portable types only (no JSON, no arrays), so the same views run on both databases.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ogi.model import ParseStatus

# deterministic constraint names, so migrations can refer to them on both databases
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: report status values (``ogi.model.ParseStatus``)
PARSED = ParseStatus.PARSED
PARTIAL = ParseStatus.PARTIAL
QUARANTINED = ParseStatus.QUARANTINED
REPORT_STATUSES = tuple(ParseStatus)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Run(Base):
    """One batch that wrote rows (a load, a cross-year check, an ``ogi load`` call)."""

    __tablename__ = "runs"

    run_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="load")  # load | cross_year
    dag_id: Mapped[str | None] = mapped_column(String(250))
    logical_date: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    n_items: Mapped[int] = mapped_column(Integer, default=0)
    n_inserted: Mapped[int] = mapped_column(Integer, default=0)
    n_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    n_superseded: Mapped[int] = mapped_column(Integer, default=0)
    n_quarantined: Mapped[int] = mapped_column(Integer, default=0)
    n_results: Mapped[int] = mapped_column(Integer, default=0)


class RunOutcome(Base):
    """What a DAG run did for each organ-year it planned (the run summary, queryable): fetch status or
    parse status of the document (found/parsed/partial/quarantined/not_published/fetch_failed/blocked)
    with its reason. Re-recording the same run replaces its rows."""

    __tablename__ = "run_outcomes"

    run_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    organ_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[str | None] = mapped_column(String(100))
    fetch_status: Mapped[str | None] = mapped_column(String(30))
    outcome: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Region(Base):
    __tablename__ = "regions"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str | None] = mapped_column(String(20))  # city | district | county | township
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("regions.id"))
    city_id: Mapped[str | None] = mapped_column(String(100))  # registry file it came from


class Organ(Base):
    """An organ with a stable id. ``registered`` is false for organs only seen via ``ogi load``."""

    __tablename__ = "organs"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    type: Mapped[str | None] = mapped_column(String(20))  # department | government | subdistrict | township
    region_id: Mapped[str | None] = mapped_column(ForeignKey("regions.id"), index=True)
    merged_into: Mapped[str | None] = mapped_column(ForeignKey("organs.id"))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    # calendar years of valid_from / valid_to, so views test "active in year Y" portably
    first_year: Mapped[int | None] = mapped_column(Integer)
    last_year: Mapped[int | None] = mapped_column(Integer)
    registered: Mapped[bool] = mapped_column(Boolean, default=True)


class OrganName(Base):
    """Every name an organ has carried, with its validity (the current name has is_current)."""

    __tablename__ = "organ_names"

    organ_id: Mapped[str] = mapped_column(ForeignKey("organs.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(300), primary_key=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)


class Report(Base):
    """One version of one organ-year's report document."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("organ_id", "year", "version"),
        UniqueConstraint("organ_id", "year", "sha256"),
        # exactly one current version per organ-year (partial unique index, SQLite and PostgreSQL)
        Index(
            "uq_reports_current",
            "organ_id",
            "year",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
        Index("ix_reports_year_current", "year", "is_current"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organ_id: Mapped[str] = mapped_column(ForeignKey("organs.id"))
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean)
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))  # parsed | partial | quarantined
    status_reason: Mapped[str | None] = mapped_column(Text)
    template_version: Mapped[str | None] = mapped_column(String(10))  # canonical (follows table 二)
    template_version_detected: Mapped[str | None] = mapped_column(String(10))
    template_version_expected: Mapped[str | None] = mapped_column(String(10))
    organ_name_printed: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str | None] = mapped_column(Text)
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    deadline: Mapped[dt.date | None] = mapped_column(Date)  # ogi.templates.publication_deadline
    source_url: Mapped[str | None] = mapped_column(Text)
    source_format: Mapped[str | None] = mapped_column(String(10))
    fetched_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    parser_version: Mapped[str | None] = mapped_column(String(40))
    t2_present: Mapped[bool | None] = mapped_column(Boolean)
    t3_present: Mapped[bool | None] = mapped_column(Boolean)
    t4_present: Mapped[bool | None] = mapped_column(Boolean)
    #: every printed table number read into exactly one cell (ParsedReport.complete); NULL: not measured
    parse_complete: Mapped[bool | None] = mapped_column(Boolean)
    parse_unaccounted: Mapped[int | None] = mapped_column(Integer)
    fee_notices_count: Mapped[float | None] = mapped_column(Float)
    fee_notices_amount_yuan: Mapped[float | None] = mapped_column(Float)
    fee_collected_yuan: Mapped[float | None] = mapped_column(Float)
    warnings: Mapped[str | None] = mapped_column(Text)  # one per line
    notes: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.run_id"))
    loaded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Fact(Base):
    """One printed cell of table 二/三/四 (blank cells too: value NULL, raw kept)."""

    __tablename__ = "facts"
    # SQLite: clustered on the primary key, so summing a report's cells reads no second structure
    __table_args__ = ({"sqlite_with_rowid": False},)

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    table_no: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # 2 | 3 | 4
    row_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    col_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value_num: Mapped[float | None] = mapped_column(Float)
    raw_text: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(20))
    imputed: Mapped[bool] = mapped_column(Boolean, default=False)  # blank counted as 0 by a hard rule
    read_as: Mapped[str | None] = mapped_column(String(20))
    src_table: Mapped[int | None] = mapped_column(Integer)
    src_row: Mapped[int | None] = mapped_column(Integer)
    src_col: Mapped[int | None] = mapped_column(Integer)
    page: Mapped[int | None] = mapped_column(Integer)
    bbox_x0: Mapped[float | None] = mapped_column(Float)
    bbox_top: Mapped[float | None] = mapped_column(Float)
    bbox_x1: Mapped[float | None] = mapped_column(Float)
    bbox_bottom: Mapped[float | None] = mapped_column(Float)


class Section(Base):
    __tablename__ = "sections"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    section_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    body: Mapped[str] = mapped_column(Text)


class ValidationResult(Base):
    """One rule at one place of one report version (natural key: report, rule, where)."""

    __tablename__ = "validation_results"
    __table_args__ = (UniqueConstraint("report_id", "rule_id", "where_"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    rule_id: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))  # error | warning
    status: Mapped[str] = mapped_column(String(20))  # passed | failed | not_evaluable
    where_: Mapped[str] = mapped_column("where_", String(200))
    lhs: Mapped[float | None] = mapped_column(Float)
    rhs: Mapped[float | None] = mapped_column(Float)
    cells: Mapped[str | None] = mapped_column(Text)  # CellRef strings, space-separated
    imputed_zero: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.run_id"))
