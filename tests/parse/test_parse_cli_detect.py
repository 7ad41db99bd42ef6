"""`ogi parse` exit codes and output, format sniffing, charset decoding, label and number reading."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from reportbuilder import report_html

from ogi import cli
from ogi.model import ParseError
from ogi.parse import detect, labels


@pytest.fixture
def report_file(tmp_path):
    p = tmp_path / "report.htm"
    p.write_text(report_html(year=2021, head="<meta name='PubDate' content='2022-01-20'>"), "utf-8")
    return p


def test_cli_summary(report_file, capsys):
    assert cli.main(["parse", str(report_file)]) == 0
    out = capsys.readouterr().out
    assert "organ:      示例市示例局" in out and "year:       2021" in out and "v2021" in out


def test_cli_json_is_the_canonical_report(report_file, capsys):
    assert cli.main(["parse", str(report_file), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["schema"] == "ogi-annual-report/1" and d["published_on"] == "2022-01-20" and "_meta" not in d


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty"),
        ("会议纪要\n今天开会。".encode(), "not a government information"),
        (None, "No such file"),
    ],
)
def test_cli_unusable_input_exits_2_with_one_sentence(tmp_path, capsys, content, needle):
    p = tmp_path / "x.html"
    if content is not None:
        p.write_bytes(content)
    assert cli.main(["parse", str(p)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert needle in err and "\n" not in err and "Traceback" not in err


def test_cli_directory_is_refused(tmp_path, capsys):
    assert cli.main(["parse", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err


def test_format_is_sniffed_from_content_not_name():
    assert detect.sniff_format(b"%PDF-1.7\n...", "report.html") == detect.PDF
    assert detect.sniff_format(b"\xef\xbb\xbf<!DOCTYPE html><html>", "a.pdf") == detect.HTML
    assert detect.sniff_format("一、总体情况\n正文".encode(), "a.doc") == detect.TEXT
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    assert detect.sniff_format(buf.getvalue(), "a.bin") == detect.DOCX
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
    assert detect.sniff_format(ole, "x.doc") == detect.DOC and detect.sniff_format(ole, "x.WPS") == detect.WPS
    with pytest.raises(ParseError) as e:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("a.txt", "x")
        detect.sniff_format(buf.getvalue())
    assert e.value.reason == "unsupported_format"


def test_decoding_gbk_utf8_and_bom():
    s = "政府信息公开工作年度报告"
    assert detect.decode_text(s.encode("gbk")) == s
    assert detect.decode_text(s.encode("utf-8")) == s
    assert detect.decode_text(b"\xef\xbb\xbf" + s.encode()) == s
    assert detect.decode_text(s.encode("utf-16")) == s
    html = f"<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb2312'></head>{s}"
    assert s in detect.decode_html(html.encode("gbk"))


def test_label_normalisation():
    assert labels.core("（二）部分公开（区分处理的，只计这一情形，不计其他情形）") == "部分公开"
    assert labels.core("本年新<br>制作数量".replace("<br>", "\n")) == "本年新制作数量"
    assert labels.core("规章(设区的市、自治州人民政府应提供相关数据)") == "规章"
    assert labels.norm("2、重复申请") == labels.norm("2.重复申请") == labels.norm("２．重复申请")
    assert labels.core("本年收费金额（单位：万元）") == "本年收费金额"
    assert labels.core("（二）部分公开（区分处理的，只计这一情形") == "部分公开"  # note cut off by the cell


def test_number_reading():
    read = labels.read_number
    assert (read("１，２３４").value, read("1,234.50").value) == (1234, 1234.5)
    assert (read("-3").value, read("减3").value, read("增2").value, read("−4").value) == (-3, -3, 2, -4)
    assert read("251000元").unit == "元" and read("3.5万元").unit == "万元" and read("0（件）").value == 0
    assert read("1）").read_as == "text"  # an enumerator, not a value
    assert read("\xa0").read_as == "blank" and read("—").read_as == "dash" and read("无").value is None
    assert read("见说明").read_as == "text"


def test_chinese_numeral_dates():
    assert labels.cn_numerals_to_digits("二〇二一年一月二十日") == "2021年1月20日"
    assert labels.cn_numerals_to_digits("二〇二〇年十二月三十一日") == "2020年12月31日"
