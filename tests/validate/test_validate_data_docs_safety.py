"""Output safety of Data Docs: nothing that comes from a document (file name / report id, organ, title,
labels, cell text) reaches the HTML as markup (issue 13, stored XSS through a file name)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from ogi.model import FAILED
from ogi.templates import V2021
from ogi.validate.run import docs_id, docs_ids, validate_batch
from ogi_dev.samples import random_report

SCRIPT_ID = "<script>alert(1)</script>.html"
IMG_ID = "<img src=x onerror=alert(1)>"
ATTR_ID = 'x" onmouseover="alert(1)" y=\'<svg/onload=alert(1)>\'&amp;.pdf'


def _hostile_reports() -> dict:
    base = random_report(3, V2021)
    wrong = copy.deepcopy(base)
    wrong.table3["granted"]["total"] = (wrong.table3["granted"]["total"] or 0) + 7  # T3-H3 fails
    wrong.organ = "<img src=x onerror=alert(2)>"
    wrong.title = '<script>alert(2)</script>=HYPERLINK("http://evil")'
    text_cell = copy.deepcopy(base)
    text_cell.table3["granted"]["natural_person"] = "<script>alert(3)</script>"  # T3-H4: not a number
    return {SCRIPT_ID: wrong, IMG_ID: copy.deepcopy(wrong), ATTR_ID: text_cell, "plain-id": base}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    docs = tmp_path_factory.mktemp("docs")
    return validate_batch(_hostile_reports(), data_docs_dir=docs), docs


def _pages(docs: Path):
    import lxml.html

    pages = sorted(docs.rglob("*.html"))
    assert pages
    return [(p, lxml.html.fromstring(p.read_bytes())) for p in pages]


def test_data_docs_carry_no_markup_from_documents(hostile_run):
    _, docs = hostile_run
    shown_text = []
    for page, tree in _pages(docs):
        for el in tree.iter():
            if not isinstance(el.tag, str):
                continue
            tag = el.tag.lower()
            # no element that came from a document (GX's own pages have its logo and two inline svgs)
            if tag in ("img", "image"):
                assert el.get("src", "").startswith("https://great-expectations-web-assets."), (page, tag)
            if tag == "svg":
                assert el.get("width") in ("165px", "366px"), page
            if tag == "script":
                assert "alert(" not in (el.text or ""), page
            for name, value in el.attrib.items():
                assert name.lower() not in ("onerror", "onload", "onmouseover"), (page, name)
                assert "alert(" not in value, (page, name, value)
        shown_text.append(tree.text_content())
    text = "\n".join(shown_text)
    # the payloads are there, as text a reader can find (HTML-significant characters as look-alikes)
    for rid in (SCRIPT_ID, IMG_ID):
        assert docs_id(rid) in text
    assert "＜script＞alert(1)＜/script＞.html" in text and "＜img src=x onerror=alert(1)＞" in text


def test_results_keep_the_real_ids(hostile_run):
    run, _ = hostile_run
    assert {r.report for r in run.results} == set(_hostile_reports())
    for rid in (SCRIPT_ID, IMG_ID):
        h3 = [r for r in run.failed() if r.report == rid and r.rule == "T3-H3"]
        assert h3 and all(r.status == FAILED for r in h3)
    h4 = [r for r in run.failed() if r.report == ATTR_ID and r.rule == "T3-H4"]
    assert h4 and "not a number" in h4[0].detail
    assert not run.has_errors("plain-id")


def test_docs_ids_are_inert_unique_and_reversible():
    ids = ["<a>", "＜a＞", "a&b", "tab\there", "rtl\u202eexe.html", "平潭综合实验区_2021.html", "ok-1.pdf"]
    shown = docs_ids(ids)
    assert list(shown) == ids and len(set(shown.values())) == len(ids)
    for s in shown.values():
        assert not set(s) & set("<>&\"'`\\\t\r\n\u202e"), s
    assert shown["平潭综合实验区_2021.html"] == "平潭综合实验区_2021.html" and shown["ok-1.pdf"] == "ok-1.pdf"


def test_colliding_display_ids_still_map_back(tmp_path):
    base = random_report(4, V2021)
    wrong = copy.deepcopy(base)
    wrong.table3["granted"]["total"] = (wrong.table3["granted"]["total"] or 0) + 1
    run = validate_batch({"<a>": wrong, "＜a＞": base}, data_docs_dir=tmp_path)
    assert [r.report for r in run.failed("error") if r.rule == "T3-H3"] == ["<a>"]
