"""DOCX reader (python-docx, imported lazily) → ``grid.Document``.

The body is walked in document order (paragraphs and tables interleaved, content controls
opened), so narrative sections and table captions keep their places. Merged cells are read
from the WordprocessingML itself: ``gridSpan`` gives colspan, a ``vMerge="restart"`` cell's
rowspan is the number of rows whose cell at the same grid column continues it, and continued
cells are dropped (they are covered positions, not printed cells). Tables print into the text
as ``a | b | c`` lines, as the HTML reader does.

Limits (``ogi.parse.limits``): the zip directory is checked before python-docx inflates anything
(member count, total uncompressed size, ratio of each large member: a 3 MB file whose
``document.xml`` inflates to 1 GB is refused from its directory), and the table cells are counted
before they are read. Converted legacy files come through here too, so they are checked as well.
"""

from __future__ import annotations

import io
import re
from functools import cache
from typing import Any

from ogi.model import ParseError
from ogi.parse import limits as L
from ogi.parse.grid import Cell, Document, Table

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _val(el, path: str) -> str | None:
    """The w:val attribute of the first ``path`` child (``None`` when absent)."""
    found = el.find(path)
    return None if found is None else found.get(_W + "val", "")


_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
#: runs, tabs, breaks and paragraphs in document order, not the duplicate of a text box that
#: Word keeps for old readers (mc:Fallback)
_TEXT_NODES = "(.//w:t | .//w:tab | .//w:br | .//w:cr | .//w:p)[not(ancestor::mc:Fallback)]"
_NS = {"w": _W[1:-1], "mc": _MC}


@cache
def _text_nodes():
    from lxml import etree

    return etree.XPath(_TEXT_NODES, namespaces=_NS)


def _text(el) -> str:
    """Visible text of a paragraph or cell: runs, tabs and breaks (deleted text and field codes skipped)."""
    parts: list[str] = []
    for node in _text_nodes()(el):
        if node.tag == _W + "t":
            parts.append(node.text or "")
        elif node.tag == _W + "tab":
            parts.append(" ")
        elif node.tag == _W + "p":
            if parts and parts[-1] != "\n":
                parts.append("\n")  # paragraph boundary inside a cell or text box
        else:
            parts.append("\n")
    return re.sub(r"[ \t\u3000]*\n[ \t\u3000]*", "\n", "".join(parts)).strip()


def _children(el, tag: str):
    """Direct children with ``tag``, also those wrapped in content controls or custom XML."""
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in (_W + "sdt", _W + "customXml"):
            inner = child.find(_W + "sdtContent")
            yield from _children(child if inner is None else inner, tag)


def _grid_rows(tbl) -> list[list[tuple[int, int, str | None, Any]]]:
    """Per row: (grid column, colspan, vMerge value or None, w:tc) for every cell."""
    rows = []
    for tr in _children(tbl, _W + "tr"):
        col = int(_val(tr, f"{_W}trPr/{_W}gridBefore") or 0)
        cells = []
        for tc in _children(tr, _W + "tc"):
            span = int(_val(tc, f"{_W}tcPr/{_W}gridSpan") or 1)
            cells.append((col, span, _val(tc, f"{_W}tcPr/{_W}vMerge"), tc))
            col += span
        rows.append(cells)
    return rows


def _table(tbl, index: int) -> Table:
    grid = _grid_rows(tbl)
    rows: list[list[Cell]] = []
    for ri, cells in enumerate(grid):
        out = []
        for col, span, vmerge, tc in cells:
            if vmerge is not None and vmerge != "restart":
                continue  # continues the cell above: a covered position
            rowspan = 1
            if vmerge == "restart":
                for below in grid[ri + 1 :]:
                    cont = next((v for c, _, v, _ in below if c == col), None)
                    if cont is None or cont == "restart":
                        break
                    rowspan += 1
            out.append(Cell(text=_text(tc), rowspan=rowspan, colspan=span))
        if out:
            rows.append(out)
    return Table(index=index, rows=rows)


def _blocks(parent):
    """Body-level paragraphs and tables in document order (inside content controls too). A table
    that holds other tables is a page-layout wrapper: its cells' contents are read as the body."""
    for el in parent:
        if el.tag == _W + "tbl" and el.find(f".//{_W}tc/{_W}tbl") is not None:
            for tr in _children(el, _W + "tr"):
                for tc in _children(tr, _W + "tc"):
                    yield from _blocks(tc)
        elif el.tag in (_W + "p", _W + "tbl"):
            yield el
        elif el.tag in (_W + "sdt", _W + "customXml"):
            inner = el.find(_W + "sdtContent")
            yield from _blocks(el if inner is None else inner)


def read_docx(data: bytes) -> Document:
    """The ``Document`` of a DOCX file; ``ParseError("corrupt")`` when it is not a readable DOCX."""
    import zipfile

    import docx

    lim = L.current()
    try:
        L.check_zip(data, lim)
    except zipfile.BadZipFile as e:
        raise ParseError("corrupt", f"The file is not a readable DOCX document (BadZipFile: {e}).") from None
    try:
        d = docx.Document(io.BytesIO(data))
        body = d.element.body
    except Exception as e:  # noqa: BLE001  (zipfile, lxml, KeyError for missing parts, …)
        raise ParseError(
            "corrupt", f"The file is not a readable DOCX document ({type(e).__name__}: {e})."
        ) from None
    cells = sum(1 for _ in body.iter(_W + "tc"))
    if cells > lim.max_cells:
        raise L.exceeded("max_cells", f"The DOCX document has {cells:,} table cells", lim)
    lines: list[str] = []
    tables: list[Table] = []
    for el in _blocks(body):
        if el.tag == _W + "tbl":
            t = _table(el, len(tables))
            tables.append(t)
            lines += [" | ".join(c.text.replace("\n", " ") for c in row) for row in t.rows]
        else:
            lines.append(_text(el))
    props = d.core_properties
    meta: dict[str, Any] = {
        "title": props.title or None,
        "author": props.author or None,
        "images": len(body.findall(f".//{_W}drawing")) + len(body.findall(f".//{_W}pict")),
    }
    return Document(
        format="docx",
        text="\n".join(ln for ln in lines if ln),
        tables=tables,
        meta={k: v for k, v in meta.items() if v},
    )
