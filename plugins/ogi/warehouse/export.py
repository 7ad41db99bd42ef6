"""``ogi export --region R --years A-B --format csv|parquet|xlsx [--out DIR]``: the warehouse rows of a
region (and the regions below it) and a range of statistics years, for analysts, with the data
dictionary beside them.

Datasets (every report version, not only the current ones; filter on ``is_current``):

* ``facts``: every printed cell with its provenance (one row per report version × cell);
* ``report_versions``: one row per report version (the ``reports`` table with organ name/type/region);
* ``rule_results``: every rule result of those versions (``validation_results``);
* ``metrics``: ``v_metrics`` rows of the region, the regions below it and their organs;
* ``data_dictionary``: dataset, column, type, meaning of each column above.

Formats: ``csv`` (one UTF-8-with-BOM file per dataset, written by ``ogi.warehouse.outputs.write_csv``:
text cells a spreadsheet would run as a formula get a leading ``'``), ``xlsx`` (one workbook, one sheet
per dataset; the same ``safe_cell`` rule, and every text cell is stored as a string, never a formula;
characters a workbook cannot hold become U+FFFD), ``parquet`` (one file per dataset, typed columns,
values exactly as in the warehouse) plus ``data_dictionary.csv``.

Values are read through the SQLAlchemy models, so they have the same types on SQLite and PostgreSQL:
booleans as booleans, dates as dates, timestamps in UTC.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ogi.warehouse.commands import _WAREHOUSE_HELP

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Engine

FORMATS = ("csv", "parquet", "xlsx")
#: rows per sheet an xlsx worksheet holds (1,048,576 minus the header); larger datasets continue on
#: sheets named ``<dataset> (2)`` …
XLSX_MAX_ROWS = 1_048_575


@dataclass(frozen=True)
class Col:
    name: str
    type: str  # int | float | text | bool | date | timestamp
    meaning: str


# ----------------------------------------------------------------------------- the datasets

_REPORT_KEY = (
    Col("report_id", "int", "report version id (reports.id); the same id in every dataset"),
    Col("organ_id", "text", "organ id (organs.id)"),
    Col("year", "int", "statistics year Y of the report"),
    Col("version", "int", "version of the organ-year's report (1, 2, …)"),
    Col("is_current", "bool", "the current version of the organ-year (exactly one per organ-year)"),
)

FACTS = (
    *_REPORT_KEY,
    Col("table_no", "int", "table 2 (二), 3 (三) or 4 (四)"),
    Col(
        "row_key",
        "text",
        "row key of ogi.templates (e.g. granted, review_total; local table 二 rows keep theirs)",
    ),
    Col("col_key", "text", "column key (natural_person … total for table 三; value for table 四)"),
    Col("value_num", "float", "the number; empty (NA) for a blank, dash or text cell, never 0"),
    Col("raw_text", "text", "the printed text of the cell, when the parser recorded it"),
    Col("unit", "text", "money unit of a table 二 money cell (元 / 万元), if printed"),
    Col("imputed", "bool", "the cell is blank and a hard identity counted it as 0"),
    Col("read_as", "text", "how the text was read: number, blank, dash, with_unit, signed, text"),
    Col("src_table", "int", "provenance: index of the table in the document (0-based)"),
    Col("src_row", "int", "provenance: row index in that table as printed (0-based)"),
    Col("src_col", "int", "provenance: cell index in that row as printed (0-based)"),
    Col("page", "int", "provenance in PDFs: 1-based page"),
    Col("bbox_x0", "float", "provenance in PDFs: cell box left, in points"),
    Col("bbox_top", "float", "provenance in PDFs: cell box top, in points"),
    Col("bbox_x1", "float", "provenance in PDFs: cell box right, in points"),
    Col("bbox_bottom", "float", "provenance in PDFs: cell box bottom, in points"),
)

REPORT_VERSIONS = (
    Col("report_id", "int", "report version id (reports.id)"),
    Col("organ_id", "text", "organ id"),
    Col("organ_name", "text", "the organ's current name (organs.name)"),
    Col("organ_type", "text", "department, government, subdistrict (街道) or township (乡镇)"),
    Col("region_id", "text", "the organ's own region"),
    Col("year", "int", "statistics year Y"),
    Col("version", "int", "1, 2, … per organ-year"),
    Col("is_current", "bool", "the current version of the organ-year"),
    Col("superseded_by", "int", "the version that replaced this one"),
    Col("sha256", "text", "content hash of the source document"),
    Col("status", "text", "parsed, partial or quarantined"),
    Col("status_reason", "text", "quarantine reason code, or the warnings of a partial parse"),
    Col("template_version", "text", "canonical template of the content (v2019 / v2021)"),
    Col("template_version_detected", "text", "template the parser detected"),
    Col("template_version_expected", "text", "template the year requires"),
    Col("organ_name_printed", "text", "the organ name the document prints"),
    Col("title", "text", "title as printed"),
    Col("published_on", "date", "publication date as printed (empty when the document states none)"),
    Col("deadline", "date", "statutory publication deadline (31 Jan Y+1, or 31 Mar Y+1 for a government)"),
    Col("source_url", "text", "where the document was obtained"),
    Col("source_format", "text", "html, pdf, docx or text"),
    Col("fetched_at", "timestamp", "when the document was obtained (UTC)"),
    Col("parser_version", "text", "parser version that produced the rows"),
    Col("t2_present", "bool", "table 二 was printed"),
    Col("t3_present", "bool", "table 三 was printed"),
    Col("t4_present", "bool", "table 四 was printed"),
    Col(
        "parse_complete", "bool", "every number printed in a report table was read or ignored by a named rule"
    ),
    Col("parse_unaccounted", "int", "printed numbers not accounted for by the parse"),
    Col("fee_notices_count", "float", "信息处理费: fee notices issued (section 六), if stated"),
    Col("fee_notices_amount_yuan", "float", "信息处理费: amount of the notices in 元, if stated"),
    Col("fee_collected_yuan", "float", "信息处理费: amount collected in 元, if stated"),
    Col("warnings", "text", "parser warnings, one per line"),
    Col("notes", "text", "notes of the canonical report"),
    Col("run_id", "text", "the run that loaded this version"),
    Col("loaded_at", "timestamp", "when it was loaded (UTC)"),
)

RULE_RESULTS = (
    *_REPORT_KEY,
    Col("rule_id", "text", "rule id of REPORT_FORMAT.md §2.6 (T3-H1 … X-3); ogi validate --rules"),
    Col("severity", "text", "error (hard rule) or warning (soft rule)"),
    Col("status", "text", "passed, failed or not_evaluable"),
    Col("where_", "text", "the place, e.g. t3.*.total (a column), t3.granted.* (a row), t4.review"),
    Col("lhs", "float", "left side of the identity as evaluated"),
    Col("rhs", "float", "right side of the identity as evaluated"),
    Col("cells", "text", "the cells involved, space-separated (prior-year cells as 2022:t3.…)"),
    Col("imputed_zero", "bool", "a blank was counted as 0"),
    Col("detail", "text", "explanation of a failure"),
    Col("run_id", "text", "the load or cross-year run that wrote it"),
)

_RATES = (
    "disclosure_rate", "denial_rate", "unable_rate", "notproc_rate", "carry_forward_rate", "review_correction_rate",
    "lit_direct_correction_rate", "lit_after_review_correction_rate", "lit_correction_rate",
)  # fmt: skip
_FLAGS = (
    "meets_min_n_applications", "meets_min_n_review", "meets_min_n_lit_direct", "meets_min_n_lit_after_review",
    "meets_min_n_lit",
)  # fmt: skip

METRICS = (
    Col("scope", "text", "organ or region"),
    Col("scope_id", "text", "organ id or region id"),
    Col("year", "int", "statistics year"),
    Col("next_year", "int", "year + 1 (join key of v_metrics_yoy)"),
    Col("n_reports", "int", "current reports the row sums"),
    Col("total_processed", "float", "表三（七）总计 (总计 column)"),
    Col("applications_open", "float", "new_received + carried_over (denominator of carry_forward_rate)"),
    Col("review_decided", "float", "review_total − review_pending"),
    Col("lit_direct_decided", "float", "lit_direct_total − lit_direct_pending"),
    Col("lit_after_review_decided", "float", "lit_after_review_total − lit_after_review_pending"),
    *(Col(r, "float", "") for r in _RATES),  # meanings from v_metric_dictionary
    *(
        Col(f, "int", "1 when the rate's denominator reaches the minimum N of v_metric_params, else 0")
        for f in _FLAGS
    ),
)

DATASETS: dict[str, tuple[Col, ...]] = {
    "facts": FACTS,
    "report_versions": REPORT_VERSIONS,
    "rule_results": RULE_RESULTS,
    "metrics": METRICS,
}


def _scope(region_id: str, first: int, last: int) -> dict[str, Any]:
    return {"r": region_id, "a": first, "b": last}


def _queries() -> dict[str, Any]:
    """SQLAlchemy selects per dataset (model columns: typed the same way on both databases)."""
    import sqlalchemy as sa

    from ogi.warehouse.models import Fact, Organ, Report, ValidationResult

    key = (Report.id.label("report_id"), Report.organ_id, Report.year, Report.version, Report.is_current)
    # organs of the region or below it (v_region_organs), years A..B
    region_organs = (
        sa.select(sa.column("organ_id"))
        .select_from(sa.table("v_region_organs"))
        .where(sa.column("region_id") == sa.bindparam("r"))
    )
    where = sa.and_(
        Report.organ_id.in_(region_organs), Report.year.between(sa.bindparam("a"), sa.bindparam("b"))
    )
    # report_versions: the reports table's columns, its id as report_id, the organ's name, type and region
    renamed = {
        "report_id": Report.id,
        "organ_name": Organ.name,
        "organ_type": Organ.type,
        "region_id": Organ.region_id,
    }
    rep_cols = [
        renamed[c.name].label(c.name) if c.name in renamed else getattr(Report, c.name)
        for c in REPORT_VERSIONS
    ]
    out: dict[str, Any] = {
        "report_versions": sa.select(*rep_cols).join(Organ, Organ.id == Report.organ_id).where(where)
        .order_by(Report.organ_id, Report.year, Report.version)
    }  # fmt: skip
    # datasets of rows below a report version: (dataset, table, order within a version)
    below = (
        ("facts", Fact, ("table_no", "row_key", "col_key")),
        ("rule_results", ValidationResult, ("rule_id", "where_")),
    )
    for name, table, order in below:
        cols = [getattr(table, c.name) for c in DATASETS[name][len(key) :]]
        out[name] = (
            sa.select(*key, *cols)
            .join(table, table.report_id == Report.id)
            .where(where)
            .order_by(Report.id, *(getattr(table, c) for c in order))
        )
    out["metrics"] = sa.text(
        f"SELECT {', '.join(c.name for c in METRICS)} FROM v_metrics"
        " WHERE year BETWEEN :a AND :b AND ("
        " (scope = 'region' AND scope_id IN (SELECT region_id FROM v_region_ancestors WHERE ancestor_id = :r))"
        " OR (scope = 'organ' AND scope_id IN (SELECT organ_id FROM v_region_organs WHERE region_id = :r)))"
        " ORDER BY scope, scope_id, year"
    )
    return {name: out[name] for name in DATASETS}


def _utc(v: dt.datetime) -> dt.datetime:
    return v.replace(tzinfo=dt.UTC) if v.tzinfo is None else v.astimezone(dt.UTC)


def normalise(value: Any, kind: str) -> Any:
    """One value as exported: booleans as bool (SQLite stores 0/1), timestamps in UTC, dates as dates,
    counts as int."""
    if value is None:
        return None
    if kind == "bool":
        return bool(value)
    if kind == "timestamp":
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        return _utc(value)
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    return str(value)


def read_dataset(conn, name: str, scope: dict[str, Any]) -> Iterator[tuple]:
    cols = DATASETS[name]
    for row in conn.execute(_queries()[name], scope):
        yield tuple(normalise(v, c.type) for v, c in zip(row, cols))


def dictionary_rows(conn) -> list[tuple[str, str, str, str]]:
    """(dataset, column, type, meaning) of every exported column; rate meanings from v_metric_dictionary."""
    from sqlalchemy import text

    rates = {
        r.metric: f"{r.name_zh}: {r.formula} (denominator {r.denominator}; compare only where {r.min_n_flag} = 1)"
        for r in conn.execute(
            text("SELECT metric, name_zh, formula, denominator, min_n_flag FROM v_metric_dictionary")
        )
    }
    out = []
    for name, cols in DATASETS.items():
        for c in cols:
            out.append((name, c.name, c.type, c.meaning or rates.get(c.name, "")))
    return out


# ----------------------------------------------------------------------------- writers


def _csv_value(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _write_csv(out: Path, name: str, header: Sequence[str], rows: Iterator[tuple], tick) -> Path:
    from ogi.warehouse.outputs import write_csv

    def gen():
        for row in rows:
            tick()
            yield [_csv_value(v) for v in row]

    return write_csv(out / f"{name}.csv", header, gen())


_ARROW = {"int": "int64", "float": "float64", "text": "string", "bool": "bool_", "date": "date32"}


def _write_parquet(out: Path, name: str, cols: Sequence[Col], rows: Iterator[tuple], tick) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    def arrow_type(c: Col):
        return pa.timestamp("us", tz="UTC") if c.type == "timestamp" else getattr(pa, _ARROW[c.type])()

    schema = pa.schema([pa.field(c.name, arrow_type(c), metadata={"meaning": c.meaning}) for c in cols])
    path = out / f"{name}.parquet"
    tmp = path.with_suffix(".parquet.tmp")

    def table(batch: list[tuple]):
        return pa.Table.from_pylist([dict(zip(schema.names, r)) for r in batch], schema=schema)

    with pq.ParquetWriter(tmp, schema) as w:
        batch: list[tuple] = []
        written = False
        for row in rows:
            tick()
            batch.append(row)
            if len(batch) == 50_000:
                w.write_table(table(batch))
                batch, written = [], True
        if batch or not written:  # an empty dataset is still a file with its schema
            w.write_table(table(batch))
    tmp.replace(path)
    return path


#: characters an xlsx cell cannot hold (openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE)
_XLSX_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def xlsx_cell(v: Any) -> Any:
    """A value as it goes into a workbook: text through ``safe_cell`` (formula triggers get ``'``) with
    characters a workbook cannot hold replaced by U+FFFD; timestamps as naive UTC (xlsx has no zones)."""
    from ogi.warehouse.outputs import safe_cell

    if isinstance(v, str):
        return safe_cell(_XLSX_ILLEGAL.sub("\ufffd", v))
    if isinstance(v, dt.datetime):
        return _utc(v).replace(tzinfo=None)
    return v


def _append(ws, row: Sequence[Any]) -> None:
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for v in row:
        cell = WriteOnlyCell(ws, value=xlsx_cell(v))
        if isinstance(cell.value, str):  # text stays text: never a formula, whatever it starts with
            cell.data_type = "s"
        cells.append(cell)
    ws.append(cells)


class _Workbook:
    """A streaming (write-only) workbook: memory and time linear in the rows."""

    def __init__(self):
        from openpyxl import Workbook

        self.wb = Workbook(write_only=True)

    def sheet(self, name: str, header: Sequence[str], rows: Iterator[tuple], tick) -> None:
        part, n, ws = 1, 0, None
        for row in rows:
            if ws is None or n == XLSX_MAX_ROWS:
                ws = self.wb.create_sheet(name if part == 1 else f"{name} ({part})")
                _append(ws, header)
                part, n = part + 1, 0
            _append(ws, row)
            n += 1
            tick()
        if ws is None:
            _append(self.wb.create_sheet(name), header)

    def save(self, path: Path) -> Path:
        tmp = path.with_suffix(".xlsx.tmp")
        self.wb.save(tmp)
        tmp.replace(path)
        return path


def export(
    engine: Engine,
    region: str,
    first: int,
    last: int,
    fmt: str,
    out: Path,
    *,
    tick: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Write the datasets and the data dictionary; returns ``{"files": [...], "rows": {dataset: n}}``."""
    from ogi.warehouse.summary import find_region

    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    files: list[Path] = []
    with engine.connect() as conn:
        reg = find_region(conn, region)
        scope = _scope(reg["id"], first, last)
        dictionary = dictionary_rows(conn)
        book = _Workbook() if fmt == "xlsx" else None
        for name, cols in DATASETS.items():
            counts[name] = 0

            def count(name=name):
                counts[name] += 1
                if tick:
                    tick(name)

            rows = read_dataset(conn, name, scope)
            header = [c.name for c in cols]
            if fmt == "csv":
                files.append(_write_csv(out, name, header, rows, count))
            elif fmt == "parquet":
                files.append(_write_parquet(out, name, cols, rows, count))
            else:
                book.sheet(name, header, rows, count)
        dict_header = ("dataset", "column", "type", "meaning")
        if book is not None:
            book.sheet("data_dictionary", dict_header, iter(dictionary), lambda: None)
            files.append(book.save(out / f"ogi-export-{reg['id']}-{first}-{last}.xlsx"))
        else:
            from ogi.warehouse.outputs import write_csv

            files.append(write_csv(out / "data_dictionary.csv", dict_header, dictionary))
    return {
        "region": reg["id"],
        "years": [first, last],
        "format": fmt,
        "files": [str(f) for f in files],
        "rows": counts,
    }


# ----------------------------------------------------------------------------- CLI


def _years(text_: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4}))?\s*", text_)
    if not m:
        raise argparse.ArgumentTypeError(f"years must look like 2021-2024 or 2023, not {text_!r}")
    a, b = int(m.group(1)), int(m.group(2) or m.group(1))
    if b < a:
        raise argparse.ArgumentTypeError(f"years {text_!r}: the first year is after the last")
    return a, b


def _count_rows(engine: Engine, region: str, first: int, last: int) -> int:
    """Rows the export will write (for the progress bar)."""
    import sqlalchemy as sa

    from ogi.warehouse.summary import find_region

    with engine.connect() as conn:
        scope = _scope(find_region(conn, region)["id"], first, last)
        total = 0
        for q in _queries().values():
            sub = q.subquery() if hasattr(q, "subquery") else q.columns().subquery()
            total += conn.execute(sa.select(sa.func.count()).select_from(sub), scope).scalar_one()
    return total


def run(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from ogi.progress import Stages
    from ogi.warehouse import db
    from ogi.warehouse.summary import UnknownRegion

    first, last = args.years
    out = Path(args.out) if args.out else _default_out(args.region, first, last, args.format)
    engine = db.get_engine(args.warehouse)
    try:
        db.upgrade(engine)
        with Stages(enabled=None if not args.quiet else False) as stages:
            total = _count_rows(engine, args.region, first, last) if stages.enabled else None
            task = stages.stage(f"export {args.format}", total=total)
            result = export(
                engine, args.region, first, last, args.format, out, tick=lambda _n: stages.advance(task)
            )
    except UnknownRegion as e:
        print(f"ogi export: {e.args[0]}", file=sys.stderr)
        return 2
    except SQLAlchemyError as e:
        print(
            f"ogi export: warehouse error: {e.__class__.__name__}: {str(e).splitlines()[0]}", file=sys.stderr
        )
        return 1
    except OSError as e:
        print(f"ogi export: cannot write {out}: {e.strerror or e}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    rows = ", ".join(f"{k} {v}" for k, v in result["rows"].items())
    print(
        f"exported {result['region']} {first}-{last} as {args.format} to {out} ({rows}; data dictionary beside them)"
    )
    return 0


def _default_out(region: str, first: int, last: int, fmt: str) -> Path:
    from ogi import config

    safe = re.sub(r"[^A-Za-z0-9._-]", "_", region)
    return config.home() / "exports" / f"{safe}-{first}-{last}-{fmt}"


def register(sub) -> None:
    p = sub.add_parser(
        "export",
        help="export facts, report versions, rule results and metrics of a region and years (csv, parquet, xlsx)",
        description="Write the warehouse rows of a region (and the regions below it) for a range of years, with "
        "a data dictionary beside them. Default folder: OGI_HOME/exports/<region>-<A>-<B>-<format>.",
    )
    p.add_argument("--region", required=True, help="region id or name")
    p.add_argument("--years", required=True, type=_years, help="statistics years, e.g. 2021-2024 or 2023")
    p.add_argument("--format", default="csv", choices=FORMATS, help="csv (default), parquet or xlsx")
    p.add_argument("--out", help="output folder")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.add_argument("--warehouse", help=_WAREHOUSE_HELP)
    p.set_defaults(func=run)
