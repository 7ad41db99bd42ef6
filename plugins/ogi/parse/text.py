"""Flattened text exports → ``Document``.

Reports copied out of web pages collapse each table row to one line: cells joined by ``|``
(``label | 0 | 0 |…`` with trailing empty pipes), or separated by spaces, and table 四 often
becomes a bare run of 15 numbers, sometimes one per line (REPORT_FORMAT.md §5.7). Every run of
consecutive table-like lines becomes a ``Table`` of rows; spans are unknown (all 1). Grouped row
labels that appear only on a group's first sub-row are the mapper's concern.

Limits (``ogi.parse.limits``): the file's size (``OGI_PARSE_MAX_MARKUP_BYTES``) and the number of
table cells (``OGI_PARSE_MAX_CELLS``, counted while the tables are built). The text is decoded by
its byte-order mark when it has one (UTF-8/16/32 exports).
"""

from __future__ import annotations

import re

from ogi.parse import limits as L
from ogi.parse.detect import decode_text
from ogi.parse.grid import Cell, Document, Table
from ogi.parse.labels import is_value

_SENTENCE = re.compile(r"[。；;！？]")
_RULE = re.compile(r":?-{2,}:?|")


def _row(line: str) -> list[str] | None:
    """Cells of a table-like line, or None for prose."""
    sep = "|" if "|" in line else "\t" if "\t" in line else None
    if sep:  # explicit separators keep empty (blank) cells
        cells = [c.strip() for c in line.split(sep)]
        if all(_RULE.fullmatch(c) for c in cells):  # a markdown rule row "|---|---|"
            return []
        # markdown "| a | b |" opens with the pipe; " | 1 | …" (a blank first cell joined by " | ") does not
        if line.startswith("|") and len(cells) > 1 and not cells[0]:
            cells = cells[1:]
        return cells  # trailing empty cells stay: a row printed blank is still a row of blanks
    tokens = line.split()
    if len(tokens) < 2 or _SENTENCE.search(line):
        return None
    if any(is_value(t) for t in tokens[1:]) or all(len(t) <= 12 for t in tokens):
        return tokens
    return None


def _is_bare_number(line: str) -> bool:
    return bool(line) and " " not in line.strip() and is_value(line) and line.strip() != "无"


def tables_from_lines(lines: list[str], *, max_cells: int | None = None) -> list[Table]:
    """Tables of a flattened text: each run of consecutive table-like lines is one table.
    Raises ParseError when they hold more than ``max_cells`` cells (default: the limits in force)."""
    tables: list[Table] = []
    current: list[list[Cell]] = []
    numbers: list[str] = []  # a run of lines that each hold one number
    cap = L.current().max_cells if max_cells is None else max_cells
    count = 0

    def add(row: list[str]) -> None:
        nonlocal count
        count += len(row)
        if count > cap:
            raise L.exceeded("max_cells", f"The document has more than {cap:,} table cells", value=cap)
        current.append([Cell(c) for c in row])

    def flush_numbers() -> None:
        if len(numbers) >= 2:
            add(numbers)
        numbers.clear()

    def flush_table() -> None:
        flush_numbers()
        if current:
            tables.append(Table(index=len(tables), rows=list(current)))
            current.clear()

    for line in lines:
        if not line.strip():
            continue
        if _is_bare_number(line.strip()):
            numbers.append(line.strip())
            continue
        flush_numbers()
        cells = _row(line)
        if cells is None:
            flush_table()
        elif cells:
            add(cells)
    flush_table()
    return tables


def read_text(data: bytes) -> Document:
    """Split a flattened text report into prose and tables of ' | ' (or whitespace) separated cells."""
    L.check_markup(data, "text file")
    text = (
        decode_text(data)
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\u3000", " ")
        .replace("\xa0", " ")
    )
    lines = [ln.rstrip(" ") for ln in text.split("\n")]  # leading spaces and tabs mark blank first cells
    body = "\n".join(ln.strip() for ln in lines if ln.strip())
    return Document(format="text", text=body, tables=tables_from_lines(lines), meta={})
