"""Mutation tests: changing any single table 三 or 四 cell fails exactly the rules that involve it.

All base reports (truth files of the corpus and generated valid reports of both versions) and all
their single-cell mutants are validated in ONE ``validate_batch`` call.
"""

from __future__ import annotations

import copy
import json

import pytest

from ogi.model import FAILED, Report
from ogi.templates import T3_COL_KEYS, T4_KEYS, V2019, V2021, CellRef
from ogi.validate.frame import shape_cells, t3_shape
from ogi.validate.rules import HARD, RULE_BY_ID, identities
from ogi.validate.run import validate_batch
from ogi_dev.samples import random_report

CORPUS_TRUTHS = (
    "huaian_hongzequ_2023",
    "jingmen_sfj_2020",
    "pingtan_2019",
    "pingtan_2021",
    "pingtan_2023",
    "pingtan_2025",
    "pingtan_czj_2025",
)


def _bases(corpus_dir) -> dict[str, Report]:
    bases = {}
    for name in CORPUS_TRUTHS:
        path = corpus_dir / f"{name}.truth.json"
        if path.exists():
            bases[name] = Report.from_canonical(json.loads(path.read_text("utf-8")))
    for i in range(3):
        bases[f"gen_v2019_{i}"] = random_report(100 + i, V2019)
        bases[f"gen_v2021_{i}"] = random_report(200 + i, V2021)
    bases["gen_v2021_shape19"] = random_report(300, V2021, t3_shape=V2019)
    return bases


def _cells(report: Report) -> list[CellRef]:
    refs = [CellRef(3, r, c) for r in report.table3 for c in T3_COL_KEYS]
    return refs + [CellRef(4, k) for k in T4_KEYS]


def _set(report: Report, ref: CellRef, value) -> Report:
    out = copy.deepcopy(report)
    if ref.table == 3:
        out.table3[ref.row][ref.col] = value
    else:
        out.table4[ref.row] = value
    return out


def _involving(report: Report, ref: CellRef) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(all linear checks involving ref, the hard ones) as (rule, where) for this report's shape."""
    printed = shape_cells(report.template_version, t3_shape(report))
    found = {
        (i.rule, i.where) for i in identities(report.template_version) if ref in i.cells and ref in printed
    }
    return found, {k for k in found if RULE_BY_ID[k[0]].klass == HARD}


@pytest.fixture(scope="module")
def mutation_run(corpus_dir):
    bases = _bases(corpus_dir)
    items: dict[str, Report] = dict(bases)
    plan = {}
    for name, rep in bases.items():
        for ref in _cells(rep):
            old = rep.value(ref)
            rid = f"{name}|{ref}|+1"
            items[rid] = _set(rep, ref, (old or 0) + 1)
            plan[rid] = (name, ref)
        for ref in _cells(rep)[::40]:  # a few negative values: the type rule names the cell
            rid = f"{name}|{ref}|neg"
            items[rid] = _set(rep, ref, -1)
            plan[rid] = (name, ref)
    run = validate_batch(items, data_docs=False)
    by_report: dict[str, dict[tuple[str, str], object]] = {rid: {} for rid in items}
    for r in run.results:
        by_report[r.report][(r.rule, r.where)] = r
    return bases, items, plan, by_report


def _failed(results: dict) -> set[tuple[str, str]]:
    return {k for k, r in results.items() if r.status == FAILED}


def test_unchanged_valid_reports_pass(mutation_run):
    bases, _, _, by_report = mutation_run
    for name in bases:
        failed = _failed(by_report[name])
        hard = {k for k in failed if RULE_BY_ID[k[0]].klass == HARD}
        if name == "huaian_hongzequ_2023":  # its printed table 四 totals are wrong (truth notes)
            assert hard == {("T4-H1", "t4.review"), ("T4-H3", "t4.lit_after_review")}
        else:
            assert hard == set(), name
        if name.startswith("gen_"):
            assert failed == set(), name


def test_printed_errors_reported_with_numbers(mutation_run):
    _, _, _, by_report = mutation_run
    res = by_report["huaian_hongzequ_2023"]
    h1, h3 = res[("T4-H1", "t4.review")], res[("T4-H3", "t4.lit_after_review")]
    assert (h1.lhs, h1.rhs) == (0, 11) and (h3.lhs, h3.rhs) == (0, 5)
    assert "t4.review_total.value" in h1.cells and "t4.review_upheld.value" in h1.cells
    assert res[("T4-H2", "t4.lit_direct")].status == "passed"


def test_single_cell_change_fails_exactly_the_rules_involving_it(mutation_run):
    bases, _, plan, by_report = mutation_run
    checked = 0
    for rid, (name, ref) in plan.items():
        if not rid.endswith("+1"):
            continue
        base_failed = _failed(by_report[name])
        new_failed = _failed(by_report[rid]) - base_failed
        involving, hard = _involving(bases[name], ref)
        assert new_failed <= involving, (rid, new_failed - involving)
        # every hard identity that involves the cell and held before now fails, naming the cell
        expect = hard - base_failed
        assert expect <= new_failed, (rid, expect - new_failed)
        for key in new_failed:
            assert str(ref) in by_report[rid][key].cells, (rid, key)
        assert hard, rid  # every table 三/四 cell is in at least one hard identity
        assert hard <= _failed(by_report[rid]), rid  # identities already broken as printed stay broken
        checked += 1
    assert checked > 1500


def test_negative_cell_fails_type_rule_naming_it(mutation_run):
    _, _, plan, by_report = mutation_run
    negs = [(rid, ref) for rid, (_, ref) in plan.items() if rid.endswith("neg")]
    assert negs
    for rid, ref in negs:
        key = ("T3-H4", f"t{ref.table}")
        res = by_report[rid][key]
        assert res.status == FAILED and str(ref) in res.cells, rid
