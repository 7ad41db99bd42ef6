"""Issue 11 outside the producer matrix: text normalisation at the reader boundary, the
parse-completeness guard, and the diagnoses for a table 三 that was not read."""

from __future__ import annotations

import pytest
from reportbuilder import report_html, t3_html, t4_html

from ogi import templates as T
from ogi.model import ParseError
from ogi.parse import parse_bytes
from ogi.parse.normalise import RADICALS_SUPPLEMENT, normalise_text

T4 = [str(v) for v in (3, 1, 0, 2, 6, 1, 0, 0, 1, 2, 4, 0, 1, 0, 5)]


def parse(html: str):
    return parse_bytes(html.encode("utf-8"), filename="r.html")


# ---------------------------------------------------------------------------- normalisation


def test_radical_code_points_become_ideographs():
    assert normalise_text("⼈⺠政府") == "人民政府"  # Kangxi ⼈ (NFKC) and supplement ⺠ (explicit map)
    assert normalise_text("⾏政许可") == "行政许可"
    assert normalise_text("⻔⼾⽹站") == "门户网站"
    for radical, ideograph in RADICALS_SUPPLEMENT.items():
        assert normalise_text(radical) == ideograph and "\u2e80" <= radical <= "\u2eff"


def test_normalisation_keeps_what_is_printed_otherwise():
    printed = "（一）主动公开：ＡＢ１２３，2023年度“报告”…"
    assert normalise_text(printed) == printed  # full-width punctuation and digits stay as printed
    assert normalise_text(normalise_text("⼈⺠")) == normalise_text("⼈⺠")


def test_a_report_printed_with_radicals_matches_the_template():
    """Organ, title and labels come out as if the document had used the unified ideographs."""
    radicals = {"人": "⼈", "民": "⺠", "行": "⾏", "门": "⻔", "长": "⻓"}

    def with_radicals(s: str) -> str:
        return "".join(radicals.get(ch, ch) for ch in s)

    plain = report_html(organ="示例市人民政府", t4=t4_html(T4))
    expected = parse(plain)
    got = parse(with_radicals(plain))
    assert got.report.organ == "示例市人民政府" == expected.report.organ
    assert got.report.title == expected.report.title
    assert got.report.to_canonical() == expected.report.to_canonical()


# ---------------------------------------------------------------------------- the completeness guard


def test_every_printed_number_is_read_into_one_cell():
    p = parse(report_html(t4=t4_html(T4)))
    c = p.completeness
    assert c["printed"] > 0 and c["mapped"] == c["printed"]
    assert c["unaccounted"] == [] and c["double"] == [] and p.complete
    assert p.status == "parsed"


def test_an_extra_printed_number_makes_the_report_partial_and_is_named():
    p = parse(report_html(t4=t4_html([*T4, "77"])))  # a 16th value in table 四
    assert p.status == "partial" and p.complete is False
    assert len(p.completeness["unaccounted"]) == 1 and "'77'" in p.completeness["unaccounted"][0]
    assert any(w.startswith("parse completeness: 1 of") and "'77'" in w for w in p.warnings)


def test_a_row_printed_twice_leaves_its_second_numbers_unaccounted():
    values = {k: ["1", "0", "0", "0", "0", "0", "1"] for k in T.T3_ROW_KEYS}
    html = t3_html(T.V2021, values)
    row = next(r for r in html.split("</tr>") if "予以公开" in r) + "</tr>"
    twice = html.replace(row, row + row.replace(">1<", ">9<"), 1)
    p = parse(report_html(t3=twice, t4=t4_html(T4)))
    assert p.report.table3["granted"]["natural_person"] == 1  # the first is kept
    assert p.status == "partial"
    assert any("'9'" in u for u in p.completeness["unaccounted"])


def test_subtotal_rows_and_columns_are_ignored_by_a_named_rule():
    values = {k: ["1", "0", "0", "0", "0", "0", "1"] for k in T.T3_ROW_KEYS}
    p = parse(report_html(t3=t3_html(T.V2021, values, subtotal_col=True), t4=t4_html(T4)))
    c = p.completeness
    assert c["unaccounted"] == [] and p.complete
    assert c["ignored"] and set(c["ignored"].values()) == {"subtotal column not in the template"}


def test_completeness_round_trips_through_the_stored_parse(tmp_path):
    import json

    from ogi.parse.store import read_parsed

    p = parse(report_html(t4=t4_html([*T4, "77"])))
    path = tmp_path / "p.json"
    path.write_text(json.dumps(p.to_dict(), ensure_ascii=False), "utf-8")
    back = read_parsed(path)
    assert back.completeness == p.completeness and back.complete is False


# ---------------------------------------------------------------------------- diagnoses


def test_table3_labels_in_prose_are_unreadable_not_missing():
    prose = "".join(f"<p>{r.label}：{i}件。</p>" for i, r in enumerate(T.T3_ROWS[:8]))
    with pytest.raises(ParseError) as e:
        parse(report_html(t3=prose))
    assert e.value.reason == "table3_unreadable"
    assert "no table that could be read" in e.value.message and e.value.message.endswith(".")


def test_without_table3_labels_an_image_report_needs_ocr_and_a_plain_one_lacks_the_table():
    with pytest.raises(ParseError) as e:
        parse(report_html(t3="<p><img src='t3.png'></p>"))
    assert e.value.reason == "needs_ocr"
    with pytest.raises(ParseError) as e:
        parse(report_html(t3="<p>本年度共收到申请5件，均已按期答复。</p>"))
    assert e.value.reason == "table3_not_found"


# ---------------------------------------------------------------------------- value plausibility (issue 13)


def test_an_absurd_count_is_flagged_not_loaded_as_clean():
    values = {k: ["1", "0", "0", "0", "0", "0", "1"] for k in T.T3_ROW_KEYS}
    values["new_received"] = ["9" * 40, "0", "0", "0", "0", "0", "9" * 40]
    p = parse(report_html(t3=t3_html(T.V2021, values), t4=t4_html(T4)))
    assert p.report.table3["new_received"]["natural_person"] is None
    assert p.report.table3["new_received"]["total"] is None
    assert p.status == "partial"
    assert any("not plausible" in w and "OGI_PARSE_MAX_COUNT" in w for w in p.warnings)
    assert p.provenance[T.CellRef(3, "new_received", "natural_person")].raw.strip() == "9" * 40  # text kept


def test_the_plausibility_bound_is_a_setting(monkeypatch):
    from ogi.parse import limits

    monkeypatch.setenv("OGI_PARSE_MAX_COUNT", "5")
    monkeypatch.setattr(limits, "_active", None)
    p = parse(report_html(t4=t4_html(T4)))  # table 四 prints a 6
    assert p.report.table4["review_total"] is None and p.status == "partial"
    monkeypatch.delenv("OGI_PARSE_MAX_COUNT")
    assert parse(report_html(t4=t4_html(T4))).report.table4["review_total"] == 6
