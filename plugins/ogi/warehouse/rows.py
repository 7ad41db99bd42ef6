"""Warehouse rows built from the loader's inputs: column values (timestamps, dates, numbers), a report
version's ``reports`` row, its facts and its rule results. No database access: the writers
(``ogi.warehouse.load``, ``ogi.warehouse.crossyear``, ``ogi.warehouse.registry_sync``) decide what to do
with the rows; this module only says what a row holds.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ogi.model import NOT_EVALUABLE, ParsedReport, RuleResult
from ogi.templates import (
    MONEY_WAN,
    ORGAN_TYPES,
    TEMPLATE_VERSIONS,
    UNIT_SUFFIX,
    expected_version,
    publication_deadline,
    t2_cells,
)
from ogi.warehouse import models as m

if TYPE_CHECKING:
    from ogi.warehouse.load import LoadItem

#: rule ids of cross-year rules: written by run_cross_year, left alone by load_batch
CROSS_YEAR_PREFIX = "X-"


# ----------------------------------------------------------------------------- column values


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_datetime(v: dt.datetime | str | None) -> dt.datetime | None:
    if v is None or isinstance(v, dt.datetime):
        return v
    return dt.datetime.fromisoformat(str(v))


def as_date(v: Any) -> dt.date | None:
    """A date, from a date or an ISO string (a timestamp's date part); None when it is not one."""
    if v is None or isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v)[:10])
    except ValueError:
        return None


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _num_or_none(v: Any) -> float | None:
    return float(v) if _is_num(v) else None


# ----------------------------------------------------------------------------- rows of one report


FACT_COLS = (
    "report_id", "table_no", "row_key", "col_key", "value_num", "raw_text", "unit", "imputed", "read_as",
    "src_table", "src_row", "src_col", "page", "bbox_x0", "bbox_top", "bbox_x1", "bbox_bottom",
)  # fmt: skip
#: PostgreSQL types of FACT_COLS, for binary COPY (must match the 0001 schema)
FACT_PG_TYPES = ("int4", "int2", "varchar", "varchar", "float8", "text", "varchar", "bool", "varchar",
                 "int4", "int4", "int4", "int4", "float8", "float8", "float8", "float8")  # fmt: skip
_NO_BBOX = (None, None, None, None)


@functools.cache
def _t2_kinds(version: str) -> dict[tuple[str, str], str]:
    return {(r, c): col.kind for r, c, col in t2_cells(version)}


def fact_rows(report_id: int, parsed: ParsedReport, imputed: set[str]) -> list[tuple]:
    """One tuple (in FACT_COLS order) per printed cell of the report, blanks included."""
    rep = parsed.report
    prov = parsed.provenance
    kinds = _t2_kinds(rep.template_version) if rep.template_version in TEMPLATE_VERSIONS else {}
    rows = []
    for ref, value in rep.cells():
        src = prov.get(ref)
        unit = src.unit if src else None
        if ref.table == 2:
            printed_unit = ((rep.table2 or {}).get(ref.row) or {}).get(ref.col + UNIT_SUFFIX)
            unit = printed_unit or unit or ("万元" if kinds.get((ref.row, ref.col)) == MONEY_WAN else None)
        num = float(value) if _is_num(value) else None
        if src is None:
            raw = None if value is None or num is not None else str(value)
            rows.append((report_id, ref.table, ref.row, ref.col, num, raw, unit, num is None and str(ref) in imputed,
                         None, None, None, None, None, None, None, None, None))  # fmt: skip
            continue
        bbox = src.bbox or _NO_BBOX
        rows.append(
            (report_id, ref.table, ref.row, ref.col, num, src.raw, unit, num is None and str(ref) in imputed,
             src.read_as, src.table_index, src.row, src.col, src.page, *bbox)
        )  # fmt: skip
    return rows


def imputed_cells(results: Sequence[RuleResult]) -> set[str]:
    """Cells a hard identity counted as 0 (stored as ``facts.imputed``)."""
    return {c for r in results if r.imputed_zero and r.status != NOT_EVALUABLE for c in r.cells}


def result_rows(report_id: int, results: Sequence[RuleResult], run_id: str) -> list[dict]:
    """``validation_results`` rows of one report version: one per rule and place (the last one wins)."""
    rows: dict[tuple[str, str], dict] = {}
    for r in results:
        rows[(r.rule, r.where)] = {
            "report_id": report_id,
            "rule_id": r.rule,
            "severity": r.severity,
            "status": r.status,
            "where_": r.where,
            "lhs": float(r.lhs) if _is_num(r.lhs) else None,
            "rhs": float(r.rhs) if _is_num(r.rhs) else None,
            "cells": " ".join(r.cells) or None,
            "imputed_zero": bool(r.imputed_zero),
            "detail": r.detail or None,
            "run_id": run_id,
        }
    return list(rows.values())


#: the columns that say whether a stored rule result is the same as a new one
RESULT_CMP = ("rule_id", "severity", "status", "where_", "lhs", "rhs", "cells", "imputed_zero", "detail")


def result_signature(rows: Iterable[dict]) -> set[tuple]:
    """What a report's single-year results say, for comparing stored ones with new ones."""
    return {tuple(r[c] for c in RESULT_CMP) for r in rows if not r["rule_id"].startswith(CROSS_YEAR_PREFIX)}


def report_row(item: LoadItem, organ_type: str | None, run_id: str, now: dt.datetime) -> dict:
    """The ``reports`` columns a document determines (not its organ-year, version or currency)."""
    from ogi.parse import PARSER_VERSION

    p = item.parsed
    rep = p.report if p else None
    deadline = publication_deadline(organ_type, item.year) if organ_type in ORGAN_TYPES else None
    extras = p.extras if p else {}
    status = p.status if p else m.QUARANTINED
    reason = item.quarantine_reason or ("unknown" if not p else None)
    if p and status == m.PARTIAL:
        reason = "; ".join(p.warnings) or None
    return {
        "sha256": item.sha256,
        "status": status,
        "status_reason": reason,
        "template_version": rep.template_version if rep else None,
        "template_version_detected": p.template_version_detected if p else None,
        "template_version_expected": (p.template_version_expected if p else None)
        or expected_version(item.year),
        "organ_name_printed": rep.organ if rep else None,
        "title": rep.title if rep else None,
        "published_on": as_date(rep.published_on) if rep else None,
        "deadline": deadline,
        "source_url": item.source_url,
        "source_format": p.source_format if p else None,
        "fetched_at": as_datetime(item.fetched_at),
        "parser_version": PARSER_VERSION,
        "t2_present": p.tables_present.get(2, rep.table2 is not None) if p else None,
        "t3_present": p.tables_present.get(3, bool(rep.table3)) if p else None,
        "t4_present": p.tables_present.get(4, bool(rep.table4)) if p else None,
        "parse_complete": p.complete if p else None,
        "parse_unaccounted": (
            len(p.completeness.get("unaccounted", [])) + len(p.completeness.get("double", []))
            if p and p.completeness
            else None
        ),
        "fee_notices_count": _num_or_none(extras.get("fee_notices_count")),
        "fee_notices_amount_yuan": _num_or_none(extras.get("fee_notices_amount_yuan")),
        "fee_collected_yuan": _num_or_none(extras.get("fee_collected_yuan")),
        "warnings": "\n".join(p.warnings) if p and p.warnings else None,
        "notes": rep.notes if rep else None,
        "run_id": run_id,
        "loaded_at": now,
    }
