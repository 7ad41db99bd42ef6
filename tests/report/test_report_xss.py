"""Markup in what documents and registries say (a region and organ name, a report title, the organ name
a document prints, a printed cell's text, a parser warning, a source URL) is shown as text: in the HTML
(parsed with lxml), in the chart labels (SVG text), and in Chromium, where nothing runs, nothing loads
and the drill-down panel writes the payload as characters."""

from __future__ import annotations

import json

import pytest
from lxml import html as lxml_html
from reportkit import PAYLOAD, load_hostile

_DRILL = "(() => { const d = document.getElementById('drill'); return d.hidden ? null : d.innerText; })()"


@pytest.fixture(scope="module")
def hostile_pages(tmp_path_factory):
    from ogi.report import build_report
    from ogi.warehouse.db import get_engine

    tmp = tmp_path_factory.mktemp("hostile")
    url = f"sqlite:///{tmp / 'warehouse.db'}"
    strings = load_hostile(url)
    engine = get_engine(url)
    pages = build_report(engine, "evil", 2022, tmp / "reports")
    engine.dispose()
    return strings, pages


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


def _body_text(doc) -> str:
    """The visible text: the body without script elements (the JSON block and the page's own script)."""
    body = doc.body
    for s in body.xpath(".//script"):
        s.getparent().remove(s)
    return body.text_content()


def test_markup_from_documents_is_text_in_the_html(hostile_pages):
    strings, pages = hostile_pages
    for path in pages:
        raw = path.read_text("utf-8")
        doc = lxml_html.fromstring(raw)
        scripts = doc.xpath("//script")
        assert [s.get("type") for s in scripts] == ["application/json", None]  # ours only
        assert not doc.xpath(
            "//img | //iframe | //object | //embed | //foreignObject | //*[local-name()='foreignObject']"
        )
        for el in doc.iter():
            if not isinstance(el.tag, str):
                continue
            for attr, value in el.attrib.items():
                assert not attr.lower().startswith("on"), (el.tag, attr)
                assert not value.strip().lower().startswith("javascript:"), (el.tag, attr, value)
        # the JSON block holds the payload as data and cannot be closed by it
        data = json.loads(doc.get_element_by_id("ogi-sources").text)
        assert "</script" not in scripts[0].text and "<" not in scripts[0].text
        values = set(_strings(data))
        assert {strings["title"], strings["printed_organ"], strings["url"]} <= values
        assert strings["raw"] in values or path != pages[0]

    city = lxml_html.fromstring(pages[0].read_bytes())
    text = _body_text(city)
    for key in ("city", "organ", "district"):
        assert strings[key] in text, key  # shown, literally, as characters
    assert strings["url"] in text  # a javascript: URL is printed, never a link
    # chart labels are SVG text, escaped by vl-convert and sanitised: organ names appear as characters
    svg_text = " ".join(t.text_content() for t in city.xpath("//figure//*[local-name()='text']"))
    assert "<script>" in svg_text or "<img" in svg_text or "机关<" in svg_text


def test_markup_from_documents_does_nothing_in_chromium(hostile_pages, browser):
    strings, pages = hostile_pages
    page = browser.page()
    for path in pages:
        url = path.as_uri()
        page.open(url)
        assert page.errors() == []
        assert page.requests() == [url]  # an injected <img src=x> would have been requested
        assert page.dialogs() == []
        assert page.eval("typeof window.__xss") == "undefined"
        assert page.eval("document.scripts.length") == 2
    page.open(pages[0].as_uri())
    # the hard-rule failure of the hostile organ: its printed cell, title and warning in the drill-down
    page.eval("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.click(".failure .identity .side b a[data-ref]")
    text = page.eval(_DRILL)
    assert text is not None
    assert strings["raw"].replace("\u2028", "") in text.replace("\u2028", "")
    assert strings["title"].replace("\u2028", "") in text.replace("\u2028", "")
    assert page.eval("document.querySelectorAll('#drill img, #drill script, #drill iframe').length") == 0
    # coverage: the partial report's warning (a formula and markup) as text
    page.click("#drill-close")
    page.click("table.coverage tr.total td:last-child a[data-ref]")
    text = page.eval(_DRILL)
    assert PAYLOAD in text and strings["warning"].startswith("=HYPERLINK")
    assert page.eval("typeof window.__xss") == "undefined" and page.dialogs() == []
    page.close()
