"""A local stand-in for government portals: serves a folder tree ``ROOT/<host>/<path>`` on 127.0.0.1.

The file is picked by the request's Host header + path (a directory serves its ``index.html`` or
``index.htm``), 404 otherwise, so registries keep their real URLs and the HTTP client reaches this
server with ``via=`` (see ``ogi.fetch.http``). Used by tests, the synthetic city, the demo and the
benchmarks; it can add latency and inject faults per path.

Faults: ``faults={"/a/b.htm": ["500", "500", "ok"]}`` plays one action per request to that path
(then serves normally); a plain string instead of a list repeats forever. Keys are a path or
``host/path``. Actions:

- ``ok``: serve the file; ``NNN`` or ``NNN:S``: answer status NNN (with ``Retry-After: S``);
- ``hang``: accept and never answer (until the server stops); ``close``: drop the connection;
- ``endless``: 200 with a body that never ends (as fast as the client reads); ``slow``: the same at
  about 1.6 MB/s (16 KiB every 10 ms); ``drip``: 200, one byte every 0.2 s;
- ``redirect:URL``: 302 to URL (e.g. a foreign host).

Files are served with ETag / Last-Modified and answer conditional requests with 304.
"""

from __future__ import annotations

import csv
import email.utils
import mimetypes
import posixpath
import shutil
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import unquote, urlsplit

_TYPES = {
    ".htm": "text/html",
    ".html": "text/html",
    ".shtml": "text/html",
    ".wps": "application/vnd.ms-works",
    ".doc": "application/msword",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_MAX_WAIT = 120.0  # a hanging or dripping response gives up after this many seconds


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256
    portal: Portal

    def handle_error(self, request, client_address) -> None:
        """Clients dropping connections (timeouts, size limits) are expected; stay quiet about them."""
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:
        pass

    def do_HEAD(self) -> None:
        self._handle(head=True)

    def do_GET(self) -> None:
        self._handle(head=False)

    def _handle(self, *, head: bool) -> None:
        portal = self.server.portal
        host = (self.headers.get("Host") or "").split(":")[0].strip().lower()
        path = unquote(urlsplit(self.path).path) or "/"
        action = portal._next_action(host, path)
        portal._log(host, path, action)
        if portal.latency:
            time.sleep(portal.latency)
        try:
            self._act(portal, action, host, path, head)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            self.close_connection = True

    def _send(self, status: int, body: bytes, headers: Mapping[str, str] = (), head: bool = False) -> None:
        self.send_response(status)
        for k, v in dict(headers).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _act(self, portal: Portal, action: str, host: str, path: str, head: bool) -> None:
        if action == "ok":
            return self._serve_file(portal, host, path, head)
        if action == "close":
            self.close_connection = True
            return None
        if action == "hang":
            portal._stopping.wait(_MAX_WAIT)
            self.close_connection = True
            return None
        if action.startswith("redirect:"):
            return self._send(302, b"", {"Location": action.split(":", 1)[1]}, head)
        if action in ("endless", "slow", "drip"):
            return self._stream(portal, action)
        status, _, retry_after = action.partition(":")
        if not status.isdigit():
            return self._send(
                500, f"unknown fault action {action!r}".encode(), {"Content-Type": "text/plain"}
            )
        headers = {"Content-Type": "text/html; charset=utf-8"}
        if retry_after:
            headers["Retry-After"] = retry_after
        return self._send(int(status), f"<html><body>{status}</body></html>".encode(), headers, head)

    def _stream(self, portal: Portal, action: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        chunk = b"x" if action == "drip" else b"<p>" + b"x" * 16384 + b"</p>\n"
        pause = {"endless": 0.0, "slow": 0.01, "drip": 0.2}[action]
        deadline = time.monotonic() + _MAX_WAIT
        while not portal._stopping.is_set() and time.monotonic() < deadline:
            self.wfile.write(chunk)
            self.wfile.flush()
            if pause:
                portal._stopping.wait(pause)

    def _serve_file(self, portal: Portal, host: str, path: str, head: bool) -> None:
        file = portal.resolve(host, path)
        if file is None:
            return self._send(
                404, b"<html><body>404 Not Found</body></html>", {"Content-Type": "text/html"}, head
            )
        st = file.stat()
        etag = f'"{st.st_size:x}-{st.st_mtime_ns:x}"'
        modified = email.utils.formatdate(st.st_mtime, usegmt=True)
        headers = {"ETag": etag, "Last-Modified": modified}
        inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        if (inm and etag in [t.strip() for t in inm.split(",")]) or (not inm and ims == modified):
            self.send_response(304)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        ctype = (
            _TYPES.get(file.suffix.lower())
            or mimetypes.guess_type(file.name)[0]
            or "application/octet-stream"
        )
        headers["Content-Type"] = ctype
        headers.update(portal._extra_headers(host, path))
        return self._send(200, file.read_bytes(), headers, head)


class Portal:
    """A running local portal; use as a context manager (``serve_portal``) or call ``close()``."""

    def __init__(
        self,
        root: Path | str,
        *,
        port: int = 0,
        latency: float = 0.0,
        faults: Mapping[str, Sequence[str] | str] | None = None,
        headers: Mapping[str, Mapping[str, str]] | None = None,
        bind: str = "127.0.0.1",
    ):
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise FileNotFoundError(f"portal root {self.root} is not a folder")
        self.latency = latency
        self.requests: list[dict] = []  # one entry per request: host, path, action, t
        self._faults = {
            k: ([v] if isinstance(v, str) else list(v), isinstance(v, str)) for k, v in (faults or {}).items()
        }
        self._headers = dict(headers or {})
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _Server((bind, port), _Handler)
        self._server.portal = self
        self.port = self._server.server_address[1]
        self.base_url = f"http://{bind}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="ogi-portal", daemon=True
        )
        self._thread.start()

    def resolve(self, host: str, path: str) -> Path | None:
        """The file for host + path, or None (never outside ``ROOT/<host>``)."""
        if not host or "/" in host or host.startswith("."):
            return None
        base = self.root / host
        rel = posixpath.normpath("/" + path.lstrip("/")).lstrip("/")
        if rel.startswith("..") or "\x00" in rel:
            return None
        target = base / rel if rel not in ("", ".") else base
        if target.is_dir():
            target = next((target / n for n in ("index.html", "index.htm") if (target / n).is_file()), target)
        try:
            target.resolve().relative_to(base.resolve())
        except ValueError:
            return None
        return target if target.is_file() else None

    def _key(self, table: Mapping, host: str, path: str) -> str | None:
        for key in (f"{host}{path}", path):
            if key in table:
                return key
        return None

    def _next_action(self, host: str, path: str) -> str:
        with self._lock:
            key = self._key(self._faults, host, path)
            if key is None:
                return "ok"
            actions, forever = self._faults[key]
            if forever:
                return actions[0]
            return actions.pop(0) if actions else "ok"

    def _extra_headers(self, host: str, path: str) -> Mapping[str, str]:
        key = self._key(self._headers, host, path)
        return self._headers[key] if key else {}

    def _log(self, host: str, path: str, action: str) -> None:
        with self._lock:
            self.requests.append({"host": host, "path": path, "action": action, "t": time.monotonic()})

    def hits(self, path: str) -> int:
        """How many requests asked for ``path`` (any host)."""
        with self._lock:
            return sum(1 for r in self.requests if r["path"] == path)

    def close(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextmanager
def serve_portal(
    root: Path | str,
    *,
    port: int = 0,
    latency: float = 0.0,
    faults: Mapping[str, Sequence[str] | str] | None = None,
    headers: Mapping[str, Mapping[str, str]] | None = None,
) -> Iterator[Portal]:
    """Serve ``root`` on 127.0.0.1 for the duration of the ``with`` block; yields the ``Portal``."""
    portal = Portal(root, port=port, latency=latency, faults=faults, headers=headers)
    try:
        yield portal
    finally:
        portal.close()


# ----------------------------------------------------------------------------- building a portal tree


def page_path(root: Path | str, url: str) -> Path:
    """Where the portal serves ``url`` from: ``ROOT/<host>/<path>`` (a folder URL → its index.html)."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise ValueError(f"not an absolute URL: {url!r}")
    path = unquote(parts.path)
    path += "index.html" if path.endswith("/") or not path else ""
    return Path(root) / parts.hostname.lower() / path.lstrip("/")


def write_page(root: Path | str, url: str, data: bytes | str) -> Path:
    """Put ``data`` where the portal serves ``url``; return the file."""
    dest = page_path(root, url)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return dest


def populate_from_tsv(tsv: Path | str, root: Path | str) -> list[Path]:
    """Copy files listed in a ``url<TAB>file`` table (header line ``url  file``; files relative to the
    table, e.g. shared/corpus/portal.tsv) into a portal tree; return the written files."""
    tsv = Path(tsv)
    out = []
    with open(tsv, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            dest = page_path(root, row["url"])
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tsv.parent / row["file"], dest)
            out.append(dest)
    return out


# ----------------------------------------------------------------------------- CLI


def _serve(args) -> int:
    try:
        portal = Portal(args.root, port=args.port, latency=args.latency)
    except (FileNotFoundError, OSError) as e:
        print(f"error: {e}")
        return 2
    hosts = sorted(p.name for p in portal.root.iterdir() if p.is_dir())
    print(f"serving {portal.root} at {portal.base_url} (hosts: {', '.join(hosts) or 'none'}); Ctrl-C stops")
    print(f"fetch through it with --via {portal.base_url}", flush=True)
    try:
        portal._stopping.wait()
    except KeyboardInterrupt:
        pass
    finally:
        portal.close()
    return 0


def register(sub) -> None:
    p = sub.add_parser("portal", help="serve a local copy of government portals (ROOT/<host>/<path>)")
    psub = p.add_subparsers(dest="portal_command", metavar="ACTION", required=True)
    s = psub.add_parser("serve", help="serve DIR on 127.0.0.1 by Host header + path")
    s.add_argument("root", metavar="DIR", help="folder holding one sub-folder per host")
    s.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    s.add_argument("--latency", type=float, default=0.0, help="seconds added to every response")
    s.set_defaults(func=_serve)
