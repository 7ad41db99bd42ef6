"""The canonical model of one parsed report, its provenance, and the shapes stages hand on.

``Report`` is exactly what the document states and serialises to the canonical JSON of
``include/spec/report.schema.json`` (``ogi spec --schema``; no imputation, no derived values). Everything the
pipeline knows *about* the document (where each value came from, warnings, detected vs
expected template, narrative sections) lives beside it in ``ParsedReport`` and never
leaks into the canonical JSON.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypedDict

from ogi.templates import SCHEMA_ID, T3_COL_KEYS, T4_KEYS, CellRef

Number = int | float

# ---------------------------------------------------------------------------- the status vocabulary
# One place for every outcome a stage records. The members are ``str``s: they compare, hash, format and
# serialise (JSON, XCom, SQL parameters) as their values, which are also the literals the warehouse's
# views test (``tests/test_vocabulary.py`` checks include/sql against these enums).


class FetchStatus(StrEnum):
    """What fetching one organ-year found (``ogi.fetch.run.FetchOutcome.status``)."""

    FOUND = "found"
    NOT_PUBLISHED = "not_published"  # the listing holds other years' reports, none of this one
    FETCH_FAILED = "fetch_failed"  # the portal could not be read, or lists no reports at all
    BLOCKED = "blocked"  # the report lives on a host the registry does not allow


class ParseStatus(StrEnum):
    """What parsing one found document gave (``ParsedReport.status``; ``reports.status``)."""

    PARSED = "parsed"
    PARTIAL = "partial"  # warnings name what is missing
    QUARANTINED = "quarantined"  # not a usable report: ``ParseError.reason`` says why


class RuleStatus(StrEnum):
    """Outcome of one rule at one place (``RuleResult.status``; ``validation_results.status``)."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_EVALUABLE = "not_evaluable"


#: an organ-year's outcome in a run: a fetch status, or the parse status of its found document
#: (``run_outcomes.outcome``); these are the ones the run summary lists with reasons
FAILURE_OUTCOMES: tuple[str, ...] = (FetchStatus.FETCH_FAILED, FetchStatus.BLOCKED, ParseStatus.QUARANTINED)

# ---------------------------------------------------------------------------- errors


class ParseError(Exception):
    """The input is not a usable report. ``reason`` is a stable code for quarantine rows.

    Reason codes: empty, not_a_report, needs_ocr, encrypted, corrupt, needs_conversion,
    unsupported_format, table3_not_found, table3_unreadable (its labels and numbers are in the text but
    form no readable table), year_not_found; too_large / limit_exceeded (a per-document limit of
    ``ogi.parse.limits``, named in the message), not_a_file (a FIFO, socket or device).
    """

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message

    def __str__(self) -> str:
        return self.message


# ---------------------------------------------------------------------------- provenance

# how a cell's raw text was read
READ_NUMBER = "number"
READ_BLANK = "blank"  # empty, &nbsp;
READ_DASH = "dash"  # '-', '—', '/', '无' -> null
READ_WITH_UNIT = "with_unit"  # '251000元'
READ_SIGNED = "signed"  # '-3' in a v2019 增/减 column
READ_TEXT = "text"  # not a number; value null, see warnings


@dataclass(frozen=True)
class CellSource:
    """Where one canonical value was read: enough for an analyst to find the printed cell."""

    raw: str
    read_as: str
    table_index: int | None = None  # index of the table in the document (HTML/DOCX/text)
    row: int | None = None  # row index inside that table (0-based)
    col: int | None = None  # cell index inside that row (0-based, as printed)
    page: int | None = None  # 1-based page number (PDF)
    bbox: tuple[float, float, float, float] | None = None  # (x0, top, x1, bottom) in PDF points
    unit: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if v is not None}
        if self.bbox is not None:
            d["bbox"] = [round(x, 2) for x in self.bbox]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CellSource:
        d = dict(d)
        if d.get("bbox") is not None:
            d["bbox"] = tuple(d["bbox"])
        return cls(**d)


# ---------------------------------------------------------------------------- canonical report


@dataclass
class Report:
    """One report as printed. Serialises to the canonical JSON (``to_canonical``)."""

    template_version: str
    year: int
    organ: str
    table3: dict[str, dict[str, int | None]]
    table4: dict[str, int | None]
    table2: dict[str, dict[str, Any]] | None = None
    title: str | None = None
    published_on: str | None = None  # ISO date
    notes: str | None = None

    def to_canonical(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "schema": SCHEMA_ID,
            "template_version": self.template_version,
            "year": self.year,
            "organ": self.organ,
        }
        if self.title is not None:
            d["title"] = self.title
        d["published_on"] = self.published_on
        if self.table2 is not None:
            d["table2"] = self.table2
        d["table3"] = self.table3
        d["table4"] = self.table4
        if self.notes:
            d["notes"] = self.notes
        return d

    @classmethod
    def from_canonical(cls, d: dict[str, Any]) -> Report:
        return cls(
            template_version=d["template_version"],
            year=d["year"],
            organ=d["organ"],
            table3=d["table3"],
            table4=d["table4"],
            table2=d.get("table2"),
            title=d.get("title"),
            published_on=d.get("published_on"),
            notes=d.get("notes"),
        )

    def value(self, ref: CellRef) -> Any:
        """The printed value at ``ref`` (None when blank or not printed)."""
        if ref.table == 3:
            return (self.table3.get(ref.row) or {}).get(ref.col)
        if ref.table == 4:
            return self.table4.get(ref.row)
        return ((self.table2 or {}).get(ref.row) or {}).get(ref.col)

    def cells(self) -> list[tuple[CellRef, Any]]:
        """Every printed cell as (address, value), tables 二, 三, 四 in order.

        Table 二 companions (``*_unit``, ``label``) are not cells of their own.
        """
        out: list[tuple[CellRef, Any]] = []
        for row, cols in (self.table2 or {}).items():
            for col, v in cols.items():
                if col == "label" or col.endswith("_unit"):
                    continue
                out.append((CellRef(2, row, col), v))
        for row, cols in self.table3.items():
            for col in T3_COL_KEYS:
                if col in cols:
                    out.append((CellRef(3, row, col), cols[col]))
        for key in T4_KEYS:
            if key in self.table4:
                out.append((CellRef(4, key), self.table4[key]))
        return out


# ---------------------------------------------------------------------------- parse result


@dataclass
class ParsedReport:
    """A parsed report plus everything known about it that is not canonical content."""

    report: Report
    source_format: str  # html | pdf | docx | text
    template_version_detected: str
    template_version_expected: str | None
    provenance: dict[CellRef, CellSource] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)  # section key -> narrative text
    tables_present: dict[int, bool] = field(default_factory=dict)  # 2/3/4 -> printed?
    extras: dict[str, Any] = field(default_factory=dict)  # e.g. fee_notices_count from section 六
    status: str = ParseStatus.PARSED  # parsed | partial (warnings name what is missing)
    #: the parse-completeness guard: every number printed in the report tables is read into exactly
    #: one cell or ignored by a named rule; ``unaccounted``/``double`` list the printed positions
    #: that are not (then status is partial). Empty for reports parsed before the guard existed.
    completeness: dict[str, Any] = field(default_factory=dict)

    @property
    def complete(self) -> bool | None:
        """True when every printed table number is accounted for; None when not measured."""
        if not self.completeness:
            return None
        return not self.completeness.get("unaccounted") and not self.completeness.get("double")

    def to_dict(self, *, sections: bool = False) -> dict[str, Any]:
        """Canonical JSON plus a ``_meta`` block (for archives and debugging, not the schema).
        ``sections=True`` adds the narrative sections (what the parse store keeps for the warehouse;
        ``ogi parse --json`` leaves them out)."""
        meta: dict[str, Any] = {
            "source_format": self.source_format,
            "status": self.status,
            "template_version_detected": self.template_version_detected,
            "template_version_expected": self.template_version_expected,
            "warnings": self.warnings,
            "tables_present": {str(k): v for k, v in self.tables_present.items()},
            "extras": self.extras,
            "completeness": self.completeness,
            "provenance": {str(k): v.to_dict() for k, v in self.provenance.items()},
        }
        if sections:
            meta["sections"] = self.sections
        return {**self.report.to_canonical(), "_meta": meta}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ParsedReport:
        """The inverse of ``to_dict`` (provenance, sections and completeness included when present)."""
        d = dict(d)
        meta = d.pop("_meta")
        return cls(
            report=Report.from_canonical(d),
            source_format=meta["source_format"],
            template_version_detected=meta["template_version_detected"],
            template_version_expected=meta["template_version_expected"],
            provenance={
                CellRef.parse(k): CellSource.from_dict(v) for k, v in meta.get("provenance", {}).items()
            },
            warnings=list(meta.get("warnings", [])),
            sections=dict(meta.get("sections", {})),
            tables_present={int(k): v for k, v in meta.get("tables_present", {}).items()},
            extras=dict(meta.get("extras", {})),
            status=ParseStatus(meta.get("status", ParseStatus.PARSED)),
            completeness=dict(meta.get("completeness", {})),
        )


# ---------------------------------------------------------------------------- validation result

PASSED = RuleStatus.PASSED
FAILED = RuleStatus.FAILED
NOT_EVALUABLE = RuleStatus.NOT_EVALUABLE
ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class RuleResult:
    """Outcome of one rule on one report at one place (a row, a column, a cell group)."""

    report: str  # report id within the batch
    rule: str  # rule id as in REPORT_FORMAT.md, e.g. "T3-H1"
    severity: str  # error | warning
    status: str  # passed | failed | not_evaluable
    where: str  # e.g. "t3.*.total" (a column), "t3.granted.*" (a row), "t4.review"
    lhs: Number | None = None
    rhs: Number | None = None
    cells: tuple[str, ...] = ()  # CellRef strings involved
    imputed_zero: bool = False  # a blank was treated as 0 (§2.6 NULL handling)
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "report": self.report,
            "rule": self.rule,
            "severity": self.severity,
            "status": self.status,
            "where": self.where,
            "lhs": self.lhs,
            "rhs": self.rhs,
            "cells": list(self.cells),
            "imputed_zero": self.imputed_zero,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RuleResult:
        """The inverse of ``to_dict``."""
        return cls(**{**d, "cells": tuple(d.get("cells") or ())})


# ---------------------------------------------------------------------------- what the DAG's tasks hand on


class ParseOutcome(TypedDict, total=False):
    """What the parse task records of a found document (``ogi.parse.store.parse_archived``)."""

    status: str  # ParseStatus
    path: str  # the stored parse (parsed or partial): ParsedReport.to_dict(sections=True)
    reason: str  # quarantined: ParseError.reason (or parser_error)
    message: str
    unaccounted: int  # printed table numbers not read into exactly one cell (the completeness guard)


class BatchItem(TypedDict, total=False):
    """One organ-year as the DAG's tasks hand it on (plain JSON: it travels through XCom):
    ``ogi.fetch.run.FetchOutcome.to_dict()`` without ``listing_pages``, the organ's name and region,
    then ``parse`` (parse task) and ``rules_failed`` (validate task)."""

    organ_id: str
    year: int
    status: str  # FetchStatus
    url: str | None
    published_on: str | None
    sha256: str | None
    filename: str | None
    content_type: str | None
    reason: str | None
    document_url: str | None
    source: str | None
    title: str | None
    fetched_at: str | None
    organ_name: str
    region_id: str | None
    parse: ParseOutcome
    rules_failed: dict[str, int]  # severity (error, warning) -> failed rules of this document


class Batch(TypedDict, total=False):
    """A batch of organ-years of one registry and year, as each task returns it to the next."""

    batch_id: str
    registry: str
    city: str
    year: int
    items: list[BatchItem]
    results_path: str | None  # validate: the batch's rule results (RuleResult.to_dict() list)
    data_docs_index: str | None


# ---------------------------------------------------------------------------- ids


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def slug(name: str) -> str:
    """A stable, readable id fragment for a Chinese or Latin name (NFKC, no spaces/punctuation)."""
    s = unicodedata.normalize("NFKC", name).strip().lower()
    s = re.sub(r"[\s/\\:;,，。、()（）\[\]【】\"'“”‘’]+", "-", s).strip("-")
    return s or hashlib.sha1(name.encode()).hexdigest()[:12]


def report_key(organ_id: str, year: int) -> str:
    """Natural key of an organ-year: one current report version per key."""
    return f"{organ_id}/{year}"


def split_report_key(key: str) -> tuple[str, int]:
    """``organ_id/year`` back into its parts (the inverse of ``report_key``)."""
    organ, _, year = key.rpartition("/")
    if not organ or not year.isdigit():
        raise ValueError(f"not a report key (organ_id/year): {key!r}")
    return organ, int(year)


def document_key(organ_id: str, year: int, sha256: str) -> str:
    """Key of one document of one organ-year, ``organ/year@sha256`` (the full hash: a prefix could be
    forged to collide). Validation runs use it as the report id, so results never cross documents."""
    return f"{report_key(organ_id, year)}@{sha256}"


def split_document_key(key: str) -> tuple[str, int, str]:
    """``organ_id/year@sha256`` back into its parts (the inverse of ``document_key``)."""
    rkey, _, sha = key.rpartition("@")
    if not rkey or not sha:
        raise ValueError(f"not a document key (organ_id/year@sha256): {key!r}")
    return (*split_report_key(rkey), sha)
