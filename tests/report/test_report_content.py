"""What the generated city's page says, checked against the warehouse views (computed here with plain
SQL over the views, independently of ogi.report): every aggregate equals the sum of the printed cells
its drill-down lists, coverage matches v_coverage, rankings obey the minimum-N rule, every failed hard
rule is listed, the trend spans both templates, and the page is self-contained."""

from __future__ import annotations

import json
import re

from lxml import html as lxml_html
from reportkit import CITY, DISTRICT, YEAR, query


def _doc(path):
    return lxml_html.fromstring(path.read_bytes())


def _sources(doc) -> dict:
    return json.loads(doc.get_element_by_id("ogi-sources").text)


def _number(text: str) -> float | None:
    return None if text == "—" else float(text.replace(",", ""))


def test_every_number_is_linked_and_adds_up(city_pages):
    """Each number in a table links to a drill-down; a count's drill-down cells add up to it (NA when
    no cell is printed); a count of reports or organs lists exactly that many."""
    doc = _doc(city_pages[0])
    src = _sources(doc)
    value = src["fields"].index("value")
    table_numbers = doc.xpath("//main//table//td[contains(@class,'num')]")
    assert len(table_numbers) > 200
    for td in table_numbers:
        text = td.text_content().strip()
        if re.fullmatch(
            r"[+-][\d.]+%|—", text
        ):  # year-on-year change columns: derived text, no cell of its own
            continue
        assert td.xpath(".//a[@data-ref]"), f"number {text!r} without a drill-down"
    checked = 0
    for ref in src["refs"].values():
        shown = ref["value"]
        if not shown or ref.get("derived"):  # rates and denominators: computed by v_metrics, not sums
            assert not shown.endswith("%") or ref.get("derived")
            continue
        if ref["facts"]:
            vals = [src["facts"][i][value] for i in ref["facts"]]
            printed = [v for v in vals if v is not None]
            expect = sum(printed) if printed else None
            assert _number(shown) == expect, (ref["label"], shown, expect)
            checked += 1
        elif shown != "—" and (ref["reports"] or ref["organs"]):  # a count of the reports or organs listed
            assert _number(shown) == len(ref["reports"]) + len(ref["organs"]), ref["label"]
    assert checked > 100


def test_coverage_matches_v_coverage(city_pages, city_sqlite):
    doc = _doc(city_pages[0])
    total = doc.xpath("//table[contains(@class,'coverage')]//tr[contains(@class,'total')]/td")
    registered, on_time, late, undated, quarantined, not_found, partial = (
        int(td.text_content()) for td in total
    )
    cov = query(city_sqlite, "SELECT * FROM v_coverage WHERE region_id = :r AND year = :y", r=CITY, y=YEAR)[0]
    assert registered == cov["organs_registered"]
    assert on_time == cov["reports_on_time"] and late == cov["reports_late"]
    assert quarantined == cov["reports_quarantined"]
    assert not_found == cov["organs_registered"] - cov["reports_found"]
    assert on_time + late + undated + quarantined + not_found == registered
    n_partial = query(
        city_sqlite,
        "SELECT COUNT(*) AS n FROM v_current_reports cr JOIN organs o ON o.id = cr.organ_id"
        " WHERE cr.year = :y AND cr.status = 'partial' AND o.registered",
        y=YEAR,
    )[0]["n"]
    assert partial == n_partial
    # the district's line of the city page: the same counts as its own v_coverage row
    row = doc.xpath("//table[contains(@class,'children')]/tbody/tr")[0]
    d_registered, d_found, d_failing = (
        int(td.text_content()) for td in row.xpath("./td[contains(@class,'num')]")
    )
    d = query(city_sqlite, "SELECT * FROM v_coverage WHERE region_id = :r AND year = :y", r=DISTRICT, y=YEAR)[
        0
    ]
    assert (d_registered, d_found, d_failing) == (
        d["organs_registered"],
        d["reports_found"],
        d["reports_with_hard_failures"],
    )
    # the generated city has each kind somewhere over its three years
    kinds = query(
        city_sqlite,
        "SELECT SUM(reports_late) AS late, SUM(reports_quarantined) AS q, SUM(organs_registered - reports_found) AS nf"
        " FROM v_coverage WHERE region_id = :r",
        r=CITY,
    )[0]
    assert kinds["late"] and kinds["q"] and kinds["nf"]


def test_rankings_follow_the_minimum_n_rule(city_pages, city_sqlite):
    doc = _doc(city_pages[0])
    params = query(city_sqlite, "SELECT * FROM v_metric_params")[0]
    metrics = {
        m["organ_name"]: m
        for m in query(
            city_sqlite,
            "SELECT cr.organ_name, m.* FROM v_metrics m JOIN v_current_reports cr ON cr.organ_id = m.scope_id"
            " AND cr.year = m.year WHERE m.scope = 'organ' AND m.year = :y",
            y=YEAR,
        )
    }
    for rate, flag, n_col in (
        ("disclosure_rate", "meets_min_n_applications", "total_processed"),
        ("review_correction_rate", "meets_min_n_review", "review_decided"),
    ):
        rows = doc.xpath(f"//table[@data-rate='{rate}']/tbody/tr")
        ranked = [r.xpath("./td")[1].xpath(".//a")[0].text_content() for r in rows]
        unranked = [li.xpath(".//a")[0].text_content() for li in doc.xpath(f"//ul[@data-rate='{rate}']/li")]
        assert ranked, f"nobody ranked by {rate}"
        threshold = params["min_n_applications" if flag.endswith("applications") else "min_n_cases"]
        for name in ranked:
            assert metrics[name][flag] == 1 and metrics[name][n_col] >= threshold
        for name in unranked:
            assert metrics[name][flag] == 0 or metrics[name][rate] is None
        assert sorted(ranked + unranked) == sorted(metrics)
        values = [metrics[n][rate] for n in ranked]
        assert values == sorted(values, reverse=True)
        assert (
            f"不少于 {threshold}"
            in doc.xpath(f"//table[@data-rate='{rate}']/preceding-sibling::p[1]")[0].text_content()
        )


def test_every_failed_hard_rule_is_written_out(city_sqlite, tmp_path):
    """For each year of the city: the failures section lists exactly v_hard_failures, each identity with
    its printed labels and both sides' numbers."""
    from ogi.report import build_report
    from ogi.warehouse.db import get_engine

    engine = get_engine(city_sqlite)
    seen_identity = 0
    for year in (2020, 2021, 2022):
        path = build_report(engine, CITY, year, tmp_path, children=False)[0]
        doc = _doc(path)
        listed = {
            (div.getparent().get("data-organ"), div.get("data-rule"), div.get("data-where"))
            for div in doc.xpath("//div[@class='identity']")
        }
        expected = {
            (r["organ_id"], r["rule_id"], r["where_"])
            for r in query(city_sqlite, "SELECT * FROM v_hard_failures WHERE year = :y", y=year)
        }
        assert listed == expected
        for div in doc.xpath("//div[@class='identity']"):
            sides = div.xpath("./span[@class='side']")
            if len(sides) == 3:  # lhs, ≠, rhs
                seen_identity += 1
                assert "表三" in sides[0].text_content() or "表四" in sides[0].text_content()
                assert sides[0].xpath(".//b/a[@data-ref]") and sides[2].xpath(".//b/a[@data-ref]")
    engine.dispose()
    assert seen_identity, "the generated city fails at least one identity"


def test_trends_span_both_templates(city_pages, city_sqlite):
    doc = _doc(city_pages[0])
    rows = doc.xpath("//table[contains(@class,'trend')]/tbody/tr")
    versions = {r.xpath("./th")[0].text_content().strip(): r.xpath("./td")[0].text_content() for r in rows}
    assert versions["2020"].startswith("v2019") and versions["2022"].startswith("v2021")
    derived = {
        r["year"]
        for r in query(
            city_sqlite,
            "SELECT DISTINCT year FROM v_region_t3_harmonised WHERE region_id = :r AND includes_derived = 1",
            r=CITY,
        )
    }
    for year, text in versions.items():
        assert text.endswith("*") == (int(year) in derived)
    assert "2019 版（v2019）" in doc.xpath("//section[@id='trends']")[0].text_content()
    # other years' pages are linked where they were built
    assert doc.xpath("//nav[@class='years']/a/@href") == [
        f"../../{CITY}/{y}/index.html" for y in (2020, 2021)
    ]


def test_page_is_self_contained(city_pages):
    for path in city_pages:
        doc = _doc(path)
        for el in doc.iter():
            for attr in ("src", "href", "xlink:href", "{http://www.w3.org/1999/xlink}href"):
                v = el.get(attr)
                if v is None:
                    continue
                # allowed: in-page anchors, relative links to sibling pages, and the documents' own
                # source URLs as plain links (opened only on click)
                assert v.startswith(("#", "../../", "https://", "http://")), (el.tag, attr, v)
                assert attr == "href" or v.startswith("#")
        assert not doc.xpath("//link[@rel='stylesheet'] | //script[@src] | //img | //iframe")
        csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
        assert "default-src 'none'" in csp and "script-src 'sha256-" in csp
    assert city_pages[1].parent.parent.name == DISTRICT


def test_same_page_on_postgresql(city, pg_url, city_pages, tmp_path):
    """The page built from PostgreSQL says the same as the one built from SQLite: every number, with
    the same printed cells behind it."""
    from reportkit import load_city

    from ogi.report import build_report
    from ogi.warehouse.db import get_engine

    load_city(pg_url, city)
    engine = get_engine(pg_url)
    pg_page = build_report(engine, CITY, YEAR, tmp_path, children=False)[0]
    engine.dispose()

    def numbers(path):
        src = _sources(_doc(path))
        cells = [repr((f[1], f[2], f[3], f[4], f[5])) for f in src["facts"]]  # table, row, col, value, text
        return sorted(
            (r["label"], r["value"], sorted(cells[i] for i in r["facts"])) for r in src["refs"].values()
        )

    assert numbers(pg_page) == numbers(city_pages[0])
