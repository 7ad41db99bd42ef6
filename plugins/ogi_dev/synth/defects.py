"""Labelled defects injected into synthetic organ-years, each with what should detect it.

A defect changes the *printed* report (so the truth, being what the document prints, changes
with it) and/or the layout options, and returns an ``expect`` dict recorded in the manifest:

* ``validator_fails``: rule ids ``ogi.validate.run.validate_batch`` must report as failed;
* ``crossyear_fails``: rule ids ``ogi.validate.crossyear`` must fail against the previous year;
* ``imputed_zero``: the validator must evaluate identities with blanks counted as 0;
* ``read_as``: {cell: how the parser must read it} (provenance ``CellSource.read_as``);
* ``version_detected``: the parser's ``template_version_detected`` (≠ expected: mixed versions);
* ``table2_present``: False when the report prints no table 二;
* ``published_late``: the printed date is after the statutory deadline;
* ``parse_error``: the ParseError reason the parser must raise (``needs_ocr``);
* ``local_rows``: {row key: label} of extra local table 二 rows the parser must keep;
* ``outcome``: the fetch outcome (``not_published`` for a missing report).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable

from ogi import templates as T
from ogi.model import FetchStatus, Report
from ogi_dev.synth.layout import LOCAL_ROW_LABEL, Options
from ogi_dev.synth.numbers import publication_date

DEFECTS: tuple[str, ...] = (
    "stale_total",
    "copied_column",
    "blank_for_zero",
    "money_units",
    "v2019_labels",
    "local_rows",
    "missing_table2",
    "late_publication",
    "missing_report",
    "duplicate_report",
    "image_tables",
)


def _lp_nonzero(r: Report) -> bool:
    return any(row.get(c) for row in r.table3.values() for c in T.T3_LEGAL_PERSON_COLS)


def applicable(name: str, r: Report, prev: Report | None) -> bool:
    """Whether ``name`` can be injected into ``r`` so that it is observable."""
    if name == "copied_column":
        return _lp_nonzero(r)
    if name == "money_units":
        return r.template_version == T.V2019 and bool(
            (r.table2 or {}).get("central_procurement", {}).get("amount")
        )
    if name == "v2019_labels":
        return r.template_version == T.V2021
    if name == "duplicate_report":
        return (
            prev is not None
            and prev.template_version == r.template_version
            and prev.table3["carried_over"]["total"] != prev.table3["carried_forward"]["total"]
        )
    if name in ("local_rows", "missing_table2"):
        return r.table2 is not None
    return True


def _stale_total(r: Report, opts: Options, rng: random.Random, prev: Report | None, organ_type: str) -> dict:
    row = r.table3["total_processed"]
    old = prev.table3["total_processed"]["total"] if prev else None
    row["total"] = old if old is not None and old != row["total"] else row["total"] + rng.randint(1, 9)
    return {"validator_fails": ["T3-H1", "T3-H2", "T3-H3"]}


def _copied_column(r: Report, opts: Options, rng, prev, organ_type) -> dict:
    for row in r.table3.values():
        row["total"] = row["natural_person"]
    return {"validator_fails": ["T3-H3"]}


def _blank_zero(r: Report, opts: Options, rng, prev, organ_type) -> dict:
    opts.blank_zero = True
    for tbl in (r.table3, r.table2 or {}):
        for row in tbl.values():
            for k, v in row.items():
                if v == 0 and k != T.LOCAL_ROW_LABEL:
                    row[k] = None
    for k, v in r.table4.items():
        if v == 0:
            r.table4[k] = None
    return {"imputed_zero": True}


def _money_units(r: Report, opts: Options, rng, prev, organ_type) -> dict:
    opts.money_units = True
    r.table2["central_procurement"]["amount_unit"] = "元"
    return {"read_as": {"t2.central_procurement.amount": "with_unit"}}


def _v2019_labels(r: Report, opts: Options, rng, prev, organ_type) -> dict:
    opts.v2019_labels = True
    other = {c: sum(r.table3[k][c] for k in T.T3_OTHER_ROWS[T.V2021]) for c in T.T3_COL_KEYS}
    t3 = {}
    for k, row in r.table3.items():
        if k in T.T3_OTHER_ROWS[T.V2021]:
            if "other_processing" not in t3:
                t3["other_processing"] = other
            continue
        t3[k] = row
    r.table3 = t3
    return {"version_detected": T.V2019}


def _local_rows(r: Report, opts: Options, rng: random.Random, prev, organ_type) -> dict:
    opts.local_rows = True
    cols = [c.key for c in T.T2_SUBTABLES[r.template_version][0].columns]
    n = rng.randint(1, 30)
    key = T.T2_LOCAL_ROWS[LOCAL_ROW_LABEL]
    r.table2[key] = {T.LOCAL_ROW_LABEL: LOCAL_ROW_LABEL, **dict(zip(cols, (n, n, n + 10)))}
    return {"local_rows": {key: LOCAL_ROW_LABEL}}


def _missing_table2(r: Report, opts, rng, prev, organ_type) -> dict:
    r.table2 = None
    return {"table2_present": False}


def _late(r: Report, opts, rng: random.Random, prev, organ_type) -> dict:
    r.published_on = publication_date(rng, organ_type, r.year, late=True).isoformat()
    return {"published_late": True}


def _missing(r: Report, opts, rng, prev, organ_type) -> dict:
    return {"outcome": FetchStatus.NOT_PUBLISHED}


def _duplicate(r: Report, opts, rng, prev: Report, organ_type) -> dict:
    r.table2, r.table3, r.table4 = (
        copy.deepcopy(prev.table2),
        copy.deepcopy(prev.table3),
        copy.deepcopy(prev.table4),
    )
    return {"crossyear_fails": ["X-1"], "duplicate_of": prev.year}


def _image(r: Report, opts: Options, rng, prev, organ_type) -> dict:
    opts.image_tables = True
    return {"parse_error": "needs_ocr"}


_APPLY: dict[str, Callable[..., dict]] = {
    "stale_total": _stale_total,
    "copied_column": _copied_column,
    "blank_for_zero": _blank_zero,
    "money_units": _money_units,
    "v2019_labels": _v2019_labels,
    "local_rows": _local_rows,
    "missing_table2": _missing_table2,
    "late_publication": _late,
    "missing_report": _missing,
    "duplicate_report": _duplicate,
    "image_tables": _image,
}


def inject(
    name: str, report: Report, opts: Options, rng: random.Random, *, prev: Report | None, organ_type: str
) -> tuple[Report, dict]:
    """A copy of ``report`` as printed with defect ``name``, and what must detect it."""
    if name not in _APPLY:
        raise ValueError(f"unknown defect {name!r}; expected one of {', '.join(DEFECTS)}")
    r = copy.deepcopy(report)
    return r, _APPLY[name](r, opts, rng, prev, organ_type)
