"""Corpus truth + generated reports loaded into SQLite and PostgreSQL: summaries equal independent sums
from the canonical JSON, and both databases give identical summaries."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from whkit import CITY, approx, load_everything, migrated_engine, region_of, truth_sums

from ogi.warehouse.db import get_engine, upgrade
from ogi.warehouse.summary import UnknownRegion, municipal_summary

REGION_YEARS = [
    (CITY, 2019),
    (CITY, 2020),
    (CITY, 2021),
    (CITY, 2023),
    (CITY, 2025),
    ("d1", 2025),
    ("d2", 2023),
    ("d3", 2020),
    ("d3-t1", 2021),
    ("d2", 2021),
]


@pytest.fixture
def engine(db_url):
    yield from migrated_engine(db_url)


def test_summaries_equal_sums_from_truth(engine):
    reports, res = load_everything(engine)
    assert len(res.inserted) == len(reports)
    for region, year in REGION_YEARS:
        s = municipal_summary(engine, region, year)
        want = truth_sums(reports, region, year)
        assert approx(s["table3"]) == approx(want["table3"]), (region, year)
        assert approx(s["table4"]) == approx(want["table4"]), (region, year)
        assert approx(s["table2"]) == approx(want["table2"]), (region, year)
        assert s["n_reports"] == sum(1 for o, d in reports if d["year"] == year and region in region_of(o))


def test_harmonised_other_processing_and_metrics(engine):
    reports, _ = load_everything(engine)
    s = municipal_summary(engine, CITY, 2021)
    # harmonised （六）其他处理 = printed row or the sum of the v2021 sub-rows, never both
    want = 0
    for _, d in reports:
        if d["year"] != 2021:
            continue
        t3 = d["table3"]
        if "other_processing" in t3:
            want += t3["other_processing"]["total"] or 0
        else:
            want += sum(
                t3[r]["total"] or 0 for r in ("other_no_correction", "other_fee_unpaid", "other_other")
            )
    assert s["table3_harmonised"]["other_processing"]["total"] == want
    assert "other_other" not in s["table3_harmonised"]
    # 实质公开率 from the truth sums
    t3 = truth_sums(reports, CITY, 2021)["table3"]
    rate = (t3["granted"]["total"] + t3["partial_grant"]["total"]) / t3["total_processed"]["total"]
    assert s["metrics"]["disclosure_rate"] == pytest.approx(rate)
    # a zero denominator is NA, never 0 or 100 %
    with engine.connect() as c:
        na = c.execute(
            sa.text(
                "SELECT COUNT(*) FROM v_metrics WHERE review_decided = 0 AND review_correction_rate IS NOT NULL"
            )
        ).scalar()
        zero_dec = c.execute(sa.text("SELECT COUNT(*) FROM v_metrics WHERE review_decided = 0")).scalar()
    assert na == 0 and zero_dec > 0


def test_sqlite_and_postgresql_give_identical_summaries(sqlite_url, pg_url):
    summaries = []
    for url in (sqlite_url, pg_url):
        eng = get_engine(url)
        upgrade(eng)
        load_everything(eng)
        out = {f"{r}/{y}": municipal_summary(eng, r, y) for r, y in REGION_YEARS}
        with eng.connect() as c:
            out["metrics"] = sorted(
                tuple(approx(list(r))) for r in c.execute(sa.text("SELECT * FROM v_metrics"))
            )
            out["yoy"] = sorted(
                tuple(approx(list(r))) for r in c.execute(sa.text("SELECT * FROM v_metrics_yoy"))
            )
        eng.dispose()
        summaries.append(approx(out))
    assert summaries[0] == summaries[1]
    assert summaries[0]["yoy"], "year-over-year rows expected for organs with 2020 and 2021 reports"


def test_unknown_region_is_a_clear_error(engine):
    load_everything(engine, n_gen=2)
    with pytest.raises(UnknownRegion, match="unknown region 'nowhere'; known regions: d1"):
        municipal_summary(engine, "nowhere", 2021)
    assert municipal_summary(engine, "测试市", 2025)["region"]["id"] == CITY  # by name too
