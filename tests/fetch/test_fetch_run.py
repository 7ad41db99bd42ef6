"""fetch_reports end to end on a generated portal: one organ per situation seen on real portals.

The whole city is fetched once (in parallel, with fast timeouts); each test checks one organ.
"""

from __future__ import annotations

import hashlib

import pytest
from fetchkit import FAST, registry_yaml

from ogi.fetch.archive import Archive
from ogi.fetch.run import fetch_reports
from ogi_dev.bench.fetch import article_html, docx_bytes, listing_html, pdf_bytes
from ogi_dev.portal import serve_portal, write_page

Y = 2023
HOST = "www.gen.gov.cn"
FILES = "files.gen.gov.cn"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"WPS report body"


def col(oid: str) -> str:
    return f"https://{HOST}/xxgk/{oid}/ndbg/"


def report(name: str, year: int) -> str:
    return f"{name}{year}年度政府信息公开工作年度报告"


def build(root):
    """Write the portal; return (organ dicts for the registry, expected per-organ facts, faults)."""
    organs, expect, faults = [], {}, {}
    w = write_page

    def organ(oid, name=None, **kw):
        organs.append({"id": oid, "name": name or f"生成市{oid}局", "listing": col(oid), **kw})
        return name or f"生成市{oid}局"

    # pagination by a TRS createPageHTML script: the 2023 report is on the third page
    n = organ("paged")
    w(
        root,
        col("paged"),
        listing_html(
            [
                (report(n, 2025), "./202601/t1.html", "2026-01-10"),
                ("关于调整办公时间的通知", "./202512/t0.html", "2025-12-01"),
            ],
            pages_script=(3, 0),
        ),
    )
    w(
        root,
        col("paged") + "index_1.html",
        listing_html(
            [
                (report(n, 2024), "./202501/t2.html", "2025-01-10"),
                ("关于做好2023年度政府信息公开工作年度报告编制工作的通知", "./202312/t3.html", "2023-12-01"),
            ],
            pages_script=(3, 1),
        ),
    )
    w(
        root,
        col("paged") + "index_2.html",
        listing_html(
            [
                (report(n, 2023), "./202401/t4.html", "2024-01-12"),
                (report(n, 2022), "./202301/t5.html", "2023-01-10"),
            ],
            pages_script=(3, 2),
        ),
    )
    w(root, col("paged") + "202401/t4.html", article_html(report(n, 2023)))
    expect["paged"] = ("found", col("paged") + "202401/t4.html", "2024-01-12")

    # a listing sorted oldest first: older pages do not end the search
    n = organ("ascending")
    w(
        root,
        col("ascending"),
        listing_html(
            [(report(n, y), f"r{y}.html", f"{y + 1}-01-05") for y in (2019, 2020)], next_href="p2.html"
        ),
    )
    w(
        root,
        col("ascending") + "p2.html",
        listing_html([(report(n, y), f"r{y}.html", f"{y + 1}-01-05") for y in (2021, 2022, 2023)]),
    )
    w(root, col("ascending") + "r2023.html", article_html(report(n, 2023)))
    expect["ascending"] = ("found", col("ascending") + "r2023.html", "2024-01-05")

    # pagination by 下一页 links to freely named pages
    n = organ("nextlink")
    w(
        root,
        col("nextlink"),
        listing_html([(report(n, 2024), "a24.html", "2025-01-02")], next_href="more/list2.htm"),
    )
    w(
        root,
        col("nextlink") + "more/list2.htm",
        listing_html([(report(n, 2023), "../a23.html", "2024-01-02")]),
    )
    w(root, col("nextlink") + "a23.html", article_html(report(n, 2023)))
    expect["nextlink"] = ("found", col("nextlink") + "a23.html", "2024-01-02")

    # posted late, in the column of a later year
    n = organ("late")
    w(
        root,
        col("late"),
        listing_html(
            [
                (report(n, 2024), "./2025/r24.html", "2025-01-20"),
                (report(n, 2022), "./2023/r22.html", "2023-01-20"),
            ],
            links={"2024年": "./2024/", "2025年": "./2025/"},
        ),
    )
    w(root, col("late") + "2024/", listing_html([("2024年部门预算", "b.html", "2024-02-01")]))
    w(
        root,
        col("late") + "2025/",
        listing_html(
            [
                (report(n, 2024), "r24.html", "2025-01-20"),
                (f"{n}2023年政府信息公开年报（补发）", "r23.html", "2025-06-18"),
            ]
        ),
    )
    w(root, col("late") + "2025/r23.html", article_html(report(n, 2023)))
    expect["late"] = ("found", col("late") + "2025/r23.html", "2025-06-18")

    # per-year sub-columns titled like reports: the 2023 "item" is a column page listing the report
    n = organ("yearcol")
    w(
        root,
        col("yearcol"),
        listing_html([(f"{y}年政府信息公开年报", f"./{y}/", "") for y in (2024, 2023, 2022)]),
    )
    w(root, col("yearcol") + "2023/", listing_html([(report(n, 2023), "t20240118_9.html", "2024-01-18")]))
    w(root, col("yearcol") + "2023/t20240118_9.html", article_html(report(n, 2023)))
    expect["yearcol"] = ("found", col("yearcol") + "2023/t20240118_9.html", "2024-01-18")

    # title variants among distractors (Y+1 first, a notice, an infographic)
    for oid, title in [
        ("fullwidth", "２０２３年政府信息公开年报"),
        ("yearlast", "生成市fullwidth局政府信息公开工作年度报告（2023年）"),
        ("spaced", "2023 年度 生成市spaced局 政府信息公开 年度报告"),
        ("cnyear", "生成市cnyear局二〇二三年政府信息公开工作年度报告"),
    ]:
        n = organ(oid, "生成市fullwidth局" if oid == "yearlast" else None)
        w(
            root,
            col(oid),
            listing_html(
                [
                    (report(n, 2024), "y24.html", "2025-01-15"),
                    ("图解：" + report(n, 2023), "pic.html", "2024-01-16"),
                    (
                        "关于做好2023年度政府信息公开工作年度报告编制发布工作的通知",
                        "notice.html",
                        "2023-12-20",
                    ),
                    (title, "y23.html", "2024-01-15"),
                    (report(n, 2022), "y22.html", "2023-01-15"),
                ]
            ),
        )
        w(root, col(oid) + "y23.html", article_html(title))
        expect[oid] = ("found", col(oid) + "y23.html", "2024-01-15")

    # the article shows the report as images; the tables are in a PDF attachment
    n = organ("attachpdf")
    w(root, col("attachpdf"), listing_html([(report(n, 2023), "r.html", "2024-01-20")]))
    w(
        root,
        col("attachpdf") + "r.html",
        article_html(
            report(n, 2023),
            tables=False,
            images=3,
            attachments=[(report(n, 2023) + ".pdf", "P020240120.pdf")],
        ),
    )
    w(root, col("attachpdf") + "P020240120.pdf", pdf_bytes("attachpdf"))
    expect["attachpdf"] = ("found", col("attachpdf") + "r.html", "2024-01-20")

    # the listing links straight to a DOCX
    n = organ("directdocx")
    w(root, col("directdocx"), listing_html([(report(n, 2023), "files/report2023.docx", "2024-01-21")]))
    w(root, col("directdocx") + "files/report2023.docx", docx_bytes("directdocx"))
    expect["directdocx"] = ("found", col("directdocx") + "files/report2023.docx", "2024-01-21")

    # a WPS attachment on the organ's own file host (an extra allowed host in the registry)
    n = organ("attachwps", extra_hosts=[FILES])
    w(root, col("attachwps"), listing_html([(report(n, 2023), "r.html", "2024-01-22")]))
    w(
        root,
        col("attachwps") + "r.html",
        article_html(report(n, 2023), tables=False, attachments=[("附件1.wps", f"https://{FILES}/up/a.wps")]),
    )
    w(root, f"https://{FILES}/up/a.wps", OLE2)
    expect["attachwps"] = ("found", col("attachwps") + "r.html", "2024-01-22")

    # GBK pages, declared (gb2312) and undeclared
    for oid, charset in [("gbk", "gb2312"), ("gbkbare", "")]:
        n = organ(oid)
        enc = "gbk"
        page = listing_html([(report(n, 2023), "g.html", "2024-01-23")], charset=charset or "")
        w(root, col(oid), page.decode("utf-8").encode(enc) if not charset else page)
        art = article_html(report(n, 2023), charset=charset or "")
        w(root, col(oid) + "g.html", art.decode("utf-8").encode(enc) if not charset else art)
        expect[oid] = ("found", col(oid) + "g.html", "2024-01-23")

    # the article page is gone
    n = organ("gone")
    w(root, col("gone"), listing_html([(report(n, 2023), "missing.html", "2024-01-24")]))
    expect["gone"] = ("fetch_failed", col("gone") + "missing.html", "http_404")

    # a flaky portal: 500, 500, then the listing; 503 then the article
    n = organ("flaky")
    w(root, col("flaky"), listing_html([(report(n, 2023), "f.html", "2024-01-25")]))
    w(root, col("flaky") + "f.html", article_html(report(n, 2023)))
    faults["/xxgk/flaky/ndbg/"] = ["500", "500", "ok"]
    faults["/xxgk/flaky/ndbg/f.html"] = ["503:0", "ok"]
    expect["flaky"] = ("found", col("flaky") + "f.html", "2024-01-25")

    # an article that never answers, one with a body that never ends, one that drips
    for oid, action, reason in [
        ("hang", "hang", "timeout"),
        ("endless", "endless", "too_large"),
        ("drip", "drip", "timeout"),
    ]:
        n = organ(oid)
        w(root, col(oid), listing_html([(report(n, 2023), "x.html", "2024-01-26")]))
        w(root, col(oid) + "x.html", article_html(report(n, 2023)))
        faults[f"/xxgk/{oid}/ndbg/x.html"] = action
        expect[oid] = ("fetch_failed", col(oid) + "x.html", reason)

    # the article redirects to a spam mirror
    n = organ("mirror")
    w(root, col("mirror"), listing_html([(report(n, 2023), "m.html", "2024-01-27")]))
    faults["/xxgk/mirror/ndbg/m.html"] = "redirect:http://www.spam-mirror.com/gov/m.html"
    expect["mirror"] = ("blocked", col("mirror") + "m.html", "foreign_redirect")

    # the listing points to a host the registry does not know
    n = organ("offsite")
    w(
        root,
        col("offsite"),
        listing_html([(report(n, 2023), "https://www.elsewhere.cn/r.html", "2024-01-28")]),
    )
    expect["offsite"] = ("blocked", "https://www.elsewhere.cn/r.html", "host_not_allowed")

    # the listing says 2023, the article itself says 2022: found, but flagged
    n = organ("mislabel")
    w(root, col("mislabel"), listing_html([(report(n, 2023), "m.html", "2024-01-29")]))
    w(root, col("mislabel") + "m.html", article_html(report(n, 2022)))
    expect["mislabel"] = ("found", col("mislabel") + "m.html", "2024-01-29")

    # a listing URL answering 200 with a page that lists nothing (moved column, soft 404)
    organ("soft404")
    w(root, col("soft404"), listing_html([("页面不存在", "/", "")], title="404"))
    expect["soft404"] = ("fetch_failed", None, "listing_empty")

    # no report for the year: a compliance finding
    n = organ("none")
    w(
        root,
        col("none"),
        listing_html(
            [
                (report(n, 2024), "r24.html", "2025-01-10"),
                (report(n, 2022), "r22.html", "2023-01-10"),
                (report(n, 2021), "r21.html", "2022-01-10"),
            ]
        ),
    )
    expect["none"] = ("not_published", None, "no report for 2023")
    return organs, expect, faults


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    root = tmp_path_factory.mktemp("gen") / "portal"
    organs, expect, faults = build(root)
    registry = registry_yaml(organs, [HOST], private=True)
    archive = Archive(root.parent / "archive")
    with serve_portal(root, faults=faults) as portal:
        outcomes = fetch_reports(
            registry, Y, archive=archive, via=portal.base_url, policy=FAST, max_workers=8
        )
        yield {o.organ_id: o for o in outcomes}, expect, archive, portal, root


def check(city, oid):
    outcomes, expect, *_ = city
    o = outcomes[oid]
    status, url, detail = expect[oid]
    assert (o.status, o.url) == (status, url), o
    if status == "found":
        assert o.published_on == detail and o.sha256, o
    else:
        assert detail in o.reason, o
    return o


@pytest.mark.parametrize(
    "oid", ["paged", "ascending", "nextlink", "late", "yearcol", "fullwidth", "yearlast", "spaced", "cnyear"]
)
def test_discovery_finds_the_right_item(city, oid):
    o = check(city, oid)
    assert (o.source, o.content_type) == ("html", "html")


def test_pagination_reads_pages_in_order(city):
    o = city[0]["paged"]
    assert [p.rsplit("/", 1)[1] for p in o.listing_pages] == ["", "index_1.html", "index_2.html"]


def test_attachment_when_article_has_only_images(city):
    o = check(city, "attachpdf")
    assert (o.source, o.content_type, o.filename) == ("attachment", "pdf", "P020240120.pdf")
    assert o.sha256 == hashlib.sha256(pdf_bytes("attachpdf")).hexdigest()
    assert city[2].get(o.sha256) == pdf_bytes("attachpdf")


def test_direct_docx_and_wps_on_an_extra_host(city):
    assert check(city, "directdocx").content_type == "docx"
    o = check(city, "attachwps")
    assert (o.content_type, o.document_url) == ("wps", f"https://{FILES}/up/a.wps")


@pytest.mark.parametrize("oid", ["gbk", "gbkbare"])
def test_gbk_pages(city, oid):
    o = check(city, oid)
    assert o.title == report(f"生成市{oid}局", 2023)


def test_404_and_retries(city):
    check(city, "gone")
    o = check(city, "flaky")
    portal = city[3]
    assert portal.hits("/xxgk/flaky/ndbg/") == 3 and portal.hits("/xxgk/flaky/ndbg/f.html") == 2
    assert portal.hits("/xxgk/gone/ndbg/missing.html") == 1  # a 404 is not retried
    assert o.status == "found"


def test_timeouts_and_size_limit(city):
    check(city, "hang")
    check(city, "drip")
    o = check(city, "endless")
    assert city[3].hits("/xxgk/endless/ndbg/x.html") == 1  # too large is final, not retried
    cut = [
        r
        for p in (city[2].root / "records").rglob("*.jsonl")
        for r in city[2]._read_records(p.stem)
        if r.get("truncated")
    ]
    assert cut and cut[0]["size"] == FAST.max_bytes and cut[0]["url"] == o.url


def test_foreign_host_is_blocked(city):
    o = check(city, "mirror")
    assert "www.spam-mirror.com" in o.reason
    check(city, "offsite")


def test_article_naming_another_year_is_flagged(city):
    o = check(city, "mislabel")
    assert "names 2022, not 2023" in o.reason
    assert check(city, "paged").reason is None


def test_empty_listing_is_not_a_compliance_finding(city):
    check(city, "soft404")


def test_no_report_for_the_year_is_not_published(city):
    o = check(city, "none")
    assert "3 report items" in o.reason


def test_every_organ_has_exactly_one_outcome(city):
    outcomes, expect, *_ = city
    assert set(outcomes) == set(expect)
    assert all(o.to_dict()["year"] == Y for o in outcomes.values())


def test_oversize_body_is_a_fetch_failure_naming_the_limit_not_a_document(city):
    o = city[0]["endless"]
    assert (o.status, o.sha256) == ("fetch_failed", None)
    assert f"size limit (max_bytes = {FAST.max_bytes})" in o.reason and "not as a document" in o.reason
    archive = city[2]
    (cut,) = [
        p.stem
        for p in (archive.root / "records").rglob("*.jsonl")
        if archive.records(p.stem)[0].get("truncated")
    ]
    assert archive.has(cut) and not archive.is_document(cut)
    with pytest.raises(KeyError, match="not a document"):
        archive.get(cut)
