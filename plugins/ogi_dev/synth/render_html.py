"""HTML article pages as Chinese government portals publish them, in several portal styles.

* ``trs``: TRS WCM page (the 平潭 corpus pages): meta ArticleTitle/PubDate/ContentSource, site
  header and navigation, ``div.TRS_Editor``; cells hold ``<p>`` per printed line; UTF-8.
* ``hanweb``: Hanweb/Zhejiang style: ``<meta charset=gb2312>`` and GBK bytes, a 发布日期 info bar,
  label breaks as ``<br/>``, ``&nbsp;`` in blank cells, inline widths.
* ``plain``: a small CMS fragment-like page: no charset declaration, ``<span>``-wrapped cell
  texts, headings in ``<strong>``.

Pages may also carry the report only as an attachment link (PDF/DOCX) or its tables only as
images; ``article_html`` handles both through ``body``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from ogi_dev.synth.layout import LTable, Page

STYLES: tuple[str, ...] = ("trs", "hanweb", "plain")
ENCODING: dict[str, str] = {"trs": "utf-8", "hanweb": "gbk", "plain": "utf-8"}


def _e(s: str) -> str:
    return html.escape(s, quote=True)


def _cell_html(text: str, style: str) -> str:
    lines = text.split("\n")
    if not text:
        return "&nbsp;" if style != "trs" else "<p>&nbsp;</p>"
    if style == "trs":
        return "".join(f"<p>{_e(ln)}</p>" for ln in lines)
    if style == "hanweb":
        return "<br/>".join(_e(ln) for ln in lines)
    return '<span style="font-size:14px">' + "<br>".join(_e(ln) for ln in lines) + "</span>"


def table_html(table: LTable, style: str) -> str:
    attrs = {
        "trs": ' cellspacing="0" align="center" border="1"',
        "hanweb": ' border="1" cellspacing="0" cellpadding="0" width="600" style="border-collapse:collapse"',
        "plain": ' class="MsoNormalTable" border="1"',
    }[style]
    out = [f"<table{attrs}><tbody>"]
    for i, row in enumerate(table.rows):
        out.append('<tr class="firstRow">' if i == 0 and style == "trs" else "<tr>")
        for c in row:
            span = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (
                f' colspan="{c.colspan}"' if c.colspan > 1 else ""
            )
            align = ' valign="center"' if style == "trs" else (' align="center"' if style == "hanweb" else "")
            out.append(f"<td{span}{align}>{_cell_html(c.text, style)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def body_html(page: Page, style: str, *, images: Sequence[str] | None = None) -> str:
    """The article body: paragraphs, headings and tables (or ``<img>`` in place of each table)."""
    out = [f'<p style="text-indent:2em">{_e(page.preamble)}</p>']
    n = 0
    for b in page.blocks:
        if isinstance(b, LTable):
            if images is not None:
                out.append(
                    f'<p style="text-align:center"><img src="{_e(images[n])}" width="600" alt=""/></p>'
                )
            else:
                out.append(table_html(b, style))
            n += 1
        elif len(b) < 40 and b[:2] in {f"{x}、" for x in "一二三四五六"}:
            out.append(f"<p><strong>{_e(b)}</strong></p>")
        else:
            out.append(f'<p style="text-indent:2em">{_e(b)}</p>')
    return "\n".join(out)


def _nav(city_name: str) -> str:
    items = ["首页", "要闻动态", "政务公开", "政务服务", "互动交流", "走进" + city_name]
    return "".join(f'<li><a href="/">{x}</a></li>' for x in items)


def article_html(
    page: Page,
    *,
    style: str,
    city_name: str,
    url: str,
    body: str,
    column: str = "政府信息公开年报",
    source: str | None = None,
) -> bytes:
    """A full portal article page (site chrome around ``body``), encoded as the style's portal does."""
    title, date = _e(page.title), page.published_on or ""
    source = _e(source or page.organ)
    enc = ENCODING[style]
    if style == "trs":
        doc = f"""<!DOCTYPE html>
<html>
  <head>
    <meta charset="utf-8" />
<meta name="SiteName" content="{_e(city_name)}人民政府"/>
<meta name="ColumnName" content="{column}"/>
<meta name="ArticleTitle" content="{title}"/>
<meta name="PubDate" content="{date} 09:30"/>
<meta name="ContentSource" content="{source}"/>
<meta name="Url" content="{_e(url)}"/>
    <title>{title}_{column}_{_e(city_name)}人民政府</title>
    <link rel="stylesheet" type="text/css" href="/images/trt_ui_v2.css">
  </head>
  <body>
    <div class="header"><div class="logo"><a href="/"><img src="/images/site_logo.png" /></a></div>
      <div class="search"><input type="text" placeholder="请输入关键词"/><a href="/search/">搜索</a></div>
      <ul class="nav">{_nav(city_name)}</ul></div>
    <div class="position">当前位置：<a href="/">首页</a> &gt; <a href="../">政府信息公开</a> &gt; <span>{column}</span></div>
    <div class="article">
      <div class="article_title"><h1>{title}</h1></div>
      <div class="article_info"><span>发布时间：{date}</span><span>来源：{source}</span>
        <span>字号：<a href="javascript:;">大</a> <a href="javascript:;">中</a> <a href="javascript:;">小</a></span></div>
      <div class="article_content"><div class="TRS_Editor">
{body}
      </div></div>
      <div class="article_share">分享到：<a href="javascript:;">微信</a> <a href="javascript:;">微博</a>
        <a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
    </div>
    <div class="footer"><p>主办单位：{_e(city_name)}人民政府办公室 网站标识码：3500000001</p>
      <p>闽ICP备05000001号 <a href="/wzdt/">网站地图</a> <a href="/lxwm/">联系我们</a></p></div>
  </body>
</html>
"""
    elif style == "hanweb":
        doc = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<title>{title}</title>
<meta name="keywords" content="{column}" />
<script type="text/javascript" src="/script/jquery.js"></script>
</head>
<body>
<table width="1000" align="center"><tr><td><img src="/picture/0/top.jpg" alt="{_e(city_name)}"/></td></tr></table>
<div class="dh"><a href="/">网站首页</a> | <a href="/col/col1/index.html">信息公开</a> | <a href="/col/col2/index.html">{column}</a></div>
<div class="main">
<div class="main-title">{title}</div>
<div class="main-fl">发布日期：{date}&nbsp;&nbsp;信息来源：{source}&nbsp;&nbsp;浏览次数：<span id="c">128</span></div>
<div class="main-txt" id="zoom">
{body}
</div>
<div class="bottom-btn"><a href="javascript:window.print()">打印本页</a> <a href="javascript:window.close()">关闭窗口</a></div>
</div>
<div class="foot">版权所有：{_e(city_name)}人民政府 &nbsp; 技术支持：大汉网络</div>
</body>
</html>
"""
    else:
        doc = f"""<html><head><title>{title}</title></head>
<body><div id="top"><a href="/">{_e(city_name)}政府网</a></div>
<div class="content"><h2 style="text-align:center">{title}</h2>
<div class="info">时间：{date} 来源：{source}</div>
{body}
</div><div id="bottom">{_e(city_name)}人民政府 版权所有</div></body></html>
"""
    return doc.encode(enc, errors="xmlcharrefreplace")


def attachment_body(page: Page, href: str, name: str) -> str:
    """An article that only announces the report and links its attachment."""
    return (
        f'<p style="text-indent:2em">{_e(page.title)}全文详见附件。</p>\n'
        f'<p>附件：<a href="{_e(href)}" title="{_e(name)}">{_e(name)}</a></p>'
    )


def flattened_body(text: str) -> str:
    """A mirror-style article whose tables were flattened to ``a | b | c`` lines (one ``<p>`` per line)."""
    return "\n".join(f"<p>{_e(ln)}</p>" for ln in text.split("\n") if ln.strip())
