"""The three clocks and Retry-After: no server can hold a fetch past its deadlines, and retries
honour Retry-After (seconds and HTTP-date) only while it fits the total deadline."""

from __future__ import annotations

import email.utils
import re
import socket
import threading
import time

import pytest
from fetchkit import local_client, raw_server

from ogi.fetch.archive import Archive
from ogi.fetch.http import FetchError, _retry_after
from ogi.fetch.settings import HttpPolicy, SettingError, policy_with
from ogi_dev.portal import serve_portal, write_page

H = "www.t.gov.cn"
client = local_client


@pytest.fixture
def site(tmp_path):
    """A portal with one page, http://www.t.gov.cn/a.html."""
    return write_page(
        tmp_path / "portal", f"http://{H}/a.html", "<html><body>政府信息公开</body></html>"
    ).parents[1]


def drip_headers(conn: socket.socket, stop: threading.Event) -> None:
    """Read the request, then send a status line and one header line every 0.1 s, never ending them."""
    conn.settimeout(5)
    conn.recv(65536)
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for i in range(300):  # 30 s at most
        if stop.wait(0.1):
            return
        conn.sendall(f"X-Drip-{i}: x\r\n".encode())


def test_dripping_headers_end_at_the_attempt_deadline():
    """Each header line arrives well within the 0.5 s operation timeout: only the per-attempt
    deadline (headers included) ends the attempt."""
    with (
        raw_server(drip_headers) as server,
        client(server.base_url, timeout=0.5, deadline=0.6, retries=0) as c,
    ):
        t = time.monotonic()
        with pytest.raises(FetchError) as e:
            c.get(f"http://{H}/a.html", allowed_hosts=[H])
        took = time.monotonic() - t
    assert e.value.reason == "timeout" and "0.6 s deadline per attempt" in str(e.value)
    assert 0.55 <= took < 1.5 and server.connections == 1


def test_the_total_deadline_bounds_every_attempt_and_wait():
    """Retries on a dripping server stop at the total deadline, whatever retries are left."""
    with (
        raw_server(drip_headers) as server,
        client(server.base_url, timeout=0.5, deadline=0.6, total_deadline=1.5, retries=9, backoff=0.01) as c,
    ):
        t = time.monotonic()
        with pytest.raises(FetchError) as e:
            c.get(f"http://{H}/a.html", allowed_hosts=[H])
        took = time.monotonic() - t
    assert e.value.reason == "timeout" and "within the 1.5 s total deadline (" in str(e.value)
    assert 1.45 <= took < 2.3 and 2 <= server.connections <= 3


def test_the_total_deadline_bounds_a_hanging_server(site):
    with (
        serve_portal(site, faults={"/a.html": "hang"}) as portal,
        client(portal.base_url, timeout=0.3, deadline=5, total_deadline=1.0, retries=9, backoff=0.01) as c,
    ):
        t = time.monotonic()
        with pytest.raises(FetchError) as e:
            c.get(f"http://{H}/a.html", allowed_hosts=[H])
        assert time.monotonic() - t < 1.6 and 2 <= portal.hits("/a.html") <= 4
    assert e.value.reason == "timeout"


def test_a_dripping_body_ends_at_the_attempt_deadline(site):
    with (
        serve_portal(site, faults={"/a.html": "drip"}) as portal,
        client(portal.base_url, timeout=0.5, deadline=0.7, retries=0) as c,
    ):
        t = time.monotonic()
        with pytest.raises(FetchError) as e:
            c.get(f"http://{H}/a.html", allowed_hosts=[H])
        assert time.monotonic() - t < 1.3
    assert e.value.reason == "timeout" and "deadline per attempt" in str(e.value)


def test_500_with_retry_after_seconds_is_retried_after_the_wait(site):
    with (
        serve_portal(site, faults={"/a.html": ["500:1", "ok"]}) as portal,
        client(portal.base_url, max_backoff=2, total_deadline=5) as c,
    ):
        t = time.monotonic()
        r = c.get(f"http://{H}/a.html", allowed_hosts=[H])
        assert r.status == 200 and time.monotonic() - t >= 0.95 and portal.hits("/a.html") == 2


def test_429_with_retry_after_http_date_is_honoured(site):
    when = email.utils.formatdate(time.time() + 2, usegmt=True)  # e.g. "Wed, 21 Oct 2026 07:28:02 GMT"
    with (
        serve_portal(site, faults={"/a.html": [f"429:{when}", "ok"]}) as portal,
        client(portal.base_url, max_backoff=3, total_deadline=5) as c,
    ):
        t = time.monotonic()
        r = c.get(f"http://{H}/a.html", allowed_hosts=[H])
        took = time.monotonic() - t
    assert r.status == 200 and portal.hits("/a.html") == 2
    assert 0.9 <= took < 2.8  # the date has whole seconds: the wait is between 1 and 2 s


def test_a_retry_after_beyond_the_total_deadline_is_not_waited_for(site):
    with (
        serve_portal(site, faults={"/a.html": ["429:30", "ok"]}) as portal,
        client(portal.base_url, max_backoff=60, total_deadline=2) as c,
    ):
        t = time.monotonic()
        with pytest.raises(FetchError) as e:
            c.get(f"http://{H}/a.html", allowed_hosts=[H])
        assert time.monotonic() - t < 0.5 and portal.hits("/a.html") == 1
    assert (e.value.reason, e.value.status) == ("http_429", 429)
    assert "Retry-After of 30 s would pass the 2 s total deadline" in str(e.value)


def test_retry_after_forms():
    assert _retry_after("120") == 120.0 and _retry_after(None) is None and _retry_after("soon") is None
    future = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 28 <= _retry_after(future) <= 30
    assert _retry_after(email.utils.formatdate(time.time() - 30, usegmt=True)) == 0.0
    assert 28 <= _retry_after(email.utils.formatdate(time.time() + 30).replace("+0000", "-0000")) <= 30


def test_settings_are_bounded():
    p = policy_with(None, timeout=5, total_deadline=30.5, retries=0)
    assert (p.timeout, p.deadline, p.total_deadline, p.retries) == (5, HttpPolicy().deadline, 30.5, 0)
    assert policy_with(p, timeout=None) == p
    for bad, words in [
        ({"timeout": 0}, "timeout: 0 is out of range (must be > 0 and <= 600)"),
        ({"retries": 1.5}, "retries: expected an integer"),
        ({"deadline": "60"}, "deadline: expected a number of seconds"),
        ({"colour": 1}, "colour: not a fetch setting"),
    ]:
        with pytest.raises(SettingError, match=re.escape(words)):
            policy_with(None, **bad)
    with pytest.raises(ValueError, match="total_deadline must be > 0"):
        HttpPolicy(total_deadline=0)


def test_oversize_body_is_a_failure_naming_the_limit_not_a_document(site, tmp_path):
    archive = Archive(tmp_path / "archive")
    with (
        serve_portal(site, faults={"/a.html": "slow"}) as portal,
        client(portal.base_url, archive, max_bytes=100_000) as c,
        pytest.raises(FetchError) as e,
    ):
        c.get(f"http://{H}/a.html", allowed_hosts=[H])
    assert e.value.reason == "too_large" and "size limit (max_bytes = 100000)" in str(e.value)
    (cut,) = [p for p in (tmp_path / "archive" / "objects").rglob("*") if p.is_file()]
    assert f"({cut.name[:12]}…), not as a document" in str(e.value)
    assert not archive.is_document(cut.name) and archive.validators(f"http://{H}/a.html") is None
    with pytest.raises(KeyError, match="not a document"):
        archive.get(cut.name)
    (record,) = archive.records(cut.name)
    assert record["limit"] == {"max_bytes": 100_000}
