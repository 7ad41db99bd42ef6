"""DNS rebinding: the client connects to the address it checked, never to a later DNS answer.

The resolver is injected; the socket layer is replaced by a dialler that records which address the
client asked for and always connects to the local test server instead (nothing leaves 127.0.0.1).
"""

from __future__ import annotations

import dataclasses
import socket
import threading
from contextlib import contextmanager

import pytest
from fetchkit import FAST, raw_server, tls_contexts

from ogi.fetch.http import BlockedError, FetchError, HttpClient, _is_ip
from ogi_dev.portal import serve_portal, write_page

H = "www.t.gov.cn"
PUBLIC = "93.184.216.34"  # a public-looking address: what DNS answers when we check


def rebinding_resolver():
    """Answers PUBLIC the first time, 127.0.0.1 every time after (a rebinding DNS server)."""
    asked: list[str] = []

    def resolve(host: str) -> list[str]:
        asked.append(host)
        return [PUBLIC] if len(asked) == 1 else ["127.0.0.1"]

    return resolve, asked


@contextmanager
def dialler(monkeypatch, port: int, resolver):
    """Record the address every new connection is made to (a name is resolved the way the OS would,
    with ``resolver``), and connect to 127.0.0.1:port whatever it is."""
    dialled: list[str] = []
    real = socket.create_connection

    def create_connection(address, timeout=None, source_address=None, **kw):
        host = address[0]
        dialled.append(host if _is_ip(host) else resolver(host)[0])
        return real(("127.0.0.1", port), timeout)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    yield dialled


def test_connects_to_the_checked_address_not_a_second_dns_answer(tmp_path, monkeypatch):
    root = tmp_path / "portal"
    write_page(root, f"http://{H}/a.html", "<html><body>政府信息公开</body></html>")
    resolve, asked = rebinding_resolver()
    with serve_portal(root) as portal, dialler(monkeypatch, portal.port, resolve) as dialled:
        with HttpClient(FAST, resolver=resolve) as c:  # private addresses refused
            r = c.get(f"http://{H}:{portal.port}/a.html", allowed_hosts=[H])
            assert r.status == 200 and "政府信息公开" in r.text()
            assert asked == [H] and dialled == [PUBLIC]  # resolved once, dialled the checked address
            with pytest.raises(BlockedError) as e:  # the next check sees 127.0.0.1 and refuses it
                c.get(f"http://{H}:{portal.port}/a.html", allowed_hosts=[H])
            assert e.value.reason == "private_host" and dialled == [PUBLIC]
        assert [q["host"] for q in portal.requests] == [H]  # the Host header kept the name


def test_any_private_answer_blocks_before_connecting(monkeypatch):
    dialled = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: dialled.append(a) or 1 / 0)
    with HttpClient(FAST, resolver=lambda host: [PUBLIC, "10.0.0.7"]) as c, pytest.raises(BlockedError):
        c.get(f"http://{H}/a.html", allowed_hosts=[H])
    with HttpClient(FAST, resolver=lambda host: []) as c, pytest.raises(FetchError) as e:
        c.get(f"http://{H}/a.html", allowed_hosts=[H])
    assert e.value.reason == "dns" and not dialled


def https_page(server_ctx, seen: dict):
    """A handler answering one page over TLS; records the SNI and the Host header of each request."""
    seen.update(sni=[], host=[])
    server_ctx.sni_callback = lambda sslobj, name, ctx: seen["sni"].append(name)

    def handle(conn: socket.socket, stop: threading.Event) -> None:
        conn.settimeout(5)
        with server_ctx.wrap_socket(conn, server_side=True) as tls:
            request = b""
            while b"\r\n\r\n" not in request and (chunk := tls.recv(4096)):
                request += chunk
            host = [ln for ln in request.decode().split("\r\n") if ln.lower().startswith("host:")]
            seen["host"].append(host[0].split(":", 1)[1].strip())
            body = "<html><body>政府信息公开</body></html>".encode()
            tls.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )

    return handle


def test_https_keeps_sni_host_and_certificate_name(monkeypatch):
    pytest.importorskip("cryptography")
    server_ctx, client_ctx = tls_contexts(H)
    seen: dict = {}
    resolve = lambda host: [PUBLIC]
    policy = dataclasses.replace(FAST, retries=0)
    with (
        raw_server(https_page(server_ctx, seen)) as server,
        dialler(monkeypatch, server.port, resolve) as dialled,
        HttpClient(policy, resolver=resolve, ssl_context=client_ctx) as c,
    ):
        r = c.get(f"https://{H}:{server.port}/a.html", allowed_hosts=[H, "other.gov.cn"])
        assert r.status == 200 and "政府信息公开" in r.text()
        assert dialled == [PUBLIC] and seen["sni"] == [H] and seen["host"] == [f"{H}:{server.port}"]
        # same pinned address, another name: the certificate is checked against the name
        with pytest.raises(FetchError) as e:
            c.get(f"https://other.gov.cn:{server.port}/a.html", allowed_hosts=["other.gov.cn"])
        assert e.value.reason == "connection" and "certificate" in str(e.value).lower()
        assert dialled == [PUBLIC, PUBLIC] and seen["sni"][-1] == "other.gov.cn"
