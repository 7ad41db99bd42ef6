"""HTML article pages → ``Document``.

Portal pages wrap the report in site chrome (menus, footers, related links). The article is
the smallest element around the report's tables (or its "总体情况" heading) that also holds
the section-一 text; only its text and tables are handed on. Tables keep their printed cells
(spans recorded, covered positions not repeated); ``<br>`` inside a cell becomes a line break,
``&nbsp;`` a blank. Layout tables that contain other tables are treated as plain blocks.

Limits (``ogi.parse.limits``): the page's size, its table cells, and its element nesting. The
parser runs with ``huge_tree`` so that a report wrapped in hundreds of ``<div>``s is read whole
(libxml2 otherwise stops at depth 256 and silently drops the rest); a page nested deeper than
``OGI_PARSE_MAX_DEPTH`` (or libxml2's own 2048) is refused with the limit named, never cut. Trees
are walked without recursion, so depth never reaches Python's recursion limit.
"""

from __future__ import annotations

import re

from lxml import etree

from ogi import templates as T
from ogi.parse import limits as L
from ogi.parse.detect import decode_html
from ogi.parse.grid import Cell, Document, Table

# fmt: off
_BLOCK = frozenset([
    "p", "div", "tr", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header",
    "footer", "center", "blockquote", "pre", "dd", "dt", "dl", "form", "hr", "tbody", "thead", "tfoot",
    "caption", "address", "figure", "figcaption", "main", "nav", "aside",
])
# fmt: on
_SKIP = frozenset(
    ["script", "style", "noscript", "template", "iframe", "object", "select", "option", "button", "textarea"]
)
_SPACES = re.compile(r"[ \t\r\f\v\xa0\u3000]+")
#: characters XML cannot hold (C0 controls but tab/LF/CR, U+FFFE/U+FFFF); HTML ignores them anyway
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_REPORT_TABLE = re.compile("|".join(map(re.escape, T.REPORT_TABLE_MARKERS)))
_ANCHOR_TEXT = ("总体情况", "政府信息公开")


def _is_leaf_table(el) -> bool:
    return not any(True for _ in el.iterdescendants("table"))


def _rows(table) -> list:
    """The table's own <tr> rows (not those of nested tables)."""
    out = []
    for child in table:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "tr":
            out.append(child)
        elif tag in ("tbody", "thead", "tfoot"):
            out.extend(c for c in child if c.tag == "tr")
    return out


def _span(el, name: str) -> int:
    v = el.get(name)
    if v is None:
        return 1
    digits = re.sub(r"\D", "", v)
    return max(1, min(int(digits), 1000)) if digits else 1


def _text_content(el) -> str:
    return "".join(el.itertext())


class _Text:
    """Collects the reading-order text of an element tree: blocks → lines, leaf tables → ' | ' rows."""

    def __init__(self, tables: dict):
        self.out: list[str] = []
        self.tables = tables  # leaf table element -> Table

    def walk(self, el) -> None:
        """Append ``el``'s text, its descendants' and its tail (an explicit stack: no recursion)."""
        out = self.out
        stack: list[tuple[object, bool]] = [(el, True)]
        while stack:
            el, opening = stack.pop()
            tag = el.tag if isinstance(el.tag, str) else None
            if not opening:  # all children done: close the element
                if tag in _BLOCK:
                    out.append("\n")
                if el.tail:
                    out.append(el.tail)
                continue
            if tag is None or tag in _SKIP:  # comments, processing instructions, scripts
                if el.tail:
                    out.append(el.tail)
                continue
            if tag == "table" and el in self.tables:
                out.append("\n")
                for row in self.tables[el].rows:
                    line = " | ".join(c.text.replace("\n", " ") for c in row)
                    out.append(line + (" |\n" if len(row) == 1 else "\n"))  # a table line always shows a pipe
                if el.tail:
                    out.append(el.tail)
                continue
            if tag in ("td", "th"):
                out.append(" ")
            if tag in _BLOCK:
                out.append("\n")
            if el.text:
                out.append(el.text)
            stack.append((el, False))
            stack.extend((child, True) for child in reversed(el))

    def lines(self) -> list[str]:
        """Lines with runs of spaces collapsed; a leading space is kept (it marks a blank first cell
        in flattened ' | ' rows)."""
        raw = "".join(self.out).replace("\xa0", " ").replace("\u3000", " ")
        return [re.sub(r"[ \t\r\f\v]+", " ", ln).rstrip() for ln in raw.split("\n")]

    def text(self) -> str:
        return "\n".join(s for s in (ln.strip() for ln in self.lines()) if s)


def _inner(el, tables: dict) -> _Text:
    """The collected text inside ``el`` (its tail excluded)."""
    t = _Text(tables)
    if el.text:
        t.out.append(el.text)
    for child in el:
        t.walk(child)
    return t


def _inner_text(el, tables: dict) -> str:
    return _inner(el, tables).text()


def _cell_text(td) -> str:
    """Cell text with line breaks where <br> were (``read_html`` adds them to the <br> tails)."""
    lines = (_SPACES.sub(" ", ln).strip() for ln in _text_content(td).split("\n"))
    return "\n".join(ln for ln in lines if ln)


def _table(el, index: int) -> Table:
    rows = []
    for tr in _rows(el):
        cells = [
            Cell(_cell_text(td), rowspan=_span(td, "rowspan"), colspan=_span(td, "colspan"))
            for td in tr
            if td.tag in ("td", "th")
        ]
        if cells:
            rows.append(cells)
    return Table(index=index, rows=rows)


def _article(root, tables: list):
    """The smallest element that holds the report tables and the section-一 text (else <body>)."""
    body = root.find("body")
    if body is None:
        body = root
    start = None
    for el in tables:
        if _REPORT_TABLE.search(_text_content(el)[:3000]):
            start = el
            break
    if start is None:
        hits = root.xpath("//*[contains(text(), '总体情况')]")
        start = hits[0] if hits else None
    if start is None:
        return body
    for anc in start.iterancestors():
        text = _text_content(anc)
        if all(a in text for a in _ANCHOR_TEXT) and len(text) > 300:
            return anc
        if anc is body:
            break
    return body


def _meta(root) -> dict:
    meta: dict = {}
    for m in root.iter("meta"):
        name = (m.get("name") or m.get("property") or m.get("http-equiv") or "").strip().lower()
        content = (m.get("content") or "").strip()
        if name and content and name not in meta:
            meta[name] = content
    t = root.find(".//title")
    if t is not None and _text_content(t).strip():
        meta["html_title"] = _text_content(t).strip()
    return meta


def _depth(root) -> int:
    """The element nesting depth of a tree (iterative)."""
    deepest, depth = 0, 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


def _check_tree(root, parser, lim: L.Limits) -> None:
    """Refuse a page libxml2 cut at its depth limit, or nested / celled beyond our limits; a parse
    that ran out of memory is a MemoryError (a bounded parse names its memory limit), not a page
    without a report."""
    if any(e.type_name == "ERR_NO_MEMORY" for e in parser.error_log):
        raise MemoryError("libxml2 ran out of memory parsing the HTML page")
    if any("Excessive depth" in e.message for e in parser.error_log):
        cap = min(lim.max_depth, L.LIBXML2_MAX_DEPTH)
        raise L.exceeded("max_depth", f"The HTML page nests elements deeper than {cap:,}", lim, value=cap)
    if root is None:
        return
    if lim.max_depth < L.LIBXML2_MAX_DEPTH:
        depth = _depth(root)
        if depth > lim.max_depth:
            raise L.exceeded("max_depth", f"The HTML page nests elements {depth:,} deep", lim)
    cells = int(root.xpath("count(//td) + count(//th)"))
    if cells > lim.max_cells:
        raise L.exceeded("max_cells", f"The HTML page has {cells:,} table cells", lim)


def read_html(data: bytes) -> Document:
    """Parse an HTML page into a Document with the article's text, tables, meta tags and image count.
    Raises ParseError when the page is over a limit (size, nesting depth, table cells)."""
    lim = L.current()
    L.check_markup(data, "HTML page", lim)
    text = decode_html(data)
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    text = _NOT_XML.sub(" ", text)  # lxml refuses such characters in the texts we set (<br> tails)
    parser = etree.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        root = etree.fromstring(text, parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        root = None
    _check_tree(root, parser, lim)
    if root is None:
        root = etree.fromstring("<html><body></body></html>", parser)
    for br in root.iter("br"):  # so that cell texts keep their line breaks
        br.tail = "\n" + (br.tail or "")
    all_tables = list(root.iter("table"))
    article = _article(root, all_tables)
    leaf = [el for el in article.iter("table") if _is_leaf_table(el)]
    tables = {el: _table(el, i) for i, el in enumerate(leaf)}
    collected = _inner(article, tables)
    found = list(tables.values())
    if not any(_REPORT_TABLE.search(c.text) for t in found for row in t.rows for c in row):
        # a mirror page whose tables were flattened into "a | b" paragraphs (REPORT_FORMAT §5.7)
        from ogi.parse.text import tables_from_lines

        flat = tables_from_lines([ln for ln in collected.lines() if ln.strip()])
        for i, t in enumerate(flat, start=len(found)):
            t.index = i
        found += flat
    meta = _meta(root)
    meta["images"] = sum(1 for _ in article.iter("img"))
    meta["page_text"] = _text_content(root) if article is not root else ""
    return Document(format="html", text=collected.text(), tables=found, meta=meta)
