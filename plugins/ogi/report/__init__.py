"""The analysts' municipal report: one self-contained HTML page per region and year.

``build_report(engine, region, year)`` writes ``OGI_HOME/reports/<region>/<year>/index.html`` (and the
pages of the regions directly below it, which the page links to). The page has its CSS, JavaScript and
charts inline (Vega-Lite specs rendered to SVG offline by ``vl-convert-python``), makes no network
request, works from ``file://``, and every number in its tables opens the printed cells it comes from
(organ, report URL, sha256, table/row/column or page and bounding box, printed text).

* ``ogi.report.queries``: everything the page shows, read from the warehouse views of include/sql and
  ``ogi.warehouse.summary`` (no metric is computed here);
* ``ogi.report.sources``: the drill-down: which facts (cells) and reports each number comes from;
* ``ogi.report.charts``: the Vega-Lite specs and their offline rendering to sanitised SVG;
* ``ogi.report.render``: the HTML page (Jinja2 with autoescape: everything from a document is text);
* ``ogi.report.build``: building pages and refreshing every city's pages after a load;
* ``ogi.report.commands``: ``ogi report``.

Nothing heavy is imported here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from sqlalchemy import Engine


def build_report(engine: Engine, region: str, year: int, out_dir: Path | None = None, **kw) -> list[Path]:
    """Pages of ``region`` (id or name) and ``year`` and of the regions directly below it; the first
    path is the region's own page (see ``ogi.report.build.build_report``)."""
    from ogi.report.build import build_report as _build

    return _build(engine, region, year, out_dir, **kw)


def refresh_reports(out_dir: Path | None = None, **kw) -> dict[str, str]:
    """Every city's pages for every loaded year (what the analyst-outputs DAG runs after a load)."""
    from ogi.report.build import refresh_reports as _refresh

    return _refresh(out_dir, **kw)
