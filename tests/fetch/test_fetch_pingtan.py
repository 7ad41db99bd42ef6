"""The real worked example: the pingtan registry against a local replay of the real portal pages.

The portal is built at test time from ../shared/corpus (portal.tsv maps each real URL to its
file); every other URL answers 404, like the report years the corpus does not hold.
"""

from __future__ import annotations

import hashlib

import pytest
from fetchkit import FAST, corpus_portal, portal_rows
from testenv import REPO, truth_for

from ogi.fetch.archive import Archive
from ogi.fetch.registry import load_registry
from ogi.fetch.run import fetch_reports
from ogi_dev.portal import serve_portal

REGISTRY = REPO / "include" / "registry" / "pingtan.yaml"


@pytest.fixture(scope="module")
def replay(corpus_dir, tmp_path_factory):
    root = corpus_portal(corpus_dir, tmp_path_factory.mktemp("pingtan") / "portal")
    with serve_portal(root) as portal:
        yield portal


def _outcomes(replay, tmp_path, year):
    registry = load_registry(REGISTRY)
    archive = Archive(tmp_path / "archive")
    out = fetch_reports(
        registry, year, archive=archive, via=replay.base_url, allow_private_hosts=True, policy=FAST
    )
    return {o.organ_id: o for o in out}, archive


def test_every_year_the_corpus_holds_is_found(replay, corpus_dir, tmp_path):
    files = portal_rows(corpus_dir)
    held = {
        truth_for(corpus_dir / f)["year"]: (url, f) for url, f in files.items() if f.startswith("pingtan_2")
    }
    assert sorted(held) == [2019, 2021, 2023, 2025]
    for year, (url, name) in held.items():
        outcomes, archive = _outcomes(replay, tmp_path, year)
        o = outcomes["pingtan-gov"]
        assert (o.status, o.url, o.source, o.content_type) == ("found", url, "html", "html"), o
        body = archive.get(o.sha256)
        assert body == (corpus_dir / name).read_bytes()
        assert o.sha256 == hashlib.sha256(body).hexdigest()
        assert truth_for(corpus_dir / name)["year"] == year
        assert o.published_on == truth_for(corpus_dir / name)["published_on"]  # not the date in the URL
        assert archive.records(o.sha256)[-1]["final_url"] == url
        assert o.reason is None  # nothing to flag


def test_department_report_via_its_registry_url(replay, corpus_dir, tmp_path):
    outcomes, archive = _outcomes(replay, tmp_path, 2025)
    o = outcomes["pingtan-czj"]
    assert (
        o.status == "found"
        and o.published_on == truth_for(corpus_dir / "pingtan_czj_2025.html")["published_on"]
    )
    assert archive.get(o.sha256) == (corpus_dir / "pingtan_czj_2025.html").read_bytes()


@pytest.mark.parametrize("year", [2020, 2022, 2024])
def test_listed_years_absent_from_the_folder_fail_with_404(replay, tmp_path, year):
    outcomes, _ = _outcomes(replay, tmp_path, year)
    o = outcomes["pingtan-gov"]
    assert o.status == "fetch_failed" and o.reason.startswith("http_404"), o
    assert f"/{year + 1}" in o.url  # the listed item of that year was followed
    # the department's column page is not in the corpus: its listing answers 404
    assert outcomes["pingtan-czj"].status == "fetch_failed"


def test_year_not_listed_is_not_published(replay, tmp_path):
    outcomes, _ = _outcomes(replay, tmp_path, 2015)
    o = outcomes["pingtan-gov"]
    assert o.status == "not_published" and "10 report items" in o.reason
    assert o.listing_pages[0] == "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/"


def test_without_private_override_the_local_portal_is_refused(replay, tmp_path):
    registry = load_registry(REGISTRY)
    out = fetch_reports(registry, 2023, archive=Archive(tmp_path / "a"), via=replay.base_url, policy=FAST)
    assert {o.status for o in out} == {"blocked"}
    assert all("private_host" in o.reason for o in out)
