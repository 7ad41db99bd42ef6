"""The format-neutral shape every reader produces and the one mapper consumes.

Readers (html, pdf, docx, text) turn a document into a ``Document``: its plain text (for
title, year, organ, dates and narrative sections) and its tables as rows of *printed cells*.
A row keeps only the cells that are printed in it (positions covered by a rowspan/colspan
from another row are dropped), because real tables have inconsistent spans: the mapper
reads labels and values per cell, not per grid column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Cell:
    text: str  # cell text, line breaks kept as "\n"
    rowspan: int = 1
    colspan: int = 1
    page: int | None = None  # 1-based (PDF)
    bbox: tuple[float, float, float, float] | None = None  # PDF points (x0, top, x1, bottom)


@dataclass
class Table:
    index: int  # order of the table in the document
    rows: list[list[Cell]]
    page: int | None = None  # first page (PDF)


@dataclass
class Document:
    format: str  # html | pdf | docx | text
    text: str  # the document's text in reading order, tables included
    tables: list[Table] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # title, published_on, url, … as found
