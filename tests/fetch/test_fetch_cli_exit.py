"""``ogi fetch`` exit codes, its network settings (options over the registry's ``fetch:`` section
over the defaults) and a full disk, on a small generated portal."""

from __future__ import annotations

import errno
import json
import os
import time

import pytest
from fetchkit import registry_text

from ogi.cli import main as ogi
from ogi.fetch import archive as archive_mod
from ogi.fetch.commands import verdict
from ogi_dev.bench.fetch import article_html, listing_html
from ogi_dev.portal import serve_portal, write_page

HOST = "www.gen.gov.cn"
Y = 2023


def col(oid: str) -> str:
    return f"https://{HOST}/xxgk/{oid}/ndbg/"


def title(oid: str, year: int) -> str:
    return f"生成市{oid}局{year}年度政府信息公开工作年度报告"


@pytest.fixture(scope="module")
def portal_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli") / "portal"
    w = write_page
    w(root, col("good"), listing_html([(title("good", Y), "r.html", "2024-01-10")]))
    w(root, col("good") + "r.html", article_html(title("good", Y)))
    w(root, col("offsite"), listing_html([(title("offsite", Y), "https://www.spam.cn/r.html", "2024-01-11")]))
    w(root, col("gone"), listing_html([(title("gone", Y), "missing.html", "2024-01-12")]))
    w(
        root,
        col("none"),
        listing_html([(title("none", y), f"r{y}.html", f"{y + 1}-01-10") for y in (2024, 2022)]),
    )
    w(root, col("hang"), b"never served: the fault hangs")
    return root


def registry_file(tmp_path, fetch: dict | None = None):
    organs = [
        {"id": o, "name": f"生成市{o}局", "listing": col(o)}
        for o in ("good", "offsite", "gone", "none", "hang")
    ]
    path = tmp_path / "gen.yaml"
    path.write_text(registry_text(organs, [HOST], fetch=fetch), "utf-8")
    return str(path)


def run(portal, registry: str, archive, *args: str) -> int:
    base = ["fetch", "--registry", registry, "--year", str(Y), "--via", portal.base_url]
    return ogi([*base, "--archive", str(archive), "--allow-private-hosts", "--workers", "2", *args])


def organs(*ids: str) -> list[str]:
    return [a for o in ids for a in ("--organ", o)]


def test_exit_1_with_one_line_when_nothing_useful_happened(portal_root, tmp_path, capsys):
    with serve_portal(portal_root) as portal:
        assert run(portal, registry_file(tmp_path), tmp_path / "a", *organs("offsite", "gone")) == 1
    err = capsys.readouterr().err.strip().splitlines()
    reason = "every organ failed or was blocked: 1 blocked (host_not_allowed); 1 fetch_failed (http_404)"
    assert err == [f"error: nothing fetched for {Y}: {reason}"]


def test_exit_0_when_a_report_was_found_with_a_warning_for_the_rest(portal_root, tmp_path, capsys):
    with serve_portal(portal_root) as portal:
        assert run(portal, registry_file(tmp_path), tmp_path / "a", *organs("good", "gone", "offsite")) == 0
    out, err = capsys.readouterr()
    assert "good     found" in out
    assert (
        err.strip()
        == "warning: 1 fetch_failed (http_404); 1 blocked (host_not_allowed); the other organs' outcomes stand (re-run to retry)"
    )


def test_exit_0_when_the_year_is_simply_not_published(portal_root, tmp_path, capsys):
    with serve_portal(portal_root) as portal:
        assert run(portal, registry_file(tmp_path), tmp_path / "a", *organs("none"), "--json") == 0
    out, err = capsys.readouterr()
    assert [o["status"] for o in json.loads(out)] == ["not_published"] and err == ""


def test_no_organ_due_is_nothing_useful():
    assert verdict([], 2023) == (
        1,
        "error: nothing fetched for 2023: no organ of the registry is due a report that year",
    )


def test_registry_fetch_settings_apply_and_options_win(portal_root, tmp_path, capsys):
    """A hanging listing: the registry's total deadline (1 s) ends it whatever retries are left;
    --total-deadline replaces it."""
    registry = registry_file(tmp_path, fetch={"timeout": 0.3, "total_deadline": 1, "retries": 9})
    with serve_portal(portal_root, faults={"/xxgk/hang/ndbg/": "hang"}) as portal:
        t = time.monotonic()
        assert run(portal, registry, tmp_path / "a", *organs("hang"), "--json") == 1
        assert time.monotonic() - t < 2.5
        (o,) = json.loads(capsys.readouterr().out)
        assert o["status"] == "fetch_failed" and "the 1 s total deadline" in o["reason"]
        assert (
            run(portal, registry, tmp_path / "a", *organs("hang"), "--json", "--total-deadline", "0.5") == 1
        )
        (o,) = json.loads(capsys.readouterr().out)
        assert "the 0.5 s total deadline" in o["reason"]


@pytest.mark.parametrize(
    ("option", "words"),
    [
        (["--deadline", "0"], "error: --deadline: 0 is out of range (must be > 0 and <= 3600)"),
        (["--retries", "11"], "error: --retries: 11 is out of range (must be >= 0 and <= 10)"),
        (["--total-deadline", "-5"], "error: --total-deadline: -5 is out of range"),
    ],
    ids=["deadline", "retries", "total-deadline"],
)
def test_bad_settings_are_clear_errors(tmp_path, capsys, option, words):
    args = ["fetch", "--registry", registry_file(tmp_path), "--year", str(Y), *option]
    assert ogi(args) == 2
    assert capsys.readouterr().out.startswith(words)


def test_disk_full_stops_the_run_with_one_line_and_nothing_half_written(
    portal_root, tmp_path, capsys, monkeypatch
):
    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(archive_mod, "_write", full)
    with serve_portal(portal_root) as portal:
        assert run(portal, registry_file(tmp_path), tmp_path / "a", *organs("good")) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: fetch stopped: cannot write body ")
    assert "No space left on device (ENOSPC)" in err[0] and "nothing half-written" in err[0]
    assert not [p for p in (tmp_path / "a").rglob("*") if p.is_file()]
