"""``ogi validate``: readable output, --json, exit codes 0 / 1 / 2."""

from __future__ import annotations

import json

from ogi.cli import main
from ogi.templates import V2021
from ogi_dev.samples import random_report


def _write(path, report):
    path.write_text(json.dumps(report.to_canonical(), ensure_ascii=False), "utf-8")
    return path


def test_exit_codes_and_json(tmp_path, capsys):
    good = _write(tmp_path / "good.truth.json", random_report(1, V2021))
    broken = random_report(2, V2021)
    broken.table4["review_total"] += 1
    bad = _write(tmp_path / "bad.json", broken)

    assert main(["validate", "--no-data-docs", str(good)]) == 0
    out = capsys.readouterr().out
    assert "good.truth.json" in out and "0 failed" in out

    assert main(["validate", "--json", "--no-data-docs", str(good), str(bad)]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert {"report", "rule", "severity", "status", "where", "lhs", "rhs"} <= set(rows[0])
    failed = [r for r in rows if r["status"] == "failed"]
    assert [(r["report"], r["rule"], r["where"]) for r in failed] == [(str(bad), "T4-H1", "t4.review")]
    assert failed[0]["lhs"] == failed[0]["rhs"] + 1 and "t4.review_total.value" in failed[0]["cells"]

    docs = tmp_path / "docs"
    assert main(["validate", "--data-docs", str(docs), str(bad)]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "T4-H1" in out and "t4.review_total.value" in out
    assert f"Data Docs: {docs / 'index.html'}" in out and (docs / "index.html").exists()


def test_unusable_inputs_exit_2(tmp_path, capsys):
    junk = tmp_path / "junk.json"
    junk.write_text('{"hello": 1}', "utf-8")
    notjson = tmp_path / "x.json"
    notjson.write_text("{", "utf-8")
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    for path in (junk, notjson, empty, tmp_path / "missing.pdf"):
        assert main(["validate", "--no-data-docs", str(path)]) == 2
        err = capsys.readouterr().err
        assert "not a usable report" in err and "Traceback" not in err
    good = _write(tmp_path / "g.json", random_report(3, V2021))
    assert main(["validate", "--no-data-docs", str(good), str(junk)]) == 2  # the good one is still reported
    assert "g.json" in capsys.readouterr().out
