"""The municipal report of a generated city, opened in headless Chromium (file://): it loads with no
console error and no request but the file itself, every chart's SVG has marks, and clicking a number
shows where it was printed (organ, report URL, sha256, table/row/cell or page and box, printed text)."""

from __future__ import annotations

import json

from lxml import html as lxml_html
from reportkit import CITY, DISTRICT, YEAR, query

#: every chart the generated city's page must draw (its data covers each of them)
CHARTS = {"coverage", "outcomes", "review", "trend_volume", "trend_rates", "rank_volume", "rank_disclosure"}

_CHART_MARKS = """Array.from(document.querySelectorAll('figure.chart')).map(f => ({
  key: f.dataset.chart,
  svg: f.querySelectorAll('svg').length,
  marks: f.querySelectorAll('svg g.role-mark > path, svg g.role-mark > line, svg g.role-mark > circle,'
                             + ' svg g.role-mark > rect, svg g.role-mark > g').length
}))"""
_DRILL = "(() => { const d = document.getElementById('drill'); return d.hidden ? null : d.innerText; })()"


def _sources(path) -> dict:
    doc = lxml_html.fromstring(path.read_bytes())
    return json.loads(doc.get_element_by_id("ogi-sources").text)


def _ref(sources: dict, label: str) -> str:
    found = [k for k, r in sources["refs"].items() if r["label"] == label]
    assert found, f"no number labelled {label!r}"
    return found[0]


def test_city_report_in_chromium(city_pages, city_sqlite, browser, tmp_path):
    path = city_pages[0]
    assert path.name == "index.html" and path.parent.name == str(YEAR) and path.parent.parent.name == CITY
    page = browser.page()
    url = path.as_uri()
    page.open(url)
    assert page.errors() == []
    assert page.requests() == [url]  # the file itself, nothing else (no font, script, image, favicon)

    charts = page.eval(_CHART_MARKS)
    assert {c["key"] for c in charts} == CHARTS
    for c in charts:
        assert c["svg"] == 1 and c["marks"] > 0, c

    # a city total: 予以公开 of the 总计 column, summed over every current report of the year
    sources = _sources(path)
    ref = _ref(sources, f"{YEAR} 年 （一）予以公开 · 总计")
    page.click(f'a[data-ref="{ref}"]')
    text = page.eval(_DRILL)
    assert text is not None, "the drill-down panel did not open"
    facts = query(
        city_sqlite,
        "SELECT cr.organ_name, cr.source_url, cr.sha256, f.value_num, f.raw_text FROM v_current_reports cr"
        " JOIN facts f ON f.report_id = cr.report_id WHERE cr.year = :y AND f.table_no = 3"
        " AND f.row_key = 'granted' AND f.col_key = 'total'",
        y=YEAR,
    )
    assert len(facts) >= 10
    for f in facts:
        assert f["organ_name"] in text and f["source_url"] in text and f["sha256"] in text
    total = sum(f["value_num"] or 0 for f in facts)
    assert f"合计 {total:g}" in text
    assert "表格 #" in text and "印刷文本" in text

    # one organ's number printed in a PDF: page and bounding box
    pdf = query(
        city_sqlite,
        "SELECT cr.organ_name, cr.sha256, f.page, f.raw_text FROM v_current_reports cr JOIN facts f"
        " ON f.report_id = cr.report_id JOIN reports r ON r.id = cr.report_id WHERE cr.year = :y"
        " AND r.source_format = 'pdf' AND f.table_no = 3 AND f.row_key = 'total_processed' AND f.col_key = 'total'"
        " AND f.bbox_x0 IS NOT NULL",
        y=YEAR,
    )
    assert pdf, "the generated city has a PDF report in the year"
    p = pdf[0]
    page.click("#drill-close")
    assert page.eval(_DRILL) is None
    page.eval("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    ref = _ref(sources, f"{YEAR} 年 {p['organ_name']}：表三 （七）总计 · 总计")
    page.click(f'a[data-ref="{ref}"]')
    text = page.eval(_DRILL)
    assert p["sha256"] in text and f"第 {p['page']} 页" in text and "框 (" in text and p["raw_text"] in text

    shot = page.screenshot(tmp_path / "city-report.png")
    assert shot.stat().st_size > 50_000
    print(f"\nscreenshot of the report: {shot}")

    # the district's page, linked from the city's, links back
    href = page.eval("document.querySelector('a.child').getAttribute('href')")
    district = (path.parent / href).resolve()
    assert district == (path.parent.parent.parent / DISTRICT / str(YEAR) / "index.html").resolve()
    page.open(district.as_uri())
    assert page.errors() == [] and page.requests() == [district.as_uri()]
    assert (
        page.eval("document.querySelector('nav.crumbs a').getAttribute('href')")
        == f"../../{CITY}/{YEAR}/index.html"
    )
    page.close()
