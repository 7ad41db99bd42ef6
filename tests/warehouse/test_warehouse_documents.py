"""Loads keyed by document, not by organ-year (issue 13): when two documents of one organ-year go
through one load, each version is stored with the rule results computed on its own document.

The documents are generated: one report whose numbers satisfy every identity, and the same report with
table 三 ``granted``/``total`` one higher (it fails the hard rules T3-H2 and T3-H3), rendered as HTML.
Both loads are checked: ``ogi load`` (``cmd_load``) and the DAG's validate and load tasks
(``ogi.pipeline.validate_batch`` / ``load``), each on SQLite and on PostgreSQL, in both orders (the
failing document last, then first), against loading each document on its own.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from ogi.cli import main
from ogi.model import sha256_hex

ORGAN = "某市测试局"
REGION = "某市"
YEAR = 2023
#: the hard rules the altered document breaks (T3-H2: the 总计 column; T3-H3: the granted row)
BROKEN = {("T3-H2", "t3.*.total"), ("T3-H3", "t3.granted.*")}
RESULT_COLS = "rule_id, severity, status, where_, lhs, rhs, cells, imputed_zero, detail"


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, Path]:
    """``good``: a report that passes every hard rule; ``bad``: the same report, one cell changed."""
    from ogi_dev.samples import random_report
    from ogi_dev.synth.city import render_document
    from ogi_dev.synth.layout import build_page

    rep = random_report(YEAR, "v2021", organ=ORGAN)
    rep.year = YEAR
    rep.title = f"{ORGAN}{YEAR}年政府信息公开工作年度报告"
    rep.published_on = f"{YEAR + 1}-01-20"
    bad = copy.deepcopy(rep)
    bad.table3["granted"]["total"] += 1
    out = tmp_path_factory.mktemp("docs")
    paths = {}
    for name, r in (("good", rep), ("bad", bad)):
        data, ext = render_document(build_page(r), "html")
        paths[name] = out / f"{name}.{ext}"
        paths[name].write_bytes(data)
    return paths


def _versions(url: str) -> list[dict]:
    """Every stored version of the organ-year, with its own rule results (natural columns only)."""
    eng = sa.create_engine(url)
    with eng.connect() as c:
        reports = c.execute(
            sa.text(
                "SELECT r.id, r.version, r.is_current, r.sha256, r.status, s.version AS superseded_by"
                " FROM reports r LEFT JOIN reports s ON s.id = r.superseded_by"
                " WHERE r.year = :y ORDER BY r.version"
            ),
            {"y": YEAR},
        ).all()
        out = []
        for r in reports:
            results = c.execute(
                sa.text(f"SELECT {RESULT_COLS} FROM validation_results WHERE report_id = :i"), {"i": r.id}
            ).all()
            out.append(
                {
                    "version": r.version,
                    "is_current": bool(r.is_current),
                    "sha256": r.sha256,
                    "status": r.status,
                    "superseded_by": r.superseded_by,
                    "results": sorted(tuple(x) for x in results),
                    "hard_failures": {
                        (x.rule_id, x.where_)
                        for x in results
                        if x.status == "failed" and x.severity == "error"
                    },
                }
            )
    eng.dispose()
    return out


def _alone(paths: list[Path], tmp_path: Path, tag: str) -> dict[str, list]:
    """sha256 -> rule results of the document loaded on its own (one ``ogi load`` per file, fresh SQLite)."""
    out = {}
    for i, p in enumerate(paths):
        url = f"sqlite:///{tmp_path / f'alone-{tag}-{i}.db'}"
        assert main(["load", str(p), "--warehouse", url, "--region", REGION]) == 0
        (v,) = _versions(url)
        out[v["sha256"]] = v["results"]
    return out


def _check(versions: list[dict], order: list[str], paths: dict[str, Path], alone: dict[str, list]) -> None:
    shas = [sha256_hex(paths[name].read_bytes()) for name in order]
    assert [v["sha256"] for v in versions] == shas  # both versions, in batch order
    assert [v["is_current"] for v in versions] == [False, True]  # the later one current
    assert versions[0]["superseded_by"] == 2 and versions[1]["superseded_by"] is None
    for v, name in zip(versions, order, strict=True):
        assert v["results"], f"version {v['version']} ({name}) has no rule results"
        assert v["results"] == alone[v["sha256"]], (
            f"version {v['version']} ({name}) has another document's results"
        )
        assert v["hard_failures"] == (BROKEN if name == "bad" else set()), (name, v["hard_failures"])


@pytest.mark.parametrize("order", [["good", "bad"], ["bad", "good"]], ids=["failing_last", "failing_first"])
def test_ogi_load_keeps_each_documents_own_results(db_url, documents, order, tmp_path, capsys):
    paths = [documents[name] for name in order]
    alone = _alone(paths, tmp_path, "cli")
    capsys.readouterr()
    assert main(["load", *map(str, paths), "--warehouse", db_url, "--region", REGION]) == 0
    out = capsys.readouterr().out.splitlines()
    _check(_versions(db_url), order, documents, alone)
    # one line per document, each with its own hard-rule count and hash
    lines = [line for line in out if line.startswith(f"{ORGAN}/{YEAR}\t")]
    assert len(lines) == 2
    for line, name in zip(lines, order, strict=True):
        assert f"hard-rule failures: {2 if name == 'bad' else 0}" in line
        assert sha256_hex(documents[name].read_bytes())[:12] in line
    assert "(kept, not current)" in lines[0] and "supersedes the previous version" in lines[1]
    # loading the same two files again changes nothing
    before = _versions(db_url)
    assert main(["load", *map(str, paths), "--warehouse", db_url, "--region", REGION]) == 0
    assert _versions(db_url) == before


def _parsed_batch(paths: list[Path], home: Path) -> dict:
    """A parsed batch as ``ogi.pipeline.parse_batch`` hands it on: both documents for one organ-year."""
    from ogi.parse import parse_bytes

    items = []
    for p in paths:
        data = p.read_bytes()
        parsed = parse_bytes(data, filename=p.name)
        stored = parsed.to_dict()
        stored["_meta"]["sections"] = parsed.sections
        sha = sha256_hex(data)
        path = home / f"{sha}.json"
        path.write_text(json.dumps(stored, ensure_ascii=False), "utf-8")
        items.append(
            {
                "organ_id": "test-organ",
                "organ_name": ORGAN,
                "region_id": "test-region",
                "year": YEAR,
                "status": "found",
                "sha256": sha,
                "url": p.as_uri(),
                "parse": {"status": parsed.status, "path": str(path)},
            }
        )
    return {
        "batch_id": "test-2023-000",
        "registry": "none.yaml",
        "city": "test",
        "year": YEAR,
        "items": items,
    }


@pytest.mark.parametrize("order", [["good", "bad"], ["bad", "good"]], ids=["failing_last", "failing_first"])
def test_dag_validate_and_load_keep_each_documents_own_results(
    db_url, documents, order, tmp_path, monkeypatch
):
    from ogi import pipeline

    monkeypatch.setenv("OGI_WAREHOUSE_URL", db_url)
    paths = [documents[name] for name in order]
    alone = _alone(paths, tmp_path, "dag")
    run = {"run_id": f"docs-{'-'.join(order)}", "run_dir": str(tmp_path / "run"), "registries": []}
    validated = pipeline.validate_batch(run, _parsed_batch(paths, tmp_path))
    assert [i["rules_failed"]["error"] for i in validated["items"]] == [2 if n == "bad" else 0 for n in order]
    stored = json.loads(Path(validated["results_path"]).read_text("utf-8"))
    assert {r["report"] for r in stored} == {f"test-organ/{YEAR}@{i['sha256']}" for i in validated["items"]}
    loaded = pipeline.load(run, [validated])
    assert loaded["groups"][0]["inserted"] == 2
    _check(_versions(db_url), order, documents, alone)
