"""validate_batch: §2.6 NULL handling, table 三 shapes, results naming cells, Data Docs."""

from __future__ import annotations

import copy

import pytest

from ogi.model import FAILED, NOT_EVALUABLE, PASSED, ParsedReport
from ogi.templates import T3_APPLICANT_COLS, V2019, V2021
from ogi.validate.run import validate_batch
from ogi_dev.samples import random_report


def _edit(report, **cells):
    """Copy of ``report`` with t3 cells set: _edit(r, granted__total=None)."""
    out = copy.deepcopy(report)
    for key, value in cells.items():
        row, col = key.split("__")
        out.table3[row][col] = value
    return out


def _busy_report():
    """A generated v2021 report whose 自然人 column and granted row carry non-zero numbers."""
    for seed in range(1000):
        rep = random_report(seed, V2021)
        if (
            rep.table3["granted"]["natural_person"] > 0
            and rep.table3["granted"]["commercial_enterprise"] == 0
        ):
            return rep
    raise AssertionError("no suitable generated report")


@pytest.fixture(scope="module")
def null_run(tmp_path_factory):
    base = _busy_report()
    zero_col = next(c for c in T3_APPLICANT_COLS if all(base.table3[r][c] == 0 for r in base.table3))
    items = {
        "base": base,
        "blank_total": _edit(base, granted__total=None),
        "imputed_pass": _edit(base, granted__commercial_enterprise=None),
        "blank_component": _edit(base, granted__natural_person=None),
        "empty_column": _edit(base, **{f"{r}__{zero_col}": None for r in base.table3}),
        "applicant_only": _edit(base, **{f"{r}__total": None for r in base.table3}),
        "v19": random_report(5, V2019),
        "v21_with_v19_table3": random_report(6, V2021, t3_shape=V2019),
    }
    docs = tmp_path_factory.mktemp("docs")
    run = validate_batch(items, data_docs_dir=docs)
    res = {(r.report, r.rule, r.where): r for r in run.results}
    return run, res, zero_col, docs


def test_base_passes_and_every_hard_rule_is_evaluated(null_run):
    run = null_run[0]
    base = [r for r in run.results if r.report == "base"]
    assert all(r.status == PASSED for r in base), [r for r in base if r.status != PASSED]
    rules = {r.rule for r in base}
    assert {"T3-H1", "T3-H2", "T3-H3", "T3-H4", "T2-H1", "T4-H1", "T4-H2", "T4-H3", "T3-S1", "T2-S2"} <= rules
    assert sum(r.rule == "T3-H3" for r in base) == 25  # v2021 shape: 25 printed rows


def test_blank_total_is_its_own_finding(null_run):
    _, res, _, _ = null_run
    r = res[("blank_total", "T3-H3", "t3.granted.*")]
    assert r.status == NOT_EVALUABLE and r.detail.startswith("blank_total")
    assert "t3.granted.total" in r.detail and r.imputed_zero
    # the total column's H2 is incomplete for the same reason, not a wrong total
    assert res[("blank_total", "T3-H2", "t3.*.total")].detail.startswith("blank_total")
    assert not [k for k, v in res.items() if k[0] == "blank_total" and v.status == FAILED]


def test_blank_cell_counts_as_zero_when_the_rest_is_printed(null_run):
    _, res, _, _ = null_run
    r = res[("imputed_pass", "T3-H3", "t3.granted.*")]
    assert r.status == PASSED and r.imputed_zero
    assert not res[("base", "T3-H3", "t3.granted.*")].imputed_zero


def test_blank_component_that_was_not_zero_fails_as_arithmetic(null_run):
    _, res, _, _ = null_run
    r = res[("blank_component", "T3-H3", "t3.granted.*")]
    assert r.status == FAILED and r.imputed_zero and "t3.granted.natural_person" in r.cells
    assert r.lhs == res[("base", "T3-H3", "t3.granted.*")].lhs and r.rhs < r.lhs  # 总计 kept, one part lost
    assert res[("blank_component", "T3-H2", "t3.*.natural_person")].status == FAILED


def test_all_blank_column_is_not_evaluable_never_passed(null_run):
    _, res, col, _ = null_run
    for rule in ("T3-H1", "T3-H2"):
        r = res[("empty_column", rule, f"t3.*.{col}")]
        assert r.status == NOT_EVALUABLE and r.detail == "all cells blank"
    assert res[("empty_column", "T3-H3", "t3.granted.*")].status == PASSED


def test_applicant_columns_only(null_run):
    _, res, _, _ = null_run
    assert res[("applicant_only", "T3-H1", "t3.*.total")].status == NOT_EVALUABLE
    granted = res[("applicant_only", "T3-H3", "t3.granted.*")]
    assert granted.status == NOT_EVALUABLE and granted.detail.startswith("blank_total")
    assert res[("applicant_only", "T3-H3", "t3.denied_state_secret.*")].status in (PASSED, NOT_EVALUABLE)


def test_table3_shape_follows_the_printed_rows(null_run):
    run, res, _, _ = null_run
    v21_19 = {k[2] for k in res if k[0] == "v21_with_v19_table3" and k[1] == "T3-H3"}
    assert "t3.other_processing.*" in v21_19 and "t3.other_other.*" not in v21_19
    v19 = {k[2] for k in res if k[0] == "v19" and k[1] == "T3-H3"}
    assert len(v19) == 23 and "t3.other_fee_unpaid.*" not in v19
    for rid in ("v19", "v21_with_v19_table3"):
        assert not [r for r in run.results if r.report == rid and r.status != PASSED]
    assert res[("v19", "T2bcd-H1", "t2")].status == PASSED
    assert {k[1] for k in res if k[0] == "v19"} >= {"T2a-S1", "T2a-S2", "T2bcd-S1", "T2e-S1", "T2e-S2"}


def test_data_docs_index_names_the_suites(null_run):
    run, _, _, docs = null_run
    assert run.data_docs_index == docs / "index.html"
    html = run.data_docs_index.read_text("utf-8")
    for name in ("ogi_v2019_error", "ogi_v2019_warning", "ogi_v2021_error", "ogi_v2021_warning"):
        assert name in html
    assert set(run.suites) == {"ogi_v2019_error", "ogi_v2019_warning", "ogi_v2021_error", "ogi_v2021_warning"}


def test_parsed_reports_and_bad_values():
    base = random_report(9, V2021)
    bad = copy.deepcopy(base)
    bad.table3["granted"]["natural_person"] = "12件"
    parsed = ParsedReport(base, "html", V2021, V2021, sections={"overview": "本年共收到申请99999件。"})
    run = validate_batch({"p": parsed, "bad": bad}, data_docs=False)
    s4 = [r for r in run.results if r.rule == "T3-S4"]
    assert s4 and s4[0].status == FAILED and s4[0].lhs == 99999
    h4 = next(r for r in run.results if r.report == "bad" and r.rule == "T3-H4" and r.where == "t3")
    assert h4.status == FAILED and h4.cells == ("t3.granted.natural_person",) and "not a number" in h4.detail
    assert run.has_errors("bad") and not run.has_errors("p")
    assert validate_batch({}, data_docs=False).results == []
