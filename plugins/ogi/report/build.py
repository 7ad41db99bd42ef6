"""Building pages: one region-year (and the regions directly below it), or every city's pages after a
load (the ``report`` task of ``ogi_analyst_outputs``).

Layout: ``<out>/<region id>/<year>/index.html`` (default ``OGI_HOME/reports``). Pages link to their
parent region's page, the regions below them and the same region's other years, relatively, so the
folder can be copied or zipped as a whole and opened from ``file://``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from ogi import config
from ogi.report.render import page_href, path_part, render_page

log = logging.getLogger(__name__)


def reports_dir() -> Path:
    return config.home() / "reports"


def page_path(out_dir: Path, region: str, year: int) -> Path:
    return Path(out_dir) / path_part(region) / str(year) / "index.html"


def _write(path: Path, html: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(html, "utf-8")
    tmp.replace(path)


def build_page(
    engine: Engine,
    region: str,
    year: int,
    out_dir: Path,
    *,
    built: Iterable[tuple[str, int]] = (),
    charts: bool = True,
) -> tuple[Path, dict[str, Any]]:
    """Write one region-year page; returns its path and the rows it was built from. ``built``: the
    region-years written in the same run (linked even before their file exists)."""
    from ogi.report.page import build_page as model
    from ogi.report.queries import collect

    data = collect(engine, region, year)
    reg = data["region"]
    built = set(built) | {(reg["id"], year)}

    def exists(rid: str, y: int) -> bool:
        return (rid, y) in built or page_path(out_dir, rid, y).exists()

    parent = data["parent"]
    year_href = {y: page_href(reg["id"], reg["id"], y) for y in data["years"] if exists(reg["id"], y)}
    links = {
        "parent": (page_href(reg["id"], parent["id"], year), parent["name"])
        if parent and exists(parent["id"], year)
        else None,
        "years": [(y, year_href.get(y)) for y in data["years"]],
        "year_href": year_href,
        "children": {
            c["id"]: page_href(reg["id"], c["id"], year) for c in data["children"] if exists(c["id"], year)
        },
    }
    page = model(data, charts=charts)
    path = page_path(out_dir, reg["id"], year)
    _write(path, render_page(page, links=links))
    return path, data


def build_report(
    engine: Engine,
    region: str,
    year: int,
    out_dir: Path | None = None,
    *,
    children: bool = True,
    progress: Callable[[str], None] | None = None,
    built: Iterable[tuple[str, int]] = (),
) -> list[Path]:
    """The page of ``region`` (id or name) and ``year``, then (``children``) the pages of the regions
    directly below it, each linked from the first page. ``built``: other region-years the same run
    writes (linked although their files do not exist yet). Returns the paths, the region's own first."""
    from ogi.report.queries import collect_children

    out_dir = Path(out_dir or reports_dir())
    reg_id, kids = collect_children(engine, region)
    todo = [(reg_id, year)] + ([(k, year) for k in kids] if children else [])
    paths = []
    for rid, y in todo:
        path, _ = build_page(engine, rid, y, out_dir, built=[*todo, *built])
        paths.append(path)
        if progress:
            progress(f"{rid}/{y}")
        log.info("report page %s", path)
    return paths


def refresh_reports(
    out_dir: Path | None = None,
    *,
    engine: Engine | None = None,
    regions: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, str]:
    """Pages of every city (a region with no parent; or ``regions``) for every year with a loaded report
    (or ``years``), each with the regions directly below it. Returns ``{"<region>/<year>": path}``."""
    from ogi.warehouse import db

    own = engine is None
    engine = engine or db.get_engine()
    try:
        from ogi.report.queries import region_years

        if regions:
            cities = list(regions)
        else:
            with engine.connect() as c:
                sql = "SELECT id FROM regions WHERE parent_id IS NULL ORDER BY id"
                cities = [r for (r,) in c.execute(text(sql))]
        from ogi.report.queries import collect_children

        out: dict[str, str] = {}
        for city in cities:
            wanted = sorted(set(years)) if years else region_years(engine, city)
            city_id, kids = collect_children(engine, city)
            every = [(r, y) for r in (city_id, *kids) for y in wanted]  # all linked to each other
            for y in wanted:
                for path in build_report(engine, city, y, out_dir, progress=progress, built=every):
                    out[f"{path.parent.parent.name}/{y}"] = str(path)
        return out
    finally:
        if own:
            engine.dispose()
