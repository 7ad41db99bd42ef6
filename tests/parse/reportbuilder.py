"""Small, realistic report pages for parser tests, with every part replaceable.

``report_html`` writes a portal article page (site chrome, preamble, six sections, tables 二/三/四
with the template's rowspans/colspans); tests change one thing at a time (a label, a cell, a
table, the encoding) and check how the parser reads it. ``report_text`` writes the flattened
`` | `` form. Labels come from ``ogi.templates`` so the pages look like the real template.
"""

from __future__ import annotations

from ogi import templates as T

ZERO7 = ["0"] * 7


def t2_html(
    version: str = T.V2021,
    values: dict[str, list[str]] | None = None,
    labels: dict[str, str] | None = None,
    headers: dict[str, list[str]] | None = None,
    extra_rows: dict[str, list[tuple[str, list[str]]]] | None = None,
) -> str:
    """Table 二 of ``version``; ``values[row_key]`` / ``labels[row_key]`` / ``headers[item]`` override cells,
    ``extra_rows[item]`` appends local rows (label, values) to a sub-table."""
    values, labels, headers, extra_rows = values or {}, labels or {}, headers or {}, extra_rows or {}
    out = ["<table border='1'>"]
    for st in T.T2_SUBTABLES[version]:
        out.append(f"<tr><td colspan='4'>{st.caption}</td></tr>")
        heads = headers.get(st.item, [c.label for c in st.columns])
        span = "" if len(heads) == 3 else f" colspan='{4 - len(heads)}'" if len(heads) == 1 else ""
        out.append("<tr><td>信息内容</td>" + "".join(f"<td{span}>{h}</td>" for h in heads) + "</tr>")
        rows = [(labels.get(r.key, r.label), values.get(r.key, ["0"] * len(st.columns))) for r in st.rows]
        for label, vals in rows + extra_rows.get(st.item, []):
            out.append(f"<tr><td>{label}</td>" + "".join(f"<td{span}>{v}</td>" for v in vals) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def t3_html(
    version: str = T.V2021,
    values: dict[str, list[str]] | None = None,
    labels: dict[str, str] | None = None,
    *,
    subtotal_col: bool = False,
    subtotal_rows: bool = False,
    other_shape: str | None = None,
) -> str:
    """Table 三 with the template's spans; ``other_shape`` prints （六） in the other version's shape."""
    values, labels = values or {}, labels or {}
    shape = other_shape or version
    keys = [r.key for r in T.T3_ROWS if shape in r.versions]
    n_results = T.T3_RESULTS_ROWSPAN[shape] + (4 if subtotal_rows else 0)
    lp = ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"] + (["小计"] if subtotal_col else [])
    out = [
        "<table border='1'>",
        f"<tr><td rowspan='3' colspan='3'>{T.T3_NOTE}</td><td colspan='{8 if subtotal_col else 7}'>申请人情况</td></tr>",
        f"<tr><td rowspan='2'>自然人</td><td colspan='{len(lp)}'>法人或其他组织</td><td rowspan='2'>总计</td></tr>",
        "<tr>" + "".join(f"<td>{x}</td>" for x in lp) + "</tr>",
    ]
    group_sizes = {"denied": 8, "unable": 3, "notproc": 5, "other": 3}
    seen_groups: set[str] = set()

    def cells(key: str) -> str:
        vals = list(values.get(key, ZERO7))
        if subtotal_col and len(vals) == 7:
            sub = sum(int(v or 0) for v in vals[1:6])
            vals = vals[:6] + [str(sub)] + vals[6:]
        return "".join(f"<td>{v}</td>" for v in vals)

    for key in keys:
        row = T.T3_ROW_BY_KEY[key]
        label = labels.get(key, row.label)
        tds = ""
        if key == "granted":
            tds += f"<td rowspan='{n_results}'>{T.T3_GROUP_LABELS['results']}</td>"
        if row.group and row.group not in seen_groups:
            seen_groups.add(row.group)
            if subtotal_rows:
                out.append(
                    f"<tr><td colspan='2'>{T.T3_GROUP_LABELS[row.group]}</td>{cells('_subtotal')}</tr>"
                )
            tds += f"<td rowspan='{group_sizes[row.group]}'>{T.T3_GROUP_LABELS[row.group]}</td>"
        span = 3 if key in ("new_received", "carried_over", "carried_forward") else 2 if not row.group else 1
        tds += f"<td colspan='{span}'>{label}</td>" if span > 1 else f"<td>{label}</td>"
        out.append(f"<tr>{tds}{cells(key)}</tr>")
    out.append("</table>")
    return "\n".join(out)


def t4_html(values: list[str] | None = None) -> str:
    vals = values if values is not None else ["0"] * 15
    outcomes = "".join(f"<td>{label}</td>" for _, label in T.T4_OUTCOMES)
    return (
        "<table border='1'><tr><td colspan='5'>行政复议</td><td colspan='10'>行政诉讼</td></tr>"
        "<tr>"
        + "".join(f"<td rowspan='2'>{label}</td>" for _, label in T.T4_OUTCOMES)
        + "<td colspan='5'>未经复议直接起诉</td><td colspan='5'>复议后起诉</td></tr>"
        f"<tr>{outcomes}{outcomes}</tr><tr>" + "".join(f"<td>{v}</td>" for v in vals) + "</tr></table>"
    )


def report_html(
    *,
    year: int = 2021,
    organ: str = "示例市示例局",
    version: str | None = None,
    title: str | None = "default",
    preamble: str | None = None,
    head: str = "",
    t2: str | None = "default",
    t3: str | None = "default",
    t4: str | None = "default",
    overview: str | None = None,
    six: str = "本年度未收取信息处理费。",
    tail: str = "",
    charset: str | None = "utf-8",
) -> str:
    """A portal article page; pass a string to replace a part, None to leave it out."""
    version = version or T.expected_version(year)
    if title == "default":
        title = f"{organ}{year}年政府信息公开工作年度报告"
    if preamble is None:
        preamble = (
            f"本报告根据《中华人民共和国政府信息公开条例》要求编制。本报告所列数据的统计期限自{year}年1月1日起"
            f"至{year}年12月31日止。"
        )
    parts = {
        "t2": t2_html(version) if t2 == "default" else t2,
        "t3": t3_html(version) if t3 == "default" else t3,
        "t4": t4_html() if t4 == "default" else t4,
    }
    meta = f"<meta charset='{charset}'>" if charset else ""
    return f"""<!DOCTYPE html><html><head>{meta}{head}<title>{title or "政府信息公开"}_示例网站</title></head>
<body><div class="header"><a href="/">首页</a> &gt; <a href="/zfxxgk/">政府信息公开</a> &gt; 政府信息公开年报
<table><tr><td>站点导航</td><td>无障碍</td></tr></table></div>
<div class="article"><h1>{title or ""}</h1>
<p>{preamble}</p>
<p><strong>一、总体情况</strong></p>
<p>{overview or f"{year}年，{organ}认真贯彻落实《条例》，持续深化政务公开。"}</p>
<p><strong>二、主动公开政府信息情况</strong></p>
{parts["t2"] or ""}
<p><strong>三、收到和处理政府信息公开申请情况</strong></p>
{parts["t3"] or ""}
<p><strong>四、政府信息公开行政复议、行政诉讼情况</strong></p>
{parts["t4"] or ""}
<p><strong>五、存在的主要问题及改进情况</strong></p>
<p>政策解读形式不够丰富。</p>
<p><strong>六、其他需要报告的事项</strong></p>
<p>{six}</p>
{tail}
</div><div class="footer">版权所有：示例市人民政府 网站标识码 1234567890</div></body></html>"""


def report_text(
    *,
    year: int = 2020,
    organ: str = "示例市示例局",
    t3_lines: list[str] | None = None,
    t4_lines: list[str] | None = None,
    t2_lines: list[str] | None = None,
) -> str:
    """The flattened ' | ' form of a v2019 report without a title line (like the 荆门 seed)."""
    t2 = (
        t2_lines
        if t2_lines is not None
        else [
            "第二十条第(一)项 | |||",
            "信息内容 | 本年新 制作数量 | 本年新 公开数量 | 对外公开总数量 |",
            "规章 | 0 | 0 | 0 |",
            "规范性文件 | 2 | 2 | 5 |",
        ]
    )
    t3 = t3_lines if t3_lines is not None else _t3_text_v2019()
    t4 = (
        t4_lines
        if t4_lines is not None
        else [
            "行政复议 | 行政诉讼 | |||||||||||||",
            "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | 复议后起诉 | ||||||||",
            "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | |||||",
            " | ".join(["1", "0", "0", "0", "1"] + ["0"] * 10) + " |",
        ]
    )
    return "\n".join(
        [
            "一、总体情况",
            f"{year}年,{organ}聚焦主题主线,主要公开以下内容。",
            "二、行政机关主动公开政府信息情况",
            *t2,
            "三、行政机关收到和处理政府信息公开申请情况",
            *t3,
            "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况",
            *t4,
            "五、政府信息公开工作存在的问题及改进情况",
            "一是新媒体运用缺乏。",
            "六、其他需要报告的事项",
            "无。",
        ]
    )


def _t3_text_v2019() -> list[str]:
    lines = [
        f"{T.T3_NOTE} | 申请人情况 | ||||||||",
        "自然人 | 法人或其他组织 | 总计 | |||||||",
        "商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | ||||",
    ]
    seen: set[str] = set()
    for row in T.t3_rows_for(T.V2019):
        prefix = ""
        if row.key == "granted":
            prefix = T.T3_GROUP_LABELS["results"] + " | "
        if row.group and row.group not in seen:
            seen.add(row.group)
            prefix = T.T3_GROUP_LABELS[row.group] + " | "
        vals = (
            ["1", "0", "0", "0", "0", "0", "1"]
            if row.key in ("new_received", "granted", "total_processed")
            else ZERO7
        )
        lines.append(f"{prefix}{row.label} | " + " | ".join(vals) + " | ||")
    return lines
