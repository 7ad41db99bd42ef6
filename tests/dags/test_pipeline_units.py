"""Stage functions without Airflow: batching, dry run, stored parses, notifications."""

from __future__ import annotations

import json

import pytest
from citykit import counts, make_city

from ogi import pipeline
from ogi_dev.portal import serve_portal


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    out = tmp_path_factory.mktemp("unitcity") / "yunlan"
    return out, make_city(out, organs=4, years=(2022,))


def test_batches_cover_each_year_once_and_are_bounded(city):
    from ogi.fetch.registry import load_registry

    city_dir, _ = city
    reg = load_registry(city_dir / "registry.yaml")
    batches = pipeline.make_batches(reg, city_dir / "registry.yaml", [2021, 2022], batch_size=2)
    assert all(len(b["organs"]) <= 2 for b in batches)
    for year in (2021, 2022):
        ids = [o for b in batches if b["year"] == year for o in b["organs"]]
        assert sorted(ids) == sorted(o.id for o in reg.organs if o.active_in(year))
    assert len(pipeline.make_batches(reg, "r.yaml", [2022], batch_size=100)) == 1  # regions share batches
    one = pipeline.make_batches(reg, "r.yaml", [2022], organs=[reg.organs[0].name])  # by name too
    assert [b["organs"] for b in one] == [[reg.organs[0].id]]


REGIONS_YAML = """
registry: 1
city: {id: c, name: 某市}
allowed_hosts: [www.c.gov.cn]
regions:
  - {id: c, name: 某市, level: city}
  - {id: c-d, name: 某区, level: district, parent: c}
  - {id: c-d-t, name: 某镇, level: township, parent: c-d}
organs:
  - {id: c-gov, name: 某市人民政府, region: c, type: government, listing_urls: ["https://www.c.gov.cn/a/"]}
  - {id: c-d-gov, name: 某区人民政府, region: c-d, type: government, listing_urls: ["https://www.c.gov.cn/b/"]}
  - {id: c-d-t-gov, name: 某镇人民政府, region: c-d-t, type: township, listing_urls: ["https://www.c.gov.cn/c/"]}
"""


def test_a_filter_that_matches_nothing_is_a_clear_error(city):
    city_dir, _ = city
    with pytest.raises(ValueError, match="no organ .* matches"):
        pipeline.plan_run(
            {"registry": str(city_dir / "registry.yaml"), "organs": ["nobody"]}, None, run_id="x"
        )


def test_a_region_includes_the_regions_below_it():
    from ogi.fetch.registry import parse_registry

    reg = parse_registry(REGIONS_YAML)
    picked = pipeline.make_batches(reg, "r.yaml", [2022], regions=["c-d"])
    assert [b["organs"] for b in picked] == [["c-d-gov", "c-d-t-gov"]]


def _run_stages(run_id: str, params: dict) -> dict:
    plan = pipeline.plan_run(params, None, run_id=run_id, dag_id="t")
    run = pipeline.load_plan(run_id)
    validated = []
    for b in plan["batches"]:
        parsed = pipeline.parse_batch(run, pipeline.fetch_batch(run, b))
        validated.append(pipeline.validate_batch(run, parsed))
    checked = pipeline.cross_year(run, pipeline.load(run, validated))
    pipeline.summarise(run, checked)
    return json.loads((pipeline.run_dir(run_id) / "summary.json").read_text("utf-8"))


def test_dry_run_loads_nothing_and_says_what_would_change(city, sqlite_url, monkeypatch, tmp_path):
    city_dir, _ = city
    monkeypatch.setenv("OGI_WAREHOUSE_URL", sqlite_url)
    notes = tmp_path / "notify.jsonl"
    monkeypatch.setenv("OGI_NOTIFY", f"file:{notes}")
    with serve_portal(city_dir / "portal") as portal:
        params = {"registry": str(city_dir / "registry.yaml"), "years": [2022], "via": portal.base_url}
        dry = _run_stages("dry-1", {**params, "dry_run": True})
        assert counts(sqlite_url)["reports"] == 0
        assert len(dry["would_change"]) == dry["organ_years"] and all(
            "new report" in w for w in dry["would_change"]
        )
        _run_stages("real-1", params)
        n = counts(sqlite_url)["reports"]
        assert n == dry["organ_years"]
        again = _run_stages("dry-2", {**params, "dry_run": True, "force_parse": True})
    assert all(w.endswith("unchanged") for w in again["would_change"])
    assert counts(sqlite_url)["reports"] == n
    assert not notes.exists()  # the defect-free city breaks no hard rule: nothing to notify


def test_notifications_are_off_by_default_and_go_where_configured(monkeypatch, tmp_path):
    from ogi import notify

    monkeypatch.delenv("OGI_NOTIFY", raising=False)
    assert notify.send({"event": "x"}) is False
    out = tmp_path / "n.jsonl"
    monkeypatch.setenv("OGI_NOTIFY", f"file:{out}")

    class DagRun:
        dag_id, run_id = "ogi_annual_reports", "manual__1"

    notify.OgiNotifier("run_failed").notify({"dag_run": DagRun(), "exception": RuntimeError("boom")})
    assert notify.notify_hard_rule_failures({"run_id": "r", "hard_rule_failures": [{"organ_id": "a"}]})
    lines = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
    assert [m["event"] for m in lines] == ["run_failed", "hard_rule_failures"]
    assert lines[0]["run_id"] == "manual__1" and lines[0]["exception"] == "boom"


def test_stored_parse_round_trips(city, tmp_path):
    from ogi.parse import parse_bytes, store

    city_dir, manifest = city
    e = next(e for e in manifest.entries if e.form == "html")
    from ogi_dev.portal import page_path

    parsed = parse_bytes(page_path(city_dir / "portal", e.document_url).read_bytes(), url=e.document_url)
    path = tmp_path / "p.json"
    d = parsed.to_dict()
    d["_meta"]["sections"] = parsed.sections
    path.write_text(json.dumps(d, ensure_ascii=False), "utf-8")
    back = store.read_parsed(path)
    assert back.report == parsed.report
    assert back.provenance == parsed.provenance and back.sections == parsed.sections
