"""Each real-world deviation (REPORT_FORMAT.md §5, issue 2) on a small page written here."""

from __future__ import annotations

import json

import pytest
from reportbuilder import ZERO7, report_html, report_text, t2_html, t3_html, t4_html
from testenv import SHARED

from ogi import templates as T
from ogi.model import READ_BLANK, READ_SIGNED, READ_WITH_UNIT, ParseError
from ogi.parse import parse_bytes
from ogi.parse.grid import Cell, Document, Table
from ogi.parse.mapper import map_document


def parse(html: str, encoding: str = "utf-8", **kw):
    return parse_bytes(html.encode(encoding), **kw)


@pytest.fixture(scope="module")
def schema_errors():
    import jsonschema

    path = SHARED / "spec" / "report.schema.json"
    if not path.exists():  # without ../shared the other assertions of these tests still run
        return lambda pr: []
    v = jsonschema.Draft202012Validator(
        json.loads(path.read_text("utf-8")), format_checker=jsonschema.FormatChecker()
    )
    return lambda pr: [e.message for e in v.iter_errors(pr.report.to_canonical())]


# ---------------------------------------------------------------------------- baseline


def test_clean_v2021_page(schema_errors):
    pr = parse(report_html(year=2021, head="<meta name='PubDate' content='2022-01-20 10:00'>"))
    r = pr.report
    assert (r.template_version, r.year, r.organ) == ("v2021", 2021, "示例市示例局")
    assert r.title == "示例市示例局2021年政府信息公开工作年度报告"
    assert r.published_on == "2022-01-20"
    assert pr.status == "parsed" and pr.warnings == []
    assert list(r.table3) == [x.key for x in T.t3_rows_for(T.V2021)]
    assert list(r.table4) == list(T.T4_KEYS)
    assert set(r.table2) == {"rules", "normdocs", "license", "penalty", "coercion", "fee"}
    assert pr.template_version_detected == "v2021" and pr.template_version_expected == "v2021"
    assert pr.sections["overview"].startswith("2021年，示例市示例局")
    assert pr.extras["fee_collected_yuan"] == 0
    assert schema_errors(pr) == []


def test_clean_v2019_page(schema_errors):
    pr = parse(report_html(year=2020))
    r = pr.report
    assert r.template_version == "v2019"
    assert "other_processing" in r.table3 and "other_other" not in r.table3
    assert r.table2["central_procurement"] == {"projects": 0, "amount": 0, "amount_unit": None}
    assert r.table2["fee"] == {"prev_items": 0, "change": 0}
    assert schema_errors(pr) == []


# ---------------------------------------------------------------------------- encodings


def test_gbk_page_without_charset_declaration():
    pr = parse(report_html(organ="示例市镕基局", charset=None), "gbk")  # 镕 is GBK, not GB2312
    assert pr.report.organ == "示例市镕基局"
    assert pr.report.table3["granted"]["total"] == 0


def test_page_declaring_gb2312_but_using_gbk_characters():
    pr = parse(report_html(organ="示例市喆园局", charset="gb2312"), "gbk")
    assert pr.report.organ == "示例市喆园局"


# ---------------------------------------------------------------------------- cell contents


def test_blank_cells_are_null_not_zero():
    values = {"new_received": ["5", "&nbsp;", "", "0", " ", "", ""], "total_processed": ["5"] + [""] * 6}
    pr = parse(report_html(t3=t3_html(values=values)))
    row = pr.report.table3["new_received"]
    assert row == {
        "natural_person": 5,
        "commercial_enterprise": None,
        "research_institution": None,
        "social_welfare_org": 0,
        "legal_service_org": None,
        "other_org": None,
        "total": None,
    }
    assert pr.provenance[T.CellRef(3, "new_received", "total")].read_as == READ_BLANK
    assert pr.report.table3["total_processed"]["total"] is None


def test_units_in_money_cells():
    html = report_html(year=2019, t2=t2_html(T.V2019, values={"central_procurement": ["3", "251000元"]}))
    r = parse(html).report
    assert r.table2["central_procurement"] == {"projects": 3, "amount": 251000, "amount_unit": "元"}
    html = report_html(year=2019, t2=t2_html(T.V2019, values={"central_procurement": ["3", "25.1万元"]}))
    assert parse(html).report.table2["central_procurement"]["amount_unit"] == "万元"
    headed = t2_html(
        T.V2019,
        values={"central_procurement": ["3", "25.1"]},
        headers={"九": ["采购项目数量", "采购总金额（万元）"]},
    )
    assert (
        parse(report_html(year=2019, t2=headed)).report.table2["central_procurement"]["amount_unit"] == "万元"
    )


def test_fee_amount_in_yuan_under_wan_header_is_converted():
    pr = parse(report_html(t2=t2_html(values={"fee": ["123456元"]})))
    assert pr.report.table2["fee"]["amount_wan"] == pytest.approx(12.3456)
    assert pr.provenance[T.CellRef(2, "fee", "amount_wan")].read_as == READ_WITH_UNIT
    assert any("converted to 万元" in w for w in pr.warnings)


def test_full_width_digits_and_thousands_separators():
    values = {"new_received": ["１２", "1,234", "1，000", "0", "0", "0", "2,246"]}
    r = parse(report_html(t3=t3_html(values=values))).report
    assert list(r.table3["new_received"].values()) == [12, 1234, 1000, 0, 0, 0, 2246]


def test_signed_values_in_v2019_change_columns():
    values = {
        "license": ["10", "-3", "5"],
        "penalty": ["4", "减2", "1"],
        "coercion": ["2", "+1", "0"],
        "fee": ["3", "－1"],
    }
    pr = parse(report_html(year=2020, t2=t2_html(T.V2019, values=values)))
    t2 = pr.report.table2
    assert [t2[k]["change"] for k in ("license", "penalty", "coercion", "fee")] == [-3, -2, 1, -1]
    assert pr.provenance[T.CellRef(2, "license", "change")].read_as == READ_SIGNED


# ---------------------------------------------------------------------------- labels


def test_labels_broken_by_br():
    html = report_html(t3=t3_html(values={"denied_state_secret": ["2", "0", "0", "0", "0", "0", "2"]}))
    html = (
        html.replace("商业企业", "商业<br/>企业")
        .replace("1.属于国家秘密", "1.属于国家<br>秘密")
        .replace("本年制发件数", "本年<br/>制发件数")
    )
    pr = parse(html)
    assert pr.report.table3["denied_state_secret"]["total"] == 2
    assert pr.report.table2["rules"] == {"issued": 0, "repealed": 0, "in_force": 0}


def test_local_annotations_in_labels_and_headers():
    t2 = [
        "第二十条第(五)项 | |||",
        (
            "信息内容 | 上一年项目数量 (指2019年事项数) | 本年增/减 (指2020年增加或减少的事项数,减用负值表示,如-8) "
            "| 处理决定数量 (指2020年办件量) |"
        ),
        "行政许可 | 66 | 76 | 142 |",
        "其他对外管理服务事项(指行政许可以外的政务服务事项,含行政确认、行政处罚) | 1 | -1 | 9 |",
    ]
    r = parse(report_text(t2_lines=t2)).report
    assert r.table2["license"] == {"prev_items": 66, "change": 76, "decisions": 142}
    assert r.table2["other_admin_service"] == {"prev_items": 1, "change": -1, "decisions": 9}


@pytest.mark.parametrize(
    "label",
    [
        "3.危及“三安全一稳定”",
        '3.危及"三安全一稳定"',
        "3.危及三安全一稳定",
        "3.危及「三安全一稳定」",
        "3.危及‘三安全一稳定’",
    ],
)
def test_quote_variants(label):
    values = {"denied_security_stability": ["4", "0", "0", "0", "0", "0", "4"]}
    r = parse(report_html(t3=t3_html(values=values, labels={"denied_security_stability": label}))).report
    assert r.table3["denied_security_stability"]["total"] == 4


def test_traditional_characters():
    labels = {
        "granted": "（一）予以公開",
        "denied_state_secret": "1.屬於國家秘密",
        "notproc_petition": "1.信訪舉報投訴類申請",
        "carried_forward": "四、結轉下年度繼續辦理",
    }
    values = {k: [str(i + 1)] + ["0"] * 5 + [str(i + 1)] for i, k in enumerate(labels)}
    pr = parse(report_html(t3=t3_html(values=values, labels=labels)))
    assert [pr.report.table3[k]["total"] for k in labels] == [1, 2, 3, 4]
    assert not [w for w in pr.warnings if "not recognised" in w]


def test_enumerator_variants_and_half_width_brackets():
    labels = {
        "denied_state_secret": "1、属于国家秘密",
        "granted": "(一)予以公开",
        "unable_unclear": "3．补正后申请内容仍不明确",
    }
    values = {k: ["7"] + ["0"] * 5 + ["7"] for k in labels}
    r = parse(report_html(t3=t3_html(values=values, labels=labels))).report
    assert all(r.table3[k]["total"] == 7 for k in labels)


def test_extra_local_rows_kept_under_their_own_key():
    extra = {
        "一": [
            ("其他主动公开文件（含以本单位名义正式签发的文件）", ["17", "17", "17"]),
            ("政策解读稿件", ["2", "2", "2"]),
        ]
    }
    pr = parse(report_html(year=2020, t2=t2_html(T.V2019, extra_rows=extra)))
    t2 = pr.report.table2
    assert t2["other_proactive_docs"] == {
        "label": "其他主动公开文件",
        "new_made": 17,
        "new_published": 17,
        "total_published": 17,
    }
    local = [k for k in t2 if k.startswith("local_")]
    assert len(local) == 1 and t2[local[0]]["label"] == "政策解读稿件"
    assert any("政策解读稿件" in w for w in pr.warnings)


def test_invented_subtotal_column_and_rows_are_ignored():
    values = {
        "new_received": ["3", "1", "1", "0", "0", "2", "7"],
        "granted": ["1", "0", "2", "0", "0", "0", "3"],
        "_subtotal": ["9", "9", "9", "9", "9", "9", "9"],
    }
    plain = parse(report_html(t3=t3_html(values=values))).report.table3
    pr = parse(report_html(t3=t3_html(values=values, subtotal_col=True, subtotal_rows=True)))
    assert pr.report.table3 == plain
    assert sum("subtotal" in w for w in pr.warnings) == 4  # （三）（四）（五） and （六）


def test_subtotal_column_found_by_arithmetic_when_header_is_lost():
    html = report_html(
        t3=t3_html(values={"new_received": ["3", "1", "1", "0", "0", "2", "7"]}, subtotal_col=True)
    )
    pr = parse(html.replace("<td>小计</td>", "<td>合</td>"))
    assert pr.report.table3["new_received"] == dict(zip(T.T3_COL_KEYS, [3, 1, 1, 0, 0, 2, 7]))


def test_inconsistent_spans_read_per_printed_cell():
    # pingtan-style: header rows of different widths and a value cell with colspan=2
    html = report_html(t3=t3_html(values={"new_received": ["64", "0", "0", "2", "0", "4", "70"]}))
    html = html.replace("<td colspan='7'>申请人情况</td>", "<td colspan='8'>申请人情况</td>")
    html = html.replace("<td>商业企业</td>", "<td colspan='2'>商业企业</td>")
    html = html.replace("<td>64</td><td>0</td>", "<td>64</td><td colspan='2'>0</td>")
    r = parse(html).report
    assert r.table3["new_received"] == dict(zip(T.T3_COL_KEYS, [64, 0, 0, 2, 0, 4, 70]))


def test_table2_columns_follow_header_text_not_position():
    t2 = t2_html(
        values={"rules": ["9", "1", "2"]}, headers={"一": ["现行有效件数", "本年制发件数", "本年废止件数"]}
    )
    assert parse(report_html(t2=t2)).report.table2["rules"] == {"in_force": 9, "issued": 1, "repealed": 2}


# ---------------------------------------------------------------------------- templates and missing parts


def test_v2021_table2_with_single_v2019_other_row_is_mixed(schema_errors):
    values = {"other_processing": ["1", "0", "0", "0", "0", "0", "1"]}
    pr = parse(report_html(year=2023, t3=t3_html(T.V2021, values=values, other_shape=T.V2019)))
    r = pr.report
    assert r.template_version == "v2021"  # the canonical version follows table 二 (schema)
    assert (pr.template_version_detected, pr.template_version_expected) == ("v2019", "v2021")  # §3.5 rule 1
    assert r.table3["other_processing"]["total"] == 1
    assert not {"other_no_correction", "other_fee_unpaid", "other_other"} & set(r.table3)
    assert any("mixed template" in w for w in pr.warnings)
    assert schema_errors(pr) == []


def test_detected_and_expected_versions_are_both_recorded():
    pr = parse(report_html(year=2021, version=T.V2019))
    assert pr.template_version_detected == "v2019" and pr.template_version_expected == "v2021"
    assert pr.report.template_version == "v2019"
    assert any("expected to use v2021" in w for w in pr.warnings)


def test_missing_table2_is_absent_with_warning(schema_errors):
    pr = parse(report_html(t2=None))
    assert pr.report.table2 is None and "table2" not in pr.report.to_canonical()
    assert pr.tables_present[2] is False and pr.status == "partial"
    assert "table 二 not found" in pr.warnings
    assert schema_errors(pr) == []


def test_wu_written_in_place_of_tables(schema_errors):
    pr = parse(report_html(t2="<p>无</p>", t3="<p>无。</p>", t4="<p>无</p>"))
    assert pr.report.table3 == {} and pr.report.table4 == {} and pr.report.table2 is None
    assert any("section 二 says there is nothing" in w for w in pr.warnings)
    assert any("table 三 not printed" in w for w in pr.warnings)
    assert "table 四 not found" in pr.warnings and pr.status == "partial"
    assert schema_errors(pr) == []


# ---------------------------------------------------------------------------- year, organ, dates


def test_statistics_year_wins_over_title_year():
    pr = parse(report_html(year=2019, title="示例市示例局2020年政府信息公开工作年度报告"))
    assert pr.report.year == 2019
    assert any("title year 2020 differs" in w for w in pr.warnings)


def test_year_from_title_then_url_date():
    assert parse(report_html(year=2022, preamble="本报告根据《条例》编制。")).report.year == 2022
    html = report_html(
        year=2022, preamble="本报告根据《条例》编制。", title="示例市示例局政府信息公开工作年度报告"
    )
    assert parse(html, url="https://www.example.gov.cn/zfxxgk/202302/t20230120_1.html").report.year == 2022


def test_published_on_sources():
    meta = "<meta name='PubDate' content='2022-01-20 15:22'>"
    assert parse(report_html(head=meta, tail="<p>2022年1月18日</p>")).report.published_on == "2022-01-20"
    chrome = report_html().replace("版权所有", "发布时间：2022-01-25 版权所有")
    assert parse(chrome).report.published_on == "2022-01-25"
    signed = report_html(tail="<p>示例市示例局</p><p>二〇二二年一月十九日</p>")
    assert parse(signed).report.published_on == "2022-01-19"
    assert parse(report_html()).report.published_on is None


def test_organ_from_byline_when_title_has_none():
    html = report_html(title=None, tail="<p>示例县自然资源局</p><p>2022年1月19日</p>")
    assert parse(html).report.organ == "示例县自然资源局"


def test_organ_from_narrative_takes_the_fuller_name_the_text_prints():
    text = report_text(organ="示例司法局").replace("一是新媒体运用缺乏。", "在示例市司法局门户网站公开。")
    pr = parse_bytes(text.encode())
    assert pr.report.organ == "示例市司法局" and pr.report.title is None and pr.report.year == 2020


# ---------------------------------------------------------------------------- flattened text


def test_text_table4_as_bare_run_of_numbers():
    nums = ["1", "0", "0", "0", "1", "2", "0", "0", "0", "2", "0", "0", "0", "0", "0"]
    header = ["行政复议 行政诉讼", "结果维持 结果纠正 其他结果 尚未审结 总计 未经复议直接起诉 复议后起诉"]
    for t4 in (header + nums, header + [" ".join(nums)]):
        r = parse_bytes(report_text(t4_lines=t4).encode()).report
        assert list(r.table4.values()) == [int(n) for n in nums]


def test_text_rows_with_lost_labels_are_placed_by_group_counts():
    lines = [ln for ln in report_text().split("\n")]
    i = next(i for i, ln in enumerate(lines) if ln.startswith("2.没有现成信息"))
    lines[i] = " | 5 | 0 | 0 | 0 | 0 | 0 | 5 |"
    lines[i + 1] = " | 6 | 0 | 0 | 0 | 0 | 0 | 6 |"
    pr = parse_bytes("\n".join(lines).encode())
    assert pr.report.table3["unable_needs_creation"]["total"] == 5
    assert pr.report.table3["unable_unclear"]["total"] == 6
    assert pr.report.table3["notproc_petition"]["total"] == 0


def test_text_in_gbk_with_v2019_tables():
    pr = parse_bytes(report_text().encode("gb18030"))
    r = pr.report
    assert (r.year, r.template_version, r.organ) == (2020, "v2019", "示例市示例局")
    assert r.table3["new_received"]["total"] == 1 and r.table4["review_total"] == 1
    assert r.table2["normdocs"] == {"new_made": 2, "new_published": 2, "total_published": 5}


# ---------------------------------------------------------------------------- any reader's Document


def test_mapper_reads_pdf_style_cells_with_page_and_bbox():
    """A PDF reader's rows: vertical group label one character per line, cells with page and bbox."""

    def row(*texts, page=1):
        return [Cell(t, page=page, bbox=(10.0 * i, 5.0, 10.0 * i + 9, 9.0)) for i, t in enumerate(texts)]

    rows = [row("一、本年新收政府信息公开申请数量", "4", "0", "0", "0", "0", "1", "5")]
    rows.append(
        row("三\n、\n本\n年\n度\n办\n理\n结\n果", "（一）予以公开", "2", "0", "0", "0", "0", "0", "2")
    )
    rows.append(row("(七)总 计", "4", "0", "0", "0", "0", "1", "5", page=2))
    doc = Document(
        format="pdf",
        text="2021年示例区人民政府政府信息公开工作年度报告\n一、总体情况\n正文\n三、收到和处理政府信息公开申请情况",
        tables=[Table(0, rows[:2], page=1), Table(1, rows[2:], page=2)],
    )
    pr = map_document(doc)
    assert pr.report.table3["granted"]["total"] == 2
    src = pr.provenance[T.CellRef(3, "total_processed", "total")]
    assert (src.page, src.bbox, src.raw) == (2, (70.0, 5.0, 79.0, 9.0), "5")
    assert pr.report.organ == "示例区人民政府" and pr.report.year == 2021


# ---------------------------------------------------------------------------- section 六 and sections


def test_fee_figures_from_section_six():
    pr = parse(report_html(six="本年度共发出收费通知2件，金额合计300元，实际收取信息处理费0.02万元。"))
    assert pr.extras == {"fee_notices_count": 2, "fee_notices_amount_yuan": 300, "fee_collected_yuan": 200}


def test_table_row_starting_with_si_is_not_a_section_heading():
    pr = parse(report_html())
    assert "结转下年度继续办理" not in pr.sections.get("applications", "")
    assert pr.sections["problems"] == "政策解读形式不够丰富。"


# ---------------------------------------------------------------------------- unusable input


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\t ", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "needs_ocr"),
        (b"PK\x03\x04" + b"\x00" * 30, "corrupt"),
        (
            "<html><body><h1>市政府召开常务会议</h1><p>会议研究了有关工作。</p></body></html>".encode(),
            "not_a_report",
        ),
        ("会议纪要\n今天开会。".encode(), "not_a_report"),
    ],
)
def test_unusable_inputs_raise_parse_error(data, reason):
    with pytest.raises(ParseError) as e:
        parse_bytes(data)
    assert e.value.reason == reason and e.value.message.endswith(".")


def test_table3_not_found():
    with pytest.raises(ParseError) as e:
        parse(report_html(t3="<p>本年度共收到申请5件，均已按期答复。</p>"))
    assert e.value.reason == "table3_not_found"


def test_tables_as_images_need_ocr():
    with pytest.raises(ParseError) as e:
        parse(report_html(t2="<p><img src='t2.png'></p>", t3="<p><img src='t3.png'></p>", t4=None))
    assert e.value.reason == "needs_ocr"


def test_pre_2019_report_is_out_of_scope():
    with pytest.raises(ParseError) as e:
        parse(report_html(year=2018, version=T.V2019))
    assert e.value.reason == "not_a_report" and "2018" in e.value.message


def test_zero7_constant_is_seven_cells():
    assert len(ZERO7) == len(T.T3_COL_KEYS) and t4_html().count("<td>0</td>") == 15


def test_header_rows_padded_with_empty_cells():
    """Some portals print header rows without rowspans, padding them with empty cells instead."""
    html = report_html(t4=t4_html([str(i) for i in range(15)]))
    html = html.replace("<td rowspan='2'>自然人</td>", "<td>自然人</td>").replace(
        "<td rowspan='2'>总计</td>", "<td>总计</td>"
    )
    html = html.replace("<tr><td>商业企业</td>", "<tr><td></td><td>商业企业</td>").replace(
        "<td>其他</td></tr>", "<td>其他</td><td></td></tr>"
    )
    html = html.replace("<td rowspan='2'>", "<td>").replace(
        "</tr><tr><td>结果维持</td>", "</tr><tr>" + "<td></td>" * 5 + "<td>结果维持</td>"
    )
    pr = parse(html)
    assert list(pr.report.table4.values()) == list(range(15))
    assert list(pr.report.table3) == [r.key for r in T.t3_rows_for(T.V2021)]
    assert pr.warnings == []


def test_markdown_flattened_export_with_merged_table4_header():
    text = """示例市 2025 年政府信息公开工作年度报告
一、总体情况
2025 年，我市持续推进政务公开工作。
二、主动公开政府信息情况
| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |
|---|---|---|---|
| 规章 | 3 | 0 | 15 |
三、收到和处理政府信息公开申请情况
| 一、本年新收政府信息公开申请数量 | 3746 | 63 | 0 | 0 | 19 | 2 | 3830 |
四、政府信息公开行政复议、行政诉讼情况
行政复议行政诉讼
| 119 | 25 | 91 | 24 | 259 | 7 | 0 | 15 | 6 | 28 | 21 | 1 | 7 | 9 | 38 |
五、存在的主要问题及改进情况
六、其他需要报告的事项
2025 年有 1 件政府信息公开申请案件收取信息处理费 380 元。
"""
    pr = parse_bytes(text.encode())
    r = pr.report
    assert (r.organ, r.year, r.template_version) == ("示例市", 2025, "v2021")
    assert r.table2 == {"rules": {"issued": 3, "repealed": 0, "in_force": 15}}
    assert list(r.table3["new_received"].values()) == [3746, 63, 0, 0, 19, 2, 3830]
    assert list(r.table4.values())[:5] == [119, 25, 91, 24, 259] and r.table4["lit_after_review_total"] == 38
    assert pr.extras["fee_collected_yuan"] == 380
    assert pr.status == "partial" and any("table 三 lacks rows" in w for w in pr.warnings)


def test_pdf_text_title_split_over_two_lines_and_split_label_cells():
    """PDF exports: organ on its own line above "2023 年…报告"; a merged label cell split in two."""

    def row(*texts):
        return [Cell(t, page=1) for t in texts]

    text = "洪泽示例区人民政府\n2023 年政府信息公开工作年度报告\n报告中所列数据统计期限自 2023 年 1 月 1 日起\n一、总体情况\n正文\n三、收到和处理"
    rows = [
        row("（六）其他处理", "", "0", "0", "0", "0", "0", "0", "0"),
        row("（七）总计", "", "21", "0", "0", "0", "0", "0", "21"),
    ]
    pr = map_document(Document(format="pdf", text=text, tables=[Table(0, rows)]))
    r = pr.report
    assert r.title == "洪泽示例区人民政府2023年政府信息公开工作年度报告" and r.organ == "洪泽示例区人民政府"
    assert r.table3["total_processed"] == dict(zip(T.T3_COL_KEYS, [21, 0, 0, 0, 0, 0, 21]))
    assert r.table3["other_processing"]["natural_person"] == 0


def test_organ_from_page_publisher_field_or_meta_when_title_and_text_lack_it():
    untitled = {"title": "政府信息公开工作年度报告", "overview": "2021年，我局认真贯彻落实《条例》。"}
    page = report_html(**untitled).replace("版权所有", "发布机构：示例县交通运输局 版权所有")
    assert parse(page).report.organ == "示例县交通运输局"
    meta = report_html(head="<meta name='ContentSource' content='示例县水利局'>", **untitled)
    pr = parse(meta)
    assert pr.report.organ == "示例县水利局" and any("meta contentsource" in w for w in pr.warnings)


def test_utf8_page_that_declares_gbk_is_read_as_utf8():
    assert parse(report_html(charset="gbk"), "utf-8").report.organ == "示例市示例局"


def test_statistics_period_written_as_cutoff_date():
    preamble = "本报告中所列数据统计截至2022年12月31日。"
    assert (
        parse(
            report_html(year=2022, preamble=preamble, title="示例市示例局政府信息公开工作年度报告")
        ).report.year
        == 2022
    )


def test_table_of_contents_does_not_swallow_the_sections():
    toc = "本报告包括：<br>一、总体情况<br>二、主动公开政府信息情况<br>三、收到和处理政府信息公开申请情况<br>六、其他需要报告的事项"
    pr = parse(report_html(preamble=toc + "<br>本报告所列数据统计期限为2021年1月1日至12月31日。"))
    assert pr.sections["overview"].startswith("2021年，示例市示例局") and pr.sections["problems"]
    assert pr.report.year == 2021


def test_unknown_local_row_in_table3_is_ignored_but_a_garbled_label_is_placed_by_position():
    html = report_html(t3=t3_html(values={"granted": ["3", "0", "0", "0", "0", "0", "3"]}))
    extra = "<tr><td colspan='2'>其中：网上申请</td>" + "<td>9</td>" * 7 + "</tr>"
    html = html.replace(
        "<td colspan='2'>（二）部分公开",
        extra.replace("<tr>", "", 1) + "</tr><tr><td colspan='2'>（二）部分公开",
        1,
    )
    pr = parse(html)
    assert pr.report.table3["granted"]["total"] == 3 and pr.report.table3["partial_grant"]["total"] == 0
    assert any("其中：网上申请" in w and "ignored" in w for w in pr.warnings)
    garbled = report_html(
        t3=t3_html(labels={"denied_third_party": "4.保护■■方合法"}, values={"denied_third_party": ["6"] * 7})
    )
    pr = parse(garbled)
    assert pr.report.table3["denied_third_party"]["total"] == 6
    assert any("read as denied_third_party by position" in w for w in pr.warnings)


def test_text_tab_separated_rows_keep_blank_cells_and_number_runs_after_prose():
    t3 = [line.rstrip(" |").replace(" | ", "\t") for line in report_text().split("\n") if "|" in line]
    t3 = [
        ln for ln in t3 if not ln.startswith(("第二十条", "信息内容", "规章", "规范性", "行政复议", "结果"))
    ]
    t3 = [ln.replace("1.属于国家秘密\t0\t0", "1.属于国家秘密\t2\t") for ln in t3]
    nums = ["0", "1", "0", "0", "1"] + ["0"] * 10
    text = "\n".join(
        [
            "2020年度示例市示例局政府信息公开工作年度报告",
            "一、总体情况",
            "正文",
            *t3,
            "行政复议行政诉讼",
            *nums,
        ]
    )
    r = parse_bytes(text.encode()).report
    assert r.table3["denied_state_secret"]["natural_person"] == 2
    assert r.table3["denied_state_secret"]["commercial_enterprise"] is None
    assert list(r.table4.values()) == [int(n) for n in nums]


def test_published_on_from_a_bare_time_field_but_not_from_other_dates():
    header = report_html().replace(
        '<div class="article">', '<div>时间：2022-01-26 来源：示例市示例局</div><div class="article">'
    )
    assert parse(header).report.published_on == "2022-01-26"
    other = report_html().replace(
        '<div class="article">', '<div>成文日期：2022-01-10</div><div class="article">'
    )
    assert parse(other).report.published_on is None


@pytest.mark.parametrize(
    ("lines", "title"),
    [
        (["示例县2019年", "政府信息公开工作年度报告"], "示例县2019年政府信息公开工作年度报告"),
        (["正文", "2019年政府信息公开工作年度报告"], "2019年政府信息公开工作年度报告"),
        (
            ["示例县自然资源局", "2019 年政府信息公开工作年度报告"],
            "示例县自然资源局2019年政府信息公开工作年度报告",
        ),
    ],
)
def test_title_printed_over_two_lines(lines, title):
    html = report_html(
        year=2019, title=None, preamble="<br>".join([*lines, "本报告所列数据统计期限为2019年。"])
    )
    assert parse(html.replace("<h1></h1>", "")).report.title == title


def test_table2_header_without_xinxineirong_first_cell():
    t2 = t2_html(
        values={"rules": ["9", "1", "2"]}, headers={"一": ["现行有效件数", "本年制发件数", "本年废止件数"]}
    )
    r = parse(report_html(t2=t2.replace("<td>信息内容</td>", "<td>项目</td>"))).report
    assert r.table2["rules"] == {"in_force": 9, "issued": 1, "repealed": 2}


def test_table_rows_printed_as_text_lines_are_not_section_headings():
    """PDF text carries table rows as lines; "二、上年结转…" must not reopen section 二."""
    lines = [
        "示例县2021年政府信息公开工作年度报告",
        "一、总体情况",
        "正文一",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "一、本年新收政府信息公开申请数量 1 0 0 0 0 0 1",
        "二、上年结转政府信息公开申请数量 0 0 0 0 0 0 0",
        "三、本年度办理结果 （一）予以公开 1 0 0 0 0 0 1",
        "四、结转下年度继续办理 0 0 0 0 0 0 0",
        "四、因政府信息公开申请行政复议、提起行政诉讼的情况",
        "五、存在问题及改进情况",
        "正文五",
        "六、其他需要报告的事项",
        "无。",
    ]
    text = "\n".join(lines)
    pr = map_document(
        Document(
            format="pdf",
            text=text,
            tables=[Table(0, [[Cell("一、本年新收政府信息公开申请数量"), *[Cell("1")] * 7]])],
        )
    )
    assert pr.sections["overview"] == "正文一" and pr.sections["problems"] == "正文五"
    assert pr.sections["proactive"] == "" and "review_litigation" in pr.sections


def test_organ_from_narrative_takes_the_place_suffix_the_text_gives():
    text = report_text(organ="示例司法局").replace(
        "一是新媒体运用缺乏。", "推进《示例市文明行为促进条例》立法。"
    )
    assert parse_bytes(text.encode()).report.organ == "示例市司法局"
    assert (
        parse_bytes(report_text(organ="示例司法局").encode()).report.organ == "示例司法局"
    )  # nothing to add


def test_pdf_narrative_is_rewrapped_without_page_numbers():
    lines = [
        "示例县2021年政府信息公开工作年度报告",
        "一、总体情况",
        "2021 年，本机关共收到政府信息公开申请 2",
        "1 件，均已按期答复。",
        "- 2 -",
        "第二十条第（一）项",
        "六、其他需要报告的事项",
        "无。",
    ]
    text = "\n".join(lines)
    rows = [[Cell("一、本年新收政府信息公开申请数量"), *[Cell("1")] * 7]]
    pr = map_document(Document(format="pdf", text=text, tables=[Table(0, rows)]))
    assert pr.sections["overview"] == "2021 年，本机关共收到政府信息公开申请 21 件，均已按期答复。"


def test_pdf_values_placed_under_their_header_when_blank_cells_are_missing():
    """A PDF reader may drop empty cells; the boxes still say which column a value is in."""

    def cell(text, x0, x1):
        return Cell(text, page=1, bbox=(x0, 10.0, x1, 20.0))

    heads = ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    rows = [
        [cell("自然人", 300, 330), cell("法人或其他组织", 330, 510), cell("总计", 510, 545)],
        [cell(h, 330 + 36 * i, 366 + 36 * i) for i, h in enumerate(heads)],
        [cell("一、本年新收政府信息公开申请数量", 50, 300), cell("1", 300, 330), cell("1", 510, 545)],
    ]
    text = (
        "示例县财政局2019年政府信息公开工作年度报告\n一、总体情况\n正文\n三、收到和处理政府信息公开申请情况"
    )
    pr = map_document(Document(format="pdf", text=text, tables=[Table(0, rows)]))
    assert pr.report.table3["new_received"] == dict(zip(T.T3_COL_KEYS, [1, None, None, None, None, None, 1]))


def test_text_rows_printed_all_blank_are_rows_of_nulls():
    lines = report_text().split("\n")
    lines = [
        (ln.split(" | ")[0] + " |  |  |  |  |  |  |  | ||")
        if ln.startswith(("2.重复申请", "（六）其他处理", "(六)其他处理"))
        else ln
        for ln in lines
    ]
    r = parse_bytes("\n".join(lines).encode()).report
    assert r.table3["notproc_repeat"] == dict.fromkeys(T.T3_COL_KEYS)
    assert r.table3["other_processing"] == dict.fromkeys(T.T3_COL_KEYS)
    assert r.table3["total_processed"]["total"] == 1


def test_html_mirror_page_with_tables_flattened_into_paragraphs():
    """Mirror sites republish the flattened text, one <p> per ' | ' row (blank first cells included)."""
    t4 = " |  | 1 |  | 1 |  |  |  |  |  |  |  |  |  |  |"
    text = report_text(t4_lines=["行政复议 | 行政诉讼 | |||||||||||||", t4])
    paragraphs = "".join(f"<p>{ln}</p>" for ln in text.split("\n"))
    html = f"<html><head><meta charset='utf-8'></head><body><div class='c'>{paragraphs}</div></body></html>"
    r = parse(html).report
    assert r.table3["new_received"]["total"] == 1 and r.table2["normdocs"]["total_published"] == 5
    review = [r.table4[k] for k in ("review_upheld", "review_corrected", "review_other", "review_total")]
    assert review == [None, None, 1, 1]


def test_years_written_in_chinese_numerals():
    html = report_html(
        year=2020,
        title="示例市示例局二〇二一年度政府信息公开工作年度报告",  # a wrong title year: the period wins
        preamble="本报告所列数据统计期限为二〇二〇年一月一日至十二月三十一日。",
    )
    pr = parse(html)
    assert (pr.report.year, pr.report.organ) == (2020, "示例市示例局")
    assert any("title year 2021 differs" in w for w in pr.warnings)
