"""The raw archive (content-addressed, idempotent, records per fetch) and the local portal server."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from ogi.fetch.archive import Archive, ArchiveStore
from ogi_dev.portal import page_path, populate_from_tsv, serve_portal, write_page


def test_same_bytes_twice_is_one_body_two_records(tmp_path):
    a = Archive(tmp_path)
    meta = {
        "url": "https://x.gov.cn/a",
        "final_url": "https://x.gov.cn/a",
        "status": 200,
        "headers": {"etag": "1"},
    }
    sha = a.put(b"report", meta)
    assert sha == hashlib.sha256(b"report").hexdigest()
    body_file = a.path(sha)
    mtime = body_file.stat().st_mtime_ns
    assert a.put(b"report", {**meta, "url": "https://mirror/a"}) == sha
    assert body_file.stat().st_mtime_ns == mtime  # not rewritten
    recs = a.records(sha)
    assert [r["url"] for r in recs] == ["https://x.gov.cn/a", "https://mirror/a"]
    assert all(r["fetched_at"].endswith("Z") and r["size"] == 6 and r["sha256"] == sha for r in recs)
    assert a.get(sha) == b"report" and a.has(sha) and isinstance(a, ArchiveStore)
    with pytest.raises(KeyError):
        a.get("0" * 64)
    with pytest.raises(ValueError):
        a.get("../../etc/passwd")


def test_concurrent_puts_keep_every_record(tmp_path):
    a = Archive(tmp_path)
    with ThreadPoolExecutor(8) as pool:
        shas = list(pool.map(lambda i: a.put(b"x" * (i % 3), {"url": f"u{i}"}), range(60)))
    assert len(set(shas)) == 3
    assert sum(len(a.records(s)) for s in set(shas)) == 60


def test_validators_only_while_the_body_is_kept(tmp_path):
    a = Archive(tmp_path)
    sha = a.put(b"page", {"url": "u"})
    a.remember("u", sha256=sha, etag='"e1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    assert a.validators("u")["etag"] == '"e1"'
    a.path(sha).unlink()
    assert a.validators("u") is None  # nothing to fall back on: fetch unconditionally


def test_portal_serves_by_host_and_path(tmp_path):
    write_page(tmp_path, "https://www.a.gov.cn/col/", "<html>A</html>")
    write_page(tmp_path, "https://www.b.gov.cn/col/x.htm", "<html>B</html>")
    (tmp_path / "www.a.gov.cn" / "col" / "index.html").rename(tmp_path / "www.a.gov.cn" / "col" / "index.htm")
    faults = {"www.b.gov.cn/col/x.htm": ["404", "ok"]}
    with serve_portal(tmp_path, faults=faults) as p, httpx.Client(base_url=p.base_url) as c:
        assert p.base_url.startswith("http://127.0.0.1:")
        assert c.get("/col/", headers={"Host": "www.a.gov.cn"}).text == "<html>A</html>"
        assert c.get("/col/x.htm", headers={"Host": "www.a.gov.cn"}).status_code == 404
        assert c.get("/col/x.htm", headers={"Host": "www.b.gov.cn:443"}).status_code == 404  # fault
        r = c.get("/col/x.htm", headers={"Host": "www.b.gov.cn:443"})
        assert (r.status_code, r.text, r.headers["content-type"]) == (200, "<html>B</html>", "text/html")
        assert (
            c.get(
                "/col/x.htm", headers={"Host": "www.b.gov.cn", "If-None-Match": r.headers["etag"]}
            ).status_code
            == 304
        )
        assert c.head("/col/x.htm", headers={"Host": "www.b.gov.cn"}).headers["content-length"] == "14"
        for bad in ("/../www.b.gov.cn/col/x.htm", "/%2e%2e/www.b.gov.cn/col/x.htm"):
            assert c.get(bad, headers={"Host": "www.a.gov.cn"}).status_code == 404
        assert c.get("/col/", headers={"Host": ".."}).status_code == 404
    assert p.hits("/col/x.htm") == 5


def test_portal_latency(tmp_path):
    write_page(tmp_path, "http://h/a", "x")
    with serve_portal(tmp_path, latency=0.2) as p:
        r = httpx.get(p.base_url + "/a", headers={"Host": "h"})
    assert r.status_code == 200 and r.elapsed.total_seconds() >= 0.2


def test_page_path_and_tsv(tmp_path):
    assert (
        page_path(tmp_path, "https://WWW.A.gov.cn/col/") == tmp_path / "www.a.gov.cn" / "col" / "index.html"
    )
    assert page_path(tmp_path, "http://h/%E5%B9%B4%E6%8A%A5.pdf?x=1") == tmp_path / "h" / "年报.pdf"
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.html").write_text("<html>a</html>", "utf-8")
    (tmp_path / "src" / "map.tsv").write_text("url\tfile\nhttps://h.gov.cn/x/\ta.html\n", "utf-8")
    assert populate_from_tsv(tmp_path / "src" / "map.tsv", tmp_path / "root") == [
        tmp_path / "root" / "h.gov.cn" / "x" / "index.html"
    ]
    with pytest.raises(ValueError):
        page_path(tmp_path, "/relative")
