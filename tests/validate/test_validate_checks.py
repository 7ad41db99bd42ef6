"""Non-linear soft rules (T2e, T2-S2, T3-S4, T3-S5) and the cross-year rules X-1..X-3."""

from __future__ import annotations

import copy

import pytest

from ogi.model import FAILED, NOT_EVALUABLE, PASSED, ParsedReport
from ogi.templates import V2019, V2021
from ogi.validate import checks
from ogi.validate.crossyear import cross_year_results
from ogi_dev.samples import random_report


def _parsed(report, overview="", other=""):
    return ParsedReport(
        report,
        "html",
        report.template_version,
        report.template_version,
        sections={"overview": overview, "other_matters": other},
    )


def _report(new=859, over=18, done=805, fwd=72):
    rep = random_report(1, V2021)
    rep.table3["new_received"]["total"] = new
    rep.table3["carried_over"]["total"] = over
    rep.table3["total_processed"]["total"] = done
    rep.table3["carried_forward"]["total"] = fwd
    rep.table4.update(review_total=3, lit_direct_total=1, lit_after_review_total=1)
    return rep


@pytest.mark.parametrize(
    ("text", "where", "status"),
    [
        ("2019年共受理申请859件。", "new_received", PASSED),
        ("全年收到政府信息公开申请860件", "new_received", FAILED),
        ("共受理申请877件（含上年结转18件）", "new_received", PASSED),  # new + carried over is also accepted
        ("上年结转申请18件", "carried_over", PASSED),
        ("结转下年度继续办理72件", "carried_forward", PASSED),
        ("结转至2020年70件", "carried_forward", FAILED),
        ("共办结805件", "total_processed", PASSED),
        ("发生行政复议3件，行政诉讼2件", "review_total", PASSED),
        ("行政复议4件", "review_total", FAILED),
        ("行政诉讼3起", "litigation_total", FAILED),
    ],
)
def test_narrative_numbers(text, where, status):
    results = [r for r in checks.narrative_checks("r", _parsed(_report(), text)) if r.where.endswith(where)]
    assert len(results) == 1 and results[0].status == status, results
    assert results[0].rule == "T3-S4" and results[0].severity == "warning"


def test_narrative_without_figures_gives_no_result():
    assert list(checks.narrative_checks("r", _parsed(_report(), "我区认真贯彻落实条例。"))) == []


def test_narrative_against_blank_cell_is_not_evaluable():
    rep = _report()
    rep.table3["carried_forward"]["total"] = None
    (r,) = checks.narrative_checks("r", _parsed(rep, "结转下年度继续办理72件"))
    assert r.status == NOT_EVALUABLE


def test_fee_notices_t3_s5():
    rep = random_report(2, V2021)
    rep.table3["other_fee_unpaid"]["total"] = 2
    p = _parsed(rep)
    p.extras = {"fee_notices_count": None}
    assert [r.status for r in checks.fee_notice_checks("r", rep, p.extras)] == [FAILED]
    assert [r.status for r in checks.fee_notice_checks("r", rep, {"fee_notices_count": 1})] == [FAILED]
    assert [r.status for r in checks.fee_notice_checks("r", rep, {"fee_notices_count": 3})] == [PASSED]
    rep.table3["other_fee_unpaid"]["total"] = 0
    assert list(checks.fee_notice_checks("r", rep, {})) == []


def test_money_unit_sanity():
    rep = random_report(3, V2019)
    row = rep.table2["central_procurement"]
    row.update(projects=39, amount=3474675.89, amount_unit=None)  # 89,094 per project: 元 or 万元?
    s1, s2 = checks.procurement_checks("r", rep)
    assert (s1.rule, s1.status, s2.rule, s2.status) == ("T2e-S1", PASSED, "T2e-S2", FAILED)
    row.update(amount=75394432.52, amount_unit="元", projects=135)
    assert [r.status for r in checks.procurement_checks("r", rep)] == [PASSED, PASSED]
    row.update(amount=7539.443252, amount_unit="元")  # 6 decimals: looks like 万元
    assert [r.status for r in checks.procurement_checks("r", rep)] == [PASSED, FAILED]
    row.update(projects=0)
    assert next(checks.procurement_checks("r", rep)).status == FAILED
    v21 = random_report(4, V2021)
    v21.table2["fee"]["amount_wan"] = 3_500_000.0
    assert [r.status for r in checks.fee_amount_checks("r", v21)] == [FAILED]
    v21.table2["fee"]["amount_wan"] = 24252.311082
    assert [r.status for r in checks.fee_amount_checks("r", v21)] == [PASSED]


def test_cross_year():
    prev = random_report(10, V2021)
    prev.year = 2022
    cur = copy.deepcopy(random_report(11, V2021))
    for c, v in prev.table3["carried_forward"].items():
        cur.table3["carried_over"][c] = v
    cur.table3["carried_over"]["other_org"] = prev.table3["carried_forward"]["other_org"] + 1
    cur.table2["normdocs"]["in_force"] = (
        prev.table2["normdocs"]["in_force"]
        + cur.table2["normdocs"]["issued"]
        - cur.table2["normdocs"]["repealed"]
    )
    cur.table2["rules"]["in_force"] = None
    res = {(r.rule, r.where): r for r in cross_year_results([("c", cur, prev)])}
    assert res[("X-1", "t3.carried_over.natural_person")].status == PASSED
    bad = res[("X-1", "t3.carried_over.other_org")]
    assert bad.status == FAILED and "2022:t3.carried_forward.other_org" in bad.cells
    assert res[("X-2", "t2.normdocs")].status == PASSED
    assert res[("X-2", "t2.rules")].status == NOT_EVALUABLE
    assert not [k for k in res if k[0] == "X-3"]

    p19, c20 = random_report(20, V2019), random_report(21, V2019)
    p19.year, c20.year = 2019, 2020
    for r in ("license", "penalty"):
        c20.table2[r]["prev_items"] = p19.table2[r]["prev_items"] + p19.table2[r]["change"]
    res = {(r.rule, r.where): r for r in cross_year_results([("c", c20, p19)])}
    assert res[("X-3", "t2.license")].status == PASSED and res[("X-3", "t2.penalty")].status == PASSED
    with pytest.raises(ValueError, match="expected 2019"):
        cross_year_results([("c", c20, c20)])
