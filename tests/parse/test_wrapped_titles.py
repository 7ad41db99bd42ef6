"""Titles from PDF text layers (issue 11): a centred title wrapped in the middle of a keyword, and a
PDF Title property printed at the head, give the whole title and the organ."""

from __future__ import annotations

from reportbuilder import report_html, t4_html

from ogi.parse.grid import Document
from ogi.parse.mapper import map_document


def _doc_with_head(head: list[str], meta: dict | None = None) -> Document:
    """The tables and narrative of a built report, behind the given head lines (as a PDF prints them)."""
    from ogi.parse.html import read_html

    doc = read_html(report_html(title=None, t4=t4_html()).encode("utf-8"))
    doc.text = "\n".join(head) + "\n" + doc.text
    doc.meta = dict(meta or {})
    return doc


def test_a_title_wrapped_inside_a_keyword_is_rejoined():
    head = ["示例市人力资源和社会保障局2021年度政", "府信息公开工作年度报告", "时间：2022-01-14"]
    p = map_document(_doc_with_head(head))
    assert p.report.title == "示例市人力资源和社会保障局2021年度政府信息公开工作年度报告"
    assert p.report.organ == "示例市人力资源和社会保障局"


def test_the_pdf_title_property_is_taken_when_the_head_prints_it():
    head = ["示例市人力资源和社会保障局2022年政府", "信息公开工作年度报告"]
    meta = {"title": "示例市人力资源和社会保障局2022年政府信息公开工作年度报告"}
    p = map_document(_doc_with_head(head, meta))
    assert p.report.title == meta["title"] and p.report.organ == "示例市人力资源和社会保障局"


def test_a_title_property_not_printed_is_not_taken():
    head = ["示例市民政局2022年政府信息公开工作年度报告"]
    meta = {"title": "另一个单位2020年政府信息公开工作年度报告"}  # stale document properties
    p = map_document(_doc_with_head(head, meta))
    assert p.report.title == head[0]
