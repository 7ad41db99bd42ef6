"""DOCX reader: documents built with python-docx (merged cells via ``cell.merge``) from the same
report as an HTML page parse to the same tables; merged cells become printed cells with spans;
body order is kept; a broken file is "corrupt"."""

from __future__ import annotations

import io
import zipfile

import pytest
from pdf_fixtures import html_document, render_docx
from reportbuilder import report_html, t3_html, t4_html

from ogi import templates as T
from ogi.model import ParseError
from ogi.parse import parse_bytes
from ogi.parse.docx import _W, read_docx

pytest.importorskip("docx")

T3_VALUES = {k: [str(i * 10 + j) for j in (1, 2, 0, 3, 0, 1, 7)] for i, k in enumerate(T.T3_ROW_KEYS)}
T4_VALUES = [str(v) for v in (3, 1, 0, 2, 6, 1, 0, 0, 1, 2, 4, 0, 1, 0, 5)]


def _html(year: int = 2021, **kw) -> str:
    version = T.expected_version(year)
    return report_html(year=year, t3=t3_html(version, T3_VALUES), t4=t4_html(T4_VALUES), **kw)


@pytest.mark.parametrize("year", [2021, 2020], ids=["v2021", "v2019"])
def test_docx_parses_like_the_same_report_as_html(year):
    html = _html(year)
    expected = parse_bytes(html.encode("utf-8")).report.to_canonical()
    parsed = parse_bytes(render_docx(html_document(html)), filename="report.docx")
    got = parsed.report.to_canonical()
    assert parsed.source_format == "docx"
    for key in ("table2", "table3", "table4", "year", "organ", "title", "template_version"):
        assert got.get(key) == expected.get(key), key


def test_merged_cells_become_printed_cells_with_spans():
    doc = read_docx(render_docx(html_document(_html(2021))))
    t3 = doc.tables[1]
    spans = {c.text: (c.rowspan, c.colspan) for row in t3.rows for c in row}
    assert spans["三、本年度办理结果"] == (T.T3_RESULTS_ROWSPAN[T.V2021], 1)
    assert spans["（三）不予公开"] == (8, 1)
    assert spans["申请人情况"][1] == 7 and spans["法人或其他组织"] == (1, 5)
    assert spans["一、本年新收政府信息公开申请数量"] == (1, 3)
    # covered positions are dropped: the row under "三、本年度办理结果" starts with its own label
    row = next(r for r in t3.rows if r[0].text.startswith("（二）部分公开"))
    assert [c.text for c in row[1:]] == T3_VALUES["partial_grant"]


def test_body_order_paragraphs_and_tables():
    doc = read_docx(render_docx(html_document(_html(2021))))
    text = doc.text
    assert (
        text.index("一、总体情况")
        < text.index("规章 |")
        < text.index("三、收到")
        < text.index("（七）总计 |")
    )
    assert text.index("（七）总计 |") < text.index("四、政府信息公开") < text.index("六、其他需要报告的事项")


def test_unmerged_duplicated_labels_still_parse():
    """Tables whose "merged" labels are repeated in every row instead of merged (a common export)."""
    html = _html(2021)
    expected = parse_bytes(html.encode("utf-8")).report.to_canonical()
    got = parse_bytes(render_docx(html_document(html), merge=False)).report.to_canonical()
    assert got["table3"] == expected["table3"] and got["table4"] == expected["table4"]


def test_local_label_variants_are_kept_as_printed():
    html = _html(2021).replace("2.其他法律行政法规禁止公开", "2.其他法律、行政法规禁止公开")
    parsed = parse_bytes(render_docx(html_document(html)))
    assert parsed.report.table3["denied_law_prohibited"] == {
        k: int(v) for k, v in zip(T.T3_COL_KEYS, T3_VALUES["denied_law_prohibited"])
    }


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04" + b"\x00" * 60,  # a zip header and nothing else
        b"not a docx at all",
    ],
    ids=["broken_zip", "not_zip"],
)
def test_corrupt_docx(data):
    with pytest.raises(ParseError) as e:
        read_docx(data)
    assert e.value.reason == "corrupt" and "DOCX" in str(e.value)


def test_zip_without_a_word_document_is_corrupt():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(ParseError) as e:
        read_docx(buf.getvalue())
    assert e.value.reason == "corrupt"


def _edit(docx_bytes: bytes, edit) -> bytes:
    import docx

    d = docx.Document(io.BytesIO(docx_bytes))
    edit(d)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_rows_inside_content_controls_and_text_box_fallbacks():
    """Rows wrapped in w:sdt (content controls) are read; the mc:Fallback copy of a text box is not."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn

    html = _html(2021)

    def edit(d):
        tbl = d.tables[1]._tbl
        for tr in list(tbl.iterchildren(qn("w:tr")))[5:9]:
            sdt = parse_xml(f"<w:sdt {nsdecls('w')}><w:sdtPr/><w:sdtContent/></w:sdt>")
            tr.addprevious(sdt)
            sdt.find(qn("w:sdtContent")).append(tr)
        box = (
            f'<w:p {nsdecls("w")} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
            '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:t>文本框甲</w:t></mc:Choice>'
            "<mc:Fallback><w:t>文本框甲</w:t></mc:Fallback></mc:AlternateContent></w:r></w:p>"
        )
        d.paragraphs[0]._p.addnext(parse_xml(box))

    data = _edit(render_docx(html_document(html)), edit)
    doc = read_docx(data)
    assert doc.text.count("文本框甲") == 1
    expected = parse_bytes(html.encode("utf-8")).report.to_canonical()
    assert parse_bytes(data).report.to_canonical()["table3"] == expected["table3"]


def test_a_layout_table_wrapping_the_whole_report_is_read_through():
    """Some templates put the whole article into one big table cell; the report's tables sit inside."""
    html = _html(2021)

    def edit(d):
        body = d.element.body
        content = [el for el in body if not el.tag.endswith("sectPr")]
        wrapper = d.add_table(rows=1, cols=1)._tbl
        cell = wrapper.find(".//" + _W + "tc")
        for el in content:
            cell.append(el)
        cell.append(cell.makeelement(_W + "p", {}))  # a cell ends with a paragraph

    data = _edit(render_docx(html_document(html)), edit)
    expected = parse_bytes(html.encode("utf-8")).report.to_canonical()
    got = parse_bytes(data).report.to_canonical()
    for key in ("table2", "table3", "table4", "year", "organ", "title"):
        assert got.get(key) == expected.get(key), key
