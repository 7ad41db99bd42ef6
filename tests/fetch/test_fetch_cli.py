"""``ogi fetch`` against the local replay of the real pingtan pages."""

from __future__ import annotations

import json

from fetchkit import corpus_portal
from testenv import REPO

from ogi.cli import main as ogi
from ogi_dev.portal import serve_portal

REGISTRY = str(REPO / "include" / "registry" / "pingtan.yaml")


def test_ogi_fetch_prints_the_outcome_table(corpus_dir, tmp_path, capsys):
    root = corpus_portal(corpus_dir, tmp_path / "portal")
    archive = tmp_path / "archive"
    with serve_portal(root) as portal:
        base = [
            "fetch",
            "--registry",
            REGISTRY,
            "--via",
            portal.base_url,
            "--archive",
            str(archive),
            "--allow-private-hosts",
            "--timeout",
            "2",
            "--retries",
            "0",
        ]
        assert ogi([*base, "--year", "2023", "--organ", "pingtan-gov"]) == 0
        out = capsys.readouterr().out
        assert "pingtan-gov  found" in out and "2024-03-08" in out and "t20240308_87885.htm" in out
        assert "1 organs, year 2023: 1 found" in out
        # the department has no listing page in the replay: a failure, and the exit code says so
        assert ogi([*base, "--year", "2024", "--json"]) == 1
        rows = json.loads(capsys.readouterr().out)
        assert {r["organ_id"]: r["status"] for r in rows} == {
            "pingtan-gov": "fetch_failed",
            "pingtan-czj": "fetch_failed",
        }
    assert any((archive / "objects").rglob("*"))


def test_ogi_fetch_bad_input_is_a_clear_error(tmp_path, capsys):
    assert ogi(["fetch", "--registry", str(tmp_path / "none.yaml"), "--year", "2023"]) == 2
    assert "none.yaml: file not found" in capsys.readouterr().out
    assert ogi(["fetch", "--registry", REGISTRY, "--year", "2023", "--organ", "教育局"]) == 2
    assert "no organ '教育局'" in capsys.readouterr().out
    assert ogi(["fetch", "--registry", REGISTRY, "--year", "23"]) == 2
