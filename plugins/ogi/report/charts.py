"""Charts: Vega-Lite specs rendered to SVG offline by ``vl-convert-python``, then sanitised.

Why Vega-Lite + vl-convert (docs/report.md): a chart is a small declarative JSON spec (kept in the
page's build, testable as data), and vl-convert renders it to a static SVG in-process with its bundled
Vega engine (Deno/V8 inside the wheel): no browser, no Node, no network at build time, and no
JavaScript in the page at view time. The page stays small (a few kB per chart instead of plotly.js's
~3.5 MB) and shows the same picture from ``file://``, printed, or with scripts blocked.

Labels are text inside the SVG. vl-convert escapes them; ``sanitise_svg`` also parses the SVG and drops
anything active (script, foreignObject, event attributes, links that are not fragment links), so an
organ name from a document can never become markup.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

#: the page's CJK font stack (Debian: fonts-noto-cjk; Windows: Microsoft YaHei; macOS: PingFang SC)
FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", sans-serif'
#: colours (Tableau 10, colour-blind safer than the default order for six categories)
PALETTE = ("#4c78a8", "#72b7b2", "#e45756", "#f58518", "#b279a2", "#9d755d", "#54a24b", "#bab0ac")
COVERAGE_COLOURS = ("#54a24b", "#f58518", "#bab0ac", "#b279a2", "#e45756")
WIDTH = 560

_CONFIG = {
    "font": FONT,
    "view": {"stroke": None},
    "axis": {"labelFontSize": 11, "titleFontSize": 11, "labelLimit": 220},
    "legend": {"labelFontSize": 11, "titleFontSize": 11, "orient": "bottom", "columns": 3, "labelLimit": 200},
    "title": {"fontSize": 13, "anchor": "start"},
}


def _spec(data: list[dict[str, Any]], title: str, **rest) -> dict[str, Any]:
    return {
        "title": title,
        "width": WIDTH,
        "data": {"values": data},
        "config": _CONFIG,
        **rest,
    }


def stacked_bars(
    data: list[dict[str, Any]],
    *,
    title: str,
    category: str,
    categories: Sequence[str],
    series: Sequence[str],
    colours: Sequence[str] = PALETTE,
    value_title: str = "件数",
    horizontal: bool = True,
) -> dict[str, Any]:
    """Bars per ``category`` (rows ``{"category", "series", "value"}``) stacked by ``series`` in the given
    orders (fixed colours per series, whatever the data holds)."""
    cat = {"field": "category", "type": "nominal", "title": category, "sort": list(categories)}
    val = {"field": "value", "type": "quantitative", "title": value_title, "stack": "zero",
           "axis": {"tickMinStep": 1, "format": ",d"}}  # fmt: skip
    order = {s: i for i, s in enumerate(series)}
    data = [{**d, "o": order.get(d["series"], len(order))} for d in data]
    enc = {
        "color": {
            "field": "series",
            "type": "nominal",
            "title": None,
            "sort": list(series),
            "scale": {"domain": list(series), "range": list(colours[: len(series)])},
        },
        "order": {"field": "o", "type": "quantitative"},
        "tooltip": [{"field": "category"}, {"field": "series"}, {"field": "value"}],
    }
    if horizontal:
        enc.update(y={**cat, "title": None}, x=val)
        height = {"height": {"step": 22}}
    else:
        enc.update(x={**cat, "axis": {"labelAngle": 0}}, y=val)
        height = {"height": 220}
    return _spec(data, title, mark={"type": "bar"}, encoding=enc, **height)


def ranked_bars(
    data: list[dict[str, Any]], *, title: str, value_title: str, percent: bool = False
) -> dict[str, Any]:
    """One bar per organ (rows ``{"organ", "value"}``), in the order given (the ranking).

    The order is a numeric field (``rank``), never a list of names: Vega-Lite compiles a custom sort
    list into a Vega expression, and text from documents must not reach an expression. Names are made
    unique (a nominal axis would merge two organs of the same name)."""
    seen: dict[str, int] = {}
    rows = []
    for i, d in enumerate(data):
        name = clean_label(d["organ"])
        seen[name] = seen.get(name, 0) + 1
        rows.append(
            {"organ": name if seen[name] == 1 else f"{name} ({seen[name]})", "value": d["value"], "rank": i}
        )
    x = {"field": "value", "type": "quantitative", "title": value_title}
    if percent:
        x["axis"] = {"format": ".0%"}
        x["scale"] = {"domain": [0, 1]}
    enc = {
        "y": {"field": "organ", "type": "nominal", "title": None, "sort": {"field": "rank", "op": "min"}},
        "x": x,
    }
    return _spec(rows, title, mark={"type": "bar", "color": PALETTE[0]}, encoding=enc, height={"step": 20})


_INVISIBLE = dict.fromkeys([*range(32), 0x7F, 0x2028, 0x2029, 0x200B, 0x200E, 0x200F, *range(0x202A, 0x202F),
                            *range(0x2066, 0x206A), 0xFEFF], " ")  # fmt: skip


def clean_label(text: Any) -> str:
    """A label from a document for a chart: control, line/paragraph separator, zero-width and bidi
    characters become spaces (they draw nothing useful and can upset a renderer)."""
    return " ".join(str(text).translate(_INVISIBLE).split())


def rate_lines(
    data: list[dict[str, Any]], *, title: str, years: Sequence[str], series: Sequence[str]
) -> dict[str, Any]:
    """Rates per year (rows ``{"year", "series", "value"}``): lines with points, y as percent."""
    enc = {
        "x": {
            "field": "year",
            "type": "ordinal",
            "title": None,
            "sort": list(years),
            "axis": {"labelAngle": 0},
        },
        "y": {"field": "value", "type": "quantitative", "title": None, "axis": {"format": ".0%"}},
        "color": {
            "field": "series",
            "type": "nominal",
            "title": None,
            "scale": {"domain": list(series), "range": list(PALETTE[: len(series)])},
        },
        "tooltip": [{"field": "year"}, {"field": "series"}, {"field": "value", "format": ".1%"}],
    }
    return _spec(data, title, mark={"type": "line", "point": True}, encoding=enc, height=200)


# ----------------------------------------------------------------------------- rendering


@functools.lru_cache(maxsize=1)
def _vlc():
    import vl_convert

    return vl_convert


def render_svg(spec: dict[str, Any]) -> str:
    """The spec as a static, sanitised SVG string (vl-convert; no network: data is inline and
    ``allowed_base_urls`` is empty, so a spec cannot load anything)."""
    svg = _vlc().vegalite_to_svg(spec, allowed_base_urls=[])
    return sanitise_svg(svg)


_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK = "{http://www.w3.org/1999/xlink}href"
_DROP = {"script", "foreignObject", "iframe", "object", "embed", "image", "use", "animate", "set", "a"}


def sanitise_svg(svg: str) -> str:
    """Parse the SVG and keep only inert drawing: no script/foreignObject/image/use/a/animation
    elements, no ``on*`` attributes, no ``href`` other than ``#fragment``, no ``style`` with ``url(``."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    root = etree.fromstring(svg.encode("utf-8"), parser)
    for el in list(root.iter()):
        if not isinstance(el.tag, str):  # processing instructions, comments
            el.getparent().remove(el)
            continue
        local = etree.QName(el).localname
        if local in _DROP:
            el.getparent().remove(el)
            continue
        for attr in list(el.attrib):
            name = etree.QName(attr).localname.lower()
            value = el.attrib[attr]
            if (
                name.startswith("on")
                or (name == "href" and not value.startswith("#"))
                or (name == "style" and "url(" in value.lower())
            ):
                del el.attrib[attr]
    return etree.tostring(root, encoding="unicode")
