"""PDF reader: small PDFs drawn with reportlab (``pdf_fixtures``) from the same report as an HTML page
must parse to the same tables; each real-world PDF trouble is drawn on its own; bad input gives a
specific ParseError; the real WPS report of the corpus matches its truth with page/bbox provenance."""

from __future__ import annotations

from functools import cache

import pytest
from pdf_fixtures import PdfStyle, html_document, image_only_pdf, render_pdf
from reportbuilder import report_html, t3_html, t4_html
from testenv import CORPUS, truth_for

from ogi import templates as T
from ogi.model import ParseError
from ogi.parse import parse_bytes
from ogi.parse.grid import Cell
from ogi.parse.mapper import map_document
from ogi.parse.pdf import _Block, _join, _Line, read_pdf

pytest.importorskip("pdfplumber")
pytest.importorskip("reportlab")

# distinct values so a shifted column or row cannot go unnoticed
T3_VALUES = {k: [str(i * 10 + j) for j in (1, 2, 0, 3, 0, 1, 7)] for i, k in enumerate(T.T3_ROW_KEYS)}
T4_VALUES = [str(v) for v in (3, 1, 0, 2, 6, 1, 0, 0, 1, 2, 4, 0, 1, 0, 5)]
#: grid rows of table 三 (v2021): 3 header rows, 2 rows, then (一), (二), (三)1-8 = rows 7-14, (四)1-3 = 15-17
ROW_IN_UNABLE = 16
HARD = {
    "plain": PdfStyle(),
    "split_no_border": PdfStyle(break_before_row={1: ROW_IN_UNABLE}),
    "split_repeated_header": PdfStyle(
        break_before_row={1: ROW_IN_UNABLE}, repeat_header=3, close_at_break=True
    ),
    "split_cut_label": PdfStyle(break_before_row={1: ROW_IN_UNABLE}, cut_labels=True),
    "fake_bold": PdfStyle(fake_bold=True),
    "white_rects": PdfStyle(white_rects=True),
    "page_furniture": PdfStyle(
        break_before_row={1: ROW_IN_UNABLE},
        running_header="示例市示例局政府信息公开年报",
        page_numbers=True,
        page_frame=True,
    ),
    "word_rect_borders": PdfStyle(borders_as_rects=True, break_before_row={1: ROW_IN_UNABLE}),
    "all_at_once": PdfStyle(break_before_row={1: 10}, cut_labels=True, fake_bold=True, white_rects=True),
    "borderless": PdfStyle(no_rules=True),
    "borderless_split": PdfStyle(no_rules=True, break_before_row={1: ROW_IN_UNABLE}, page_numbers=True),
}


def _html(year: int) -> str:
    version = T.expected_version(year)
    return report_html(year=year, t3=t3_html(version, T3_VALUES), t4=t4_html(T4_VALUES))


@cache
def pdf_of(style: str, year: int = 2021) -> bytes:
    return render_pdf(html_document(_html(year)), HARD[style])


@cache
def doc_of(style: str, year: int = 2021):
    return read_pdf(pdf_of(style, year))


@pytest.mark.parametrize(
    ("style", "year"), [(s, 2021) for s in HARD] + [("split_cut_label", 2020), ("all_at_once", 2020)]
)
def test_pdf_parses_like_the_same_report_as_html(style, year):
    expected = parse_bytes(_html(year).encode("utf-8")).report.to_canonical()
    got = map_document(doc_of(style, year)).report.to_canonical()
    for key in ("table2", "table3", "table4", "year", "organ", "title", "template_version"):
        assert got.get(key) == expected.get(key), key


def _cells(doc):
    return [c for t in doc.tables for row in t.rows for c in row]


def test_merged_label_one_character_per_line_is_one_cell():
    doc = doc_of("plain")  # vertical_labels is the default
    results = [c for c in _cells(doc) if c.text == "三、本年度办理结果"]
    assert len(results) == 1
    assert results[0].rowspan == T.T3_RESULTS_ROWSPAN[T.V2021]


def test_table_split_across_pages_is_one_table_with_pages_and_boxes():
    doc = doc_of("split_no_border")
    assert len(doc.tables) == 3  # 二, 三 (two pages), 四
    t3 = doc.tables[1]
    pages = {c.page for row in t3.rows for c in row}
    assert pages == {1, 2}
    assert all(c.bbox and c.bbox[0] < c.bbox[2] and c.bbox[1] < c.bbox[3] for row in t3.rows for c in row)
    # the merged cells cut by the break continue on the next page: one cell each, full rowspan
    spans = {c.text: c.rowspan for c in _cells(doc)}
    assert spans["三、本年度办理结果"] == 22 and spans["（四）无法提供"] == 3


def test_label_cut_in_two_by_the_page_break_is_rejoined():
    """The merged labels printed one character per line are cut by the break: "（四" stays on
    p.1 and "）无法提供" opens p.2; likewise the 22-row results label."""
    doc = doc_of("split_cut_label")
    spans = {c.text: c.rowspan for c in _cells(doc)}
    assert spans.get("（四）无法提供") == 3 and spans.get("三、本年度办理结果") == 22
    assert not any(c.text in ("（四", "）无法提供") for c in _cells(doc))


def test_repeated_header_rows_on_the_continuation_page_are_dropped():
    doc = doc_of("split_repeated_header")
    assert sum(c.text == "申请人情况" for c in _cells(doc)) == 1


def test_fake_bold_glyphs_are_read_once():
    doc = doc_of("fake_bold")
    assert "政府信息公开工作年度报告" in doc.text
    assert "政政" not in doc.text
    assert "8.属于行政查询事项 | 111 | 112 | 110 | 113 | 110 | 111 | 117" in doc.text


def test_white_text_backing_rectangles_do_not_make_tables():
    doc = doc_of("white_rects")
    assert len(doc.tables) == 3
    assert "一、总体情况" in doc.text.split("\n")  # paragraphs stay text lines


def test_text_is_in_reading_order_with_table_rows_as_pipe_lines():
    text = doc_of("plain").text
    assert (
        text.index("一、总体情况")
        < text.index("二、主动公开")
        < text.index("规章 |")
        < text.index("三、收到")
    )
    assert (
        text.index("三、收到") < text.index("二、上年结转政府信息公开申请数量 |") < text.index("六、其他需要")
    )


def test_image_only_pdf_needs_ocr():
    with pytest.raises(ParseError) as e:
        parse_bytes(image_only_pdf())
    assert e.value.reason == "needs_ocr" and "OCR" in str(e.value)


def test_encrypted_pdf_is_refused():
    with pytest.raises(ParseError) as e:
        parse_bytes(render_pdf(html_document(_html(2021)), encrypt="secret"))
    assert e.value.reason == "encrypted" and "encrypted" in str(e.value)


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_pdf_is_corrupt(cut):
    pdf = pdf_of("plain")
    with pytest.raises(ParseError) as e:
        parse_bytes(pdf[: int(len(pdf) * cut)])
    assert e.value.reason == "corrupt" and "corrupt or truncated" in str(e.value)


def test_pdf_header_with_garbage_is_corrupt():
    with pytest.raises(ParseError) as e:
        read_pdf(b"%PDF-1.4\n" + b"garbage " * 100)
    assert e.value.reason == "corrupt"


def test_corpus_wps_pdf_keeps_page_and_box_provenance():
    path = CORPUS / "huaian_hongzequ_2023.pdf"
    if not path.exists():
        pytest.skip("shared corpus absent")
    doc = read_pdf(path.read_bytes())
    assert doc.meta["title"] == "洪泽区人民政府2023年政府信息公开工作年度报告"  # UTF-16 info string decoded
    parsed = map_document(doc)
    truth = truth_for(path)
    assert parsed.report.table3 == truth["table3"] and parsed.report.table4 == truth["table4"]
    # table 三 continues from p.3 to p.4: its rows keep their own pages and boxes
    first = parsed.provenance[T.CellRef(3, "new_received", "total")]
    late = parsed.provenance[T.CellRef(3, "unable_unclear", "total")]
    assert (first.page, late.page) == (3, 4) and first.table_index == late.table_index
    assert first.bbox is not None and late.bbox is not None


def test_page_numbers_running_headers_and_frames_do_not_stop_a_table_join():
    doc = doc_of("page_furniture")
    assert len(doc.tables) == 3
    assert "- 1 -" not in doc.text and "示例市示例局政府信息公开年报" not in doc.text


def test_hard_wrapped_lines_are_joined_into_paragraphs():
    overview = "本年度，示例市示例局认真贯彻落实《中华人民共和国政府信息公开条例》，" * 4
    html = report_html(year=2021, overview=overview)
    pdf = render_pdf(html_document(html))
    assert overview in read_pdf(pdf).text.split("\n")  # drawn as 7 lines of 44 characters
    parsed = parse_bytes(pdf)
    assert parsed.sections["overview"] == parse_bytes(html.encode("utf-8")).sections["overview"]


def _row(page: int, top: float, *cells: tuple[float, float, str]) -> list[Cell]:
    return [Cell(text=t, page=page, bbox=(x0, top, x1, top + 20)) for x0, x1, t in cells]


def _blk(page: int, rows: list[list[Cell]]) -> _Block:
    edges = sorted({x for r in rows for c in r for x in (c.bbox[0], c.bbox[2])})
    return _Block(page, rows[0][0].bbox[1], max(c.bbox[3] for r in rows for c in r), rows, edges)


def test_join_keeps_a_row_label_at_the_top_of_the_next_page_as_its_own_label():
    a = _blk(
        1,
        [
            _row(1, 700, (70, 300, "信息内容"), (300, 500, "本年处理决定数量")),
            _row(1, 720, (70, 300, "行政许可"), (300, 500, "550")),
        ],
    )
    b = _blk(2, [_row(2, 60, (70, 300, "其他对外管理服务事项"), (300, 500, "7"))])
    (group,) = _join([a, b], [])
    assert [[c.text for c in r] for b in group for r in b.rows][-2:] == [
        ["行政许可", "550"],
        ["其他对外管理服务事项", "7"],
    ]


def test_join_appends_a_group_label_fragment_to_the_open_cell_above():
    a = _blk(
        1, [_row(1, 700, (70, 150, "（四）无"), (150, 300, "1.本机关不掌握相关政府信息"), (300, 340, "10"))]
    )
    b = _blk(2, [_row(2, 60, (70, 150, "法提供"), (150, 300, "2.没有现成信息需要另行制作"), (300, 340, "3"))])
    (group,) = _join([a, b], [])
    assert [[c.text for c in r] for b in group for r in b.rows] == [
        ["（四）无法提供", "1.本机关不掌握相关政府信息", "10"],
        ["2.没有现成信息需要另行制作", "3"],
    ]
    assert group[0].rows[0][0].rowspan == 2


def test_tables_on_pages_with_text_between_are_not_joined():
    a = _blk(1, [_row(1, 700, (70, 300, "规章"), (300, 500, "0"))])
    b = _blk(2, [_row(2, 200, (70, 300, "行政许可"), (300, 500, "550"))])
    text = [_Line(2, 100, 70, 400, 12, "三、收到和处理政府信息公开申请情况", 842)]
    assert len(_join([a, b], text)) == 2
