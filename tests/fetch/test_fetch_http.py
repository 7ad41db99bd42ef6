"""The HTTP client's rules, each against the local portal with injected faults."""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time

import pytest
from fetchkit import FAST

from ogi.fetch.archive import Archive
from ogi.fetch.http import BlockedError, FetchError, HttpClient, decode_body, is_private_host
from ogi_dev.portal import serve_portal, write_page

H = "www.t.gov.cn"
PAGE = "<html><head><meta charset='utf-8'></head><body>政府信息公开</body></html>"


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "portal"
    write_page(root, f"http://{H}/a.html", PAGE)
    write_page(root, f"http://{H}/b.html", PAGE.replace("公开", "公开乙"))
    write_page(root, "http://other.gov.cn/x.html", PAGE)
    return root


def client(portal, archive=None, **policy) -> HttpClient:
    return HttpClient(
        dataclasses.replace(FAST, **policy), via=portal.base_url, allow_private_hosts=True, archive=archive
    )


def test_conditional_request_does_not_download_again(site, tmp_path):
    archive = Archive(tmp_path / "archive")
    with serve_portal(site) as portal, client(portal, archive) as c:
        first = c.get(f"http://{H}/a.html", allowed_hosts=[H])
        second = c.get(f"http://{H}/a.html", allowed_hosts=[H])
    assert (first.status, first.from_archive) == (200, False)
    assert (second.status, second.from_archive, second.body) == (304, True, first.body)
    assert first.sha256 == second.sha256
    records = archive.records(first.sha256)
    assert [r["status"] for r in records] == [200, 304]
    with (
        serve_portal(site) as portal,
        HttpClient(
            FAST, via=portal.base_url, allow_private_hosts=True, archive=archive, conditional=False
        ) as c,
    ):
        forced = c.get(f"http://{H}/a.html", allowed_hosts=[H])
    assert (forced.status, forced.from_archive) == (200, False)
    assert records[0]["headers"]["etag"] and records[0]["url"] == f"http://{H}/a.html"


def test_retry_after_is_honoured(site):
    with (
        serve_portal(site, faults={"/a.html": ["429:1", "ok"]}) as portal,
        client(portal, max_backoff=2) as c,
    ):
        t = time.monotonic()
        r = c.get(f"http://{H}/a.html", allowed_hosts=[H])
        assert r.status == 200 and time.monotonic() - t >= 0.95


def test_retries_are_bounded(site):
    with serve_portal(site, faults={"/a.html": "500"}) as portal, client(portal, retries=2) as c:
        with pytest.raises(FetchError) as e:
            c.get(f"http://{H}/a.html", allowed_hosts=[H])
        assert e.value.reason == "http_500" and portal.hits("/a.html") == 3


def test_connection_dropped_is_retried(site):
    with serve_portal(site, faults={"/a.html": ["close", "ok"]}) as portal, client(portal) as c:
        assert c.get(f"http://{H}/a.html", allowed_hosts=[H]).status == 200
        assert portal.hits("/a.html") == 2


def test_redirects_same_host_followed_foreign_refused(site):
    faults = {
        "/r1": "redirect:/a.html",
        "/r2": "redirect:http://evil.example.com/a.html",
        "/loop": "redirect:/loop",
    }
    with serve_portal(site, faults=faults) as portal, client(portal) as c:
        r = c.get(f"http://{H}/r1", allowed_hosts=[H])
        assert (r.final_url, r.redirects) == (f"http://{H}/a.html", [f"http://{H}/r1"])
        with pytest.raises(BlockedError) as e:
            c.get(f"http://{H}/r2", allowed_hosts=[H])
        assert e.value.reason == "foreign_redirect" and "evil.example.com" in str(e.value)
        with pytest.raises(FetchError) as e:
            c.get(f"http://{H}/loop", allowed_hosts=[H])
        assert e.value.reason == "too_many_redirects"


def test_hosts_and_private_addresses(site):
    with serve_portal(site) as portal:
        with client(portal) as c, pytest.raises(BlockedError) as e:
            c.get("http://other.gov.cn/x.html", allowed_hosts=[H])
        assert e.value.reason == "host_not_allowed"
        with HttpClient(FAST, via=portal.base_url) as c, pytest.raises(BlockedError) as e:
            c.get(f"http://{H}/a.html", allowed_hosts=[H])
        assert e.value.reason == "private_host"
        with HttpClient(FAST) as c, pytest.raises(BlockedError) as e:  # no via: the URL itself is loopback
            c.get(portal.base_url + "/a.html", allowed_hosts=["127.0.0.1"])
        assert e.value.reason == "private_host"
    assert is_private_host("10.1.2.3") and is_private_host("localhost") and not is_private_host("8.8.8.8")


def test_politeness_delay_and_per_host_limit(site):
    with serve_portal(site) as portal, client(portal, delay=0.1) as c:
        t = time.monotonic()
        for _ in range(4):
            c.get(f"http://{H}/b.html", allowed_hosts=[H])
        assert time.monotonic() - t >= 0.3  # 4 starts spaced by 0.1 s
    with serve_portal(site, latency=0.15) as portal, client(portal, per_host=1) as c:
        t = time.monotonic()
        threads = [
            threading.Thread(target=c.get, args=(f"http://{H}/b.html",), kwargs={"allowed_hosts": [H]})
            for _ in range(3)
        ]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert time.monotonic() - t >= 0.45  # one at a time
        starts = [r["t"] for r in portal.requests]
        assert len(starts) == 3 and min(b - a for a, b in itertools.pairwise(starts)) >= 0.14


def test_slow_endless_body_is_cut_at_the_size_limit(site, tmp_path):
    archive = Archive(tmp_path / "archive")
    with (
        serve_portal(site, faults={"/a.html": "slow"}) as portal,
        client(portal, archive, max_bytes=100_000) as c,
    ):
        t = time.monotonic()
        with pytest.raises(FetchError) as e:
            c.get(f"http://{H}/a.html", allowed_hosts=[H])
        assert e.value.reason == "too_large" and time.monotonic() - t < FAST.deadline
        assert portal.hits("/a.html") == 1
    (cut,) = [p for p in (tmp_path / "archive" / "objects").rglob("*") if p.is_file()]
    assert cut.stat().st_size == 100_000
    (record,) = archive.records(cut.name)
    assert record["truncated"] is True and record["url"] == f"http://{H}/a.html"


def test_declared_too_large_refused_without_reading(site, tmp_path):
    archive = Archive(tmp_path / "archive")
    with (
        serve_portal(site) as portal,
        client(portal, archive, max_bytes=50) as c,
        pytest.raises(FetchError) as e,
    ):
        c.get(f"http://{H}/a.html", allowed_hosts=[H])
    assert e.value.reason == "too_large" and not (tmp_path / "archive" / "objects").exists()


def test_charset_detection():
    gbk = "<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb2312'></head>年度报告</html>"
    assert "年度报告" in decode_body(gbk.encode("gbk"))
    assert "年度报告" in decode_body("<p>政府信息公开年度报告</p>".encode("gbk"))  # undeclared
    assert "年度报告" in decode_body("<p>年度报告</p>".encode("gbk"), "GBK")  # header
    assert "年度报告" in decode_body("<p>年度报告</p>".encode(), "gbk")  # wrong header, still right
