"""Warehouse test kit: reports as LoadItems (from the corpus truth files and from generated reports),
a registry around them, and sums computed independently from the canonical JSON."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json

import pytest
from testenv import CORPUS

from ogi.fetch.registry import Organ, Region, Registry
from ogi.model import ParsedReport, Report, sha256_hex
from ogi.templates import expected_version
from ogi.warehouse.db import get_engine, upgrade
from ogi.warehouse.load import LoadItem

CITY = "testcity"
#: corpus truth file stem prefix -> (organ id, organ type, district)
CORPUS_ORGANS = {
    "pingtan_czj": ("pingtan-czj", "department", "d1"),
    "pingtan": ("pingtan-gov", "government", "d1"),
    "huaian_hongzequ": ("hongze-gov", "government", "d2"),
    "jingmen_sfj": ("jingmen-sfj", "department", "d2"),
}


def truth_reports() -> list[tuple[str, str, str, dict]]:
    """(organ id, organ type, district, canonical dict) for every corpus truth file."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    out = []
    for p in sorted(CORPUS.glob("*.truth.json")):
        stem = p.name.split(".")[0]
        prefix = next(k for k in CORPUS_ORGANS if stem.startswith(k + "_") and stem[len(k) + 1 :].isdigit())
        organ, otype, district = CORPUS_ORGANS[prefix]
        out.append((organ, otype, district, json.loads(p.read_text("utf-8"))))
    return out


def parsed_of(canonical: dict, sections: dict | None = None) -> ParsedReport:
    rep = Report.from_canonical(copy.deepcopy(canonical))
    return ParsedReport(
        rep,
        "html",
        rep.template_version,
        expected_version(rep.year),
        sections=sections or {"overview": f"{rep.organ} {rep.year} 总体情况"},
    )


def item_of(organ_id: str, canonical: dict, *, region: str | None = None, salt: str = "") -> LoadItem:
    body = json.dumps(canonical, ensure_ascii=False, sort_keys=True) + salt
    return LoadItem(
        organ_id=organ_id,
        year=canonical["year"],
        parsed=parsed_of(canonical),
        source_url=f"https://www.example.gov.cn/{organ_id}/{canonical['year']}.html",
        sha256=sha256_hex(body.encode()),
        fetched_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
        region_id=region,
    )


def generated_reports(n_organs: int = 12) -> list[tuple[str, dict]]:
    """(organ id, canonical dict) for n_organs organs x years 2020 (v2019) and 2021 (v2021)."""
    from ogi_dev.samples import random_report

    out = []
    for i in range(n_organs):
        for year, version in ((2020, "v2019"), (2021, "v2021")):
            rep = random_report(1000 * i + year, version, organ=f"生成机关{i}")
            rep.year = year
            rep.published_on = f"{year + 1}-01-{10 + i % 20:02d}" if i % 3 else f"{year + 1}-02-15"
            out.append((f"gen-{i:03d}", rep.to_canonical()))
    return out


def registry(extra_organs: list[Organ] = ()) -> Registry:
    regions = (
        Region(CITY, "测试市", "city"),
        Region("d1", "一区", "district", CITY),
        Region("d2", "二区", "district", CITY),
        Region("d3", "三县", "county", CITY),
        Region("d3-t1", "某镇", "township", "d3"),
    )
    organs = [Organ(o, o, d, t) for o, t, d in {v for v in CORPUS_ORGANS.values()}]
    organs += list(extra_organs)
    return Registry(CITY, "测试市", regions, tuple(organs), ())


def gen_registry(n_organs: int) -> list[Organ]:
    return [
        Organ(
            f"gen-{i:03d}",
            f"生成机关{i}",
            "d3-t1" if i % 2 else "d3",
            ("department", "township", "government")[i % 3],
        )
        for i in range(n_organs)
    ]


def load_everything(engine, n_gen: int = 12):
    """Registry + corpus truth + generated reports, in one batch. Returns the canonical dicts by organ."""
    from ogi.warehouse.load import RunInfo, load_batch
    from ogi.warehouse.registry_sync import sync_registry

    sync_registry(engine, registry(gen_registry(n_gen)))
    reports = [(o, d) for o, _, _, d in truth_reports()] + generated_reports(n_gen)
    res = load_batch(engine, [item_of(o, d) for o, d in reports], run=RunInfo("run-all"))
    return reports, res


def region_of(organ_id: str) -> set[str]:
    """Every region whose summary includes the organ (computed here, independently of the views)."""
    for o, _, d in CORPUS_ORGANS.values():
        if o == organ_id:
            return {d, CITY}
    i = int(organ_id.split("-")[1])
    return {"d3-t1", "d3", CITY} if i % 2 else {"d3", CITY}


def truth_sums(reports: list[tuple[str, dict]], region: str, year: int) -> dict:
    """Table 三/四 and table 二 (per template version) totals, summed straight from the canonical JSON."""
    t3: dict = {}
    t4: dict = {}
    t2: dict = {}
    for organ, d in reports:
        if d["year"] != year or region not in region_of(organ):
            continue
        for row, cols in d["table3"].items():
            for col, v in cols.items():
                t3.setdefault(row, {}).setdefault(col, None)
                if v is not None:
                    t3[row][col] = (t3[row][col] or 0) + v
        for k, v in d["table4"].items():
            t4.setdefault(k, None)
            if v is not None:
                t4[k] = (t4[k] or 0) + v
        for row, cols in (d.get("table2") or {}).items():
            for col, v in cols.items():
                if col == "label" or col.endswith("_unit"):
                    continue
                unit = cols.get(col + "_unit") or ("万元" if col == "amount_wan" else "unknown")
                slot = t2.setdefault(d["template_version"], {}).setdefault(row, {})
                if col not in ("amount", "amount_wan"):
                    slot.setdefault(col, None)
                    if v is not None:
                        slot[col] = (slot[col] or 0) + v
                else:
                    cell = slot.setdefault(col, {})
                    cell.setdefault(unit, None)
                    if v is not None:
                        cell[unit] = (cell[unit] or 0) + v
    return {"table3": t3, "table4": t4, "table2": t2}


def approx(obj):
    """A structure with floats rounded (sums of doubles may differ in the last bits between databases)."""
    if isinstance(obj, dict):
        return {k: approx(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [approx(v) for v in obj]
    if isinstance(obj, float):
        return int(obj) if obj.is_integer() else round(obj, 6)
    return obj


def snapshot(engine) -> dict:
    """Every row of the data tables (ids included), for before/after comparisons."""
    import sqlalchemy as sa

    out = {}
    with engine.connect() as c:
        for t in ("regions", "organs", "organ_names", "reports", "facts", "sections", "validation_results"):
            rows = c.execute(sa.text(f"SELECT * FROM {t}")).fetchall()
            out[t] = sorted(tuple(str(v) for v in r) for r in rows)
    return out


def migrated_engine(url: str):
    """Fixture body: a migrated engine on ``url``, disposed afterwards."""
    eng = get_engine(url)
    upgrade(eng)
    yield eng
    eng.dispose()


def replace(item: LoadItem, **kw) -> LoadItem:
    return dataclasses.replace(item, **kw)
