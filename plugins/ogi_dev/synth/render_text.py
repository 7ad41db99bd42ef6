"""The flattened text form: an HTML report copied as text, cells joined by `` | `` (the 荆门 seed).

The flattening rule seen in real exports: a row is its cell texts joined by `` | `` followed by
`` |`` and one extra ``|`` per merged grid position (``第二十条第(一)项 | |||``); label breaks
become spaces (``本年新 制作数量``); rowspan cells appear on their first row only; full-width
punctuation is folded to half-width ( （） → () , ， → , ) as text exports do. No title line is
printed by some exports (``with_title=False``): the organ and year then come from the prose.
"""

from __future__ import annotations

from ogi_dev.synth.layout import LTable, Page

_HALF = str.maketrans({"（": "(", "）": ")", "，": ",", "：": ":", "；": ";"})


def table_lines(table: LTable) -> list[str]:
    out = []
    for row in table.rows:
        texts = [c.text.replace("\n", " ") for c in row]
        extra = sum(c.colspan - 1 for c in row)
        out.append((" | ".join(texts) + " | " + "|" * extra).rstrip())
    return out


def render_text(page: Page, *, with_title: bool = True, half_width: bool = True) -> str:
    lines = [page.title] if with_title else []
    if with_title:
        lines.append(page.preamble)
    for b in page.blocks:
        lines += table_lines(b) if isinstance(b, LTable) else [b]
    if with_title and page.published_on:
        y, m, d = page.published_on.split("-")
        lines += [page.organ, f"{y}年{int(m)}月{int(d)}日"]
    text = "\n".join(lines) + "\n"
    return text.translate(_HALF) if half_width else text
