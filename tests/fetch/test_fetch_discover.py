"""Listing and article reading without the network: titles, years, names, pagination, attachments."""

from __future__ import annotations

import json

import pytest

from ogi.fetch.discover import (
    ListingItem,
    OrganNames,
    choose_item,
    inspect_article,
    is_report_title,
    parse_listing,
    report_year,
)
from ogi_dev.bench.fetch import article_html, listing_html

BASE = "https://www.x.gov.cn/zwgk/ndbg/"


@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("平潭综合实验区2023年度政府信息公开工作年度报告", 2023),
        ("２０２３年政府信息公开年报", 2023),
        ("XX区财政局政府信息公开工作年度报告（2023年）", 2023),
        ("二〇二三年政府信息公开工作年度报告", 2023),
        ("2023 年度 政府信息公开 年度报告", 2023),
        ("2023年度政府信息公开工作年度报告（2024年3月发布）", 2023),
        ("2024年2月发布：XX局2023年度政府信息公开工作年度报告", 2023),
        ("XX镇2022年政府信息公开年度报告", 2022),
        ("平潭综合实验区2023年度政府信息公开工作年...", 2023),  # cut by the listing
        ("XX局2023年度政府信息公开…", 2023),
    ],
)
def test_report_year_is_the_year_reported_on(title, year):
    assert is_report_title(title)
    assert report_year(title)[0] == year


@pytest.mark.parametrize(
    "title",
    [
        "关于做好2023年度政府信息公开工作年度报告编制发布工作的通知",
        "图解：2023年度政府信息公开工作年度报告",
        "2023年度政府信息公开工作年度报告解读",
        "2023年度部门决算",
        "2023年度企业年报公示",
        "2023年政府网站工作年度报表",
        "2023年政府工作要点",
        "关于做好2023年度政府信息公开工作年...",
        "2023年度部门预算公开说...",
    ],
)
def test_things_that_are_not_reports(title):
    assert not is_report_title(title)


def item(title, url="u", prefix=None):
    y, pos = report_year(title)
    return ListingItem(title, url, y, None, prefix if prefix is not None else title[:pos])


def test_choose_item_never_takes_the_next_year():
    items = [
        item("XX局2024年度政府信息公开工作年度报告", "y24"),
        item("XX局2023年度政府信息公开工作年度报告", "y23"),
    ]
    names = OrganNames.of(["XX局"])
    assert choose_item(items, 2023, names).url == "y23"
    assert choose_item(items, 2024, names).url == "y24"
    assert choose_item(items, 2022, names) is None


def test_choose_item_prefers_the_organs_own_name_in_a_shared_column():
    czj = OrganNames.of(["平潭综合实验区财政金融局"], "平潭综合实验区")
    assert czj.short == ("财政金融局",)
    shared = [
        item("平潭综合实验区2023年度政府信息公开工作年度报告", "gov"),
        item("平潭综合实验区财政金融局2023年度政府信息公开工作年度报告", "czj"),
        item("区教育局2023年度政府信息公开工作年度报告", "edu"),
    ]
    assert choose_item(shared, 2023, czj).url == "czj"
    gov = OrganNames.of(["平潭综合实验区管理委员会", "平潭综合实验区管委会"], "平潭综合实验区")
    assert choose_item(shared, 2023, gov).url == "gov"
    # other organs' reports only: not ours
    assert choose_item(shared[2:] + [item("区卫健委2023年度政府信息公开工作年度报告")], 2023, czj) is None
    # an own column whose titles use an unregistered short name is still the organ's
    own = [
        item("财金局2023年度政府信息公开工作年度报告", "own"),
        item("财金局2022年度政府信息公开工作年度报告"),
    ]
    assert choose_item(own, 2023, czj).url == "own"


def test_same_kind_of_organ_of_another_place_is_never_taken():
    city_police = OrganNames.of(["云澜市公安局"], "云澜市")
    district = [item("澜城区公安局2023年度政府信息公开工作年度报告", "district")]
    assert choose_item(district, 2023, city_police) is None
    both = [*district, item("市公安局2023年度政府信息公开工作年度报告", "city")]
    assert choose_item(both, 2023, city_police).url == "city"
    assert choose_item(both, 2023, OrganNames.of(["澜城区公安局"], "云澜市")).url == "district"
    # a district's organ: its short name comes from its region's name
    district_edu = OrganNames.of(["澜城区教育局"], "云澜市", "澜城区")
    assert choose_item([item("临城区教育局2023年度政府信息公开工作年度报告")], 2023, district_edu) is None
    assert (
        choose_item([item("澜城区教育局2023年度政府信息公开工作年度报告", "ok")], 2023, district_edu).url
        == "ok"
    )
    # an abbreviated place is still this organ
    czj = OrganNames.of(["平潭综合实验区财政金融局"], "平潭综合实验区")
    assert czj.score("平潭财政金融局") == 2 and czj.score("长乐区财政金融局") == -1
    gov = OrganNames.of(["云澜市人民政府"], "云澜市")
    assert choose_item([item("澜城区人民政府2023年政府信息公开年报")], 2023, gov) is None
    assert choose_item([item("云澜市政府2023年政府信息公开年报", "g")], 2023, gov).url == "g"


def test_pingtan_listing(corpus_dir):
    html = (corpus_dir / "pingtan_listing_index.html").read_text("utf-8")
    page = parse_listing(html, "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/")
    assert [i.year for i in page.items] == list(range(2025, 2015, -1))
    assert page.items[2].url == "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202403/t20240308_87885.htm"
    assert page.items[2].published_on == "2024-03-08"
    # the avalon pagebar says 20 records at 10 a page: one more static page
    assert page.pages == ["https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/index_1.htm"]


def test_pagination_forms():
    page = parse_listing(listing_html([], next_href="list_2.shtml").decode(), BASE)
    assert page.pages == [BASE + "list_2.shtml"]
    page = parse_listing(listing_html([], pages_script=(4, 0)).decode(), BASE)
    assert page.pages == [BASE + f"index_{i}.html" for i in (1, 2, 3)]
    script = "<script>var countPage = 3; var currentPage = 0; createPageHTML(countPage, currentPage, 'index', 'shtml');</script>"
    assert parse_listing(f"<html><body>{script}</body></html>", BASE).pages == [
        BASE + "index_1.shtml",
        BASE + "index_2.shtml",
    ]
    links = '<a href="index_1.html">2</a><a href="index_2.html">3</a><a href="index_2.html">尾页</a>'
    numbered = '<a href="?page=2">2</a><a href="?page=3">3</a><a href="https://other.gov.cn/?page=4">4</a>'
    assert parse_listing(f"<html><body>{numbered}</body></html>", BASE).pages == [
        BASE + "?page=2",
        BASE + "?page=3",
    ]
    assert parse_listing(f"<html><body>{links}</body></html>", BASE + "index.html").pages == [
        BASE + "index_1.html",
        BASE + "index_2.html",
    ]


def test_json_listing_api():
    data = {
        "code": 0,
        "data": {
            "list": [
                {
                    "DOCTITLE": "XX局2024年度政府信息公开工作年度报告",
                    "DOCPUBURL": "/a/2024.html",
                    "DOCRELTIME": "2025-01-05 10:00",
                },
                {
                    "title": "XX局2023年政府信息公开年报",
                    "url": "https://www.x.gov.cn/a/2023.html",
                    "pubDate": "2024/01/06",
                },
                {"title": "关于调整办公时间的通知", "url": "/n.html"},
            ]
        },
    }
    items = parse_listing(json.dumps(data, ensure_ascii=False), BASE + "api/list?page=1").items
    assert [(i.year, i.url, i.published_on, i.prefix) for i in items] == [
        (2024, "https://www.x.gov.cn/a/2024.html", "2025-01-05", "XX局"),
        (2023, "https://www.x.gov.cn/a/2023.html", "2024-01-06", "XX局"),
    ]


def test_row_date_and_relative_links():
    html = listing_html(
        [("XX局2023年度政府信息公开工作年度报告", "../2024/t20240115_1.html", "2024-01-16")]
    ).decode()
    (it,) = parse_listing(html, BASE).items
    assert (it.url, it.published_on, it.prefix) == (
        "https://www.x.gov.cn/zwgk/2024/t20240115_1.html",
        "2024-01-16",
        "XX局",
    )


def test_article_tables_images_and_attachments():
    art = inspect_article(article_html("XX局2023年度报告", pubdate="2024-01-20").decode(), BASE + "a.html")
    assert (art.data_tables, art.attachments, art.published_on) == (3, [], "2024-01-20")
    html = article_html(
        "XX局2023年度报告",
        tables=False,
        images=2,
        attachments=[
            ("附件：统计表.doc", "t.doc"),
            ("XX局2023年度政府信息公开工作年度报告.pdf", "r.pdf"),
            ("下载", "/dl?file=/up/r.docx"),
        ],
    ).decode()
    html = html.replace(
        "</body>",
        "<span onclick=\"window.open('/up/scan.wps')\">查看</span><a href=\"javascript:down('x.doc')\">x</a></body>",
    )
    art = inspect_article(html, BASE + "a.html")
    assert art.data_tables == 0 and art.images == 2
    # a named report first, then DOCX > PDF > DOC > WPS
    assert [a.ext for a in art.attachments] == ["pdf", "docx", "doc", "doc", "wps"]
    assert {a.url for a in art.attachments} >= {BASE + "x.doc", "https://www.x.gov.cn/up/scan.wps"}
    assert art.attachments[1].url == "https://www.x.gov.cn/up/r.docx"
