"""A careful HTTP client for government portals.

Why each rule exists:

- only hosts the registry allows, checked again at every redirect hop: hijacked spam mirrors copy
  government pages, and a redirect to another host is refused and reported (``BlockedError``);
- no private/loopback targets unless the registry allows them (a portal must not make us probe
  the internal network); the local test portal is reached with ``via=`` and needs the override;
- timeouts, an overall deadline per response, bounded retries with exponential backoff on
  timeouts/5xx/429 honouring ``Retry-After``: portals are slow and flaky at report season;
- a per-host concurrency limit and a politeness delay between request starts to the same host;
- a maximum response size, read streamed: a misbehaving server must not fill memory or disk;
- conditional requests (ETag / Last-Modified kept in the archive), so re-runs don't re-download;
- every 200 body goes to the archive before anyone parses it.

Format and charset sniffing reuse ``ogi.parse.detect`` (content decides, names are hints).
"""

from __future__ import annotations

import email.utils
import ipaddress
import random
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Self
from urllib.parse import urljoin, urlsplit

import httpx

from ogi.fetch.archive import ArchiveStore, utc_now
from ogi.model import ParseError
from ogi.parse import detect

USER_AGENT = "ogi-reports/0.1 (collector of annual reports on open government information)"


class FetchError(Exception):
    """A URL could not be fetched. ``reason`` is a short stable code (timeout, http_404, too_large…)."""

    def __init__(self, reason: str, message: str, url: str, *, status: int | None = None):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.url = url
        self.status = status

    def __str__(self) -> str:
        return self.message


class BlockedError(FetchError):
    """The target is not allowed: a host outside the registry, a foreign redirect, a private address."""


@dataclass(frozen=True)
class HttpPolicy:
    """Network manners. Defaults suit live portals; tests and benchmarks pass small values."""

    timeout: float = 20.0  # connect / read timeout per operation (s)
    deadline: float = 120.0  # whole response, headers to last byte (s): a dripping body ends here
    retries: int = 3  # further attempts after the first, on timeouts, connection errors, 5xx, 429
    backoff: float = 1.0  # first retry waits this long (s), doubling each time
    max_backoff: float = 60.0  # cap on one wait, also on Retry-After
    max_bytes: int = 64 * 2**20  # larger bodies are cut and refused
    max_redirects: int = 5
    per_host: int = 4  # concurrent requests to one host
    delay: float = 0.1  # minimum spacing of request starts to one host (s)
    user_agent: str = USER_AGENT


@dataclass
class Response:
    url: str  # as requested
    final_url: str  # after redirects
    status: int  # 200, or 304 when the archived body was still current
    headers: dict[str, str]
    body: bytes
    fetched_at: str
    redirects: list[str] = field(default_factory=list)
    sha256: str | None = None  # archive key (None when no archive)
    from_archive: bool = False  # 304 Not Modified: body read back from the archive

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def header_charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            k, _, v = part.partition("=")
            if k.strip().lower() == "charset" and v.strip():
                cs = v.strip().strip("\"'")
                # servers default to ISO-8859-1 for everything; it says nothing about a Chinese page
                return None if cs.lower() in ("iso-8859-1", "latin-1", "latin1") else cs
        return None

    @property
    def filename(self) -> str:
        """Name from Content-Disposition, else the last path segment of the final URL."""
        cd = self.headers.get("content-disposition", "")
        for part in cd.split(";"):
            k, _, v = part.strip().partition("=")
            if k.lower() in ("filename", "filename*") and v:
                v = v.strip("\"'")
                return v.split("''", 1)[-1] if k.lower() == "filename*" else v
        return urlsplit(self.final_url).path.rsplit("/", 1)[-1] or "index.html"

    @property
    def kind(self) -> str:
        """Sniffed format: html, pdf, docx, doc, wps, rtf, text; or empty, image, other."""
        return sniff_kind(self.body, self.filename)

    def text(self) -> str:
        """The body as text: header charset, then <meta charset>, then UTF-8, then GB18030."""
        return decode_body(self.body, self.header_charset)


def sniff_kind(body: bytes, filename: str | None = None) -> str:
    try:
        return detect.sniff_format(body, filename)
    except ParseError as e:
        return {"empty": "empty", "needs_ocr": "image"}.get(e.reason, "other")


def decode_body(body: bytes, header_charset: str | None = None) -> str:
    """Text of a page (``ogi.parse.detect``: valid UTF-8 wins over a stale declared charset; then the
    header's charset, else the page's <meta charset>; then GB18030)."""
    if header_charset:
        return detect.decode_text(body, header_charset)
    return detect.decode_html(body)


# ----------------------------------------------------------------------------- address checks


def _ip_is_private(ip: str) -> bool:
    a = ipaddress.ip_address(ip)
    if isinstance(a, ipaddress.IPv6Address) and a.ipv4_mapped:
        a = a.ipv4_mapped
    return (
        a.is_private
        or a.is_loopback
        or a.is_link_local
        or a.is_reserved
        or a.is_multicast
        or a.is_unspecified
    )


@lru_cache(maxsize=1024)
def _resolve(host: str) -> tuple[str, ...]:
    try:
        ipaddress.ip_address(host)
        return (host,)
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return tuple(sorted({i[4][0] for i in infos}))


def is_private_host(host: str) -> bool:
    """True if ``host`` is (or resolves to) a private, loopback, link-local or reserved address."""
    if host in ("localhost",) or host.endswith(".localhost"):
        return True
    return any(_ip_is_private(ip) for ip in _resolve(host))


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


# ----------------------------------------------------------------------------- the client


class _Retry(Exception):
    def __init__(self, error: FetchError, wait: float | None = None):
        self.error, self.wait = error, wait


class HttpClient:
    """Thread-safe GET with the rules above. ``via="http://127.0.0.1:PORT"`` sends every request to
    that server keeping the original Host header (like ``curl --resolve``)."""

    def __init__(
        self,
        policy: HttpPolicy | None = None,
        *,
        via: str | None = None,
        allow_private_hosts: bool = False,
        archive: ArchiveStore | None = None,
        conditional: bool = True,
    ):
        self.policy = policy or HttpPolicy()
        self.conditional = conditional  # False: ignore stored ETag / Last-Modified, download everything
        self.via = via.rstrip("/") if via else None
        self.allow_private_hosts = allow_private_hosts
        self.archive = archive
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.policy.timeout, pool=None),
            follow_redirects=False,
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
            headers={"User-Agent": self.policy.user_agent, "Accept": "*/*"},
            trust_env=False,
        )
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._next_start: dict[str, float] = {}
        self.requests_made = 0

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- public

    def get(self, url: str, *, allowed_hosts: Iterable[str]) -> Response:
        """GET ``url`` following allowed redirects; archive the body; raise FetchError/BlockedError."""
        allowed = frozenset(h.lower() for h in allowed_hosts)
        cached = self.archive.validators(url) if self.archive and self.conditional else None
        conditional = {}
        if cached:
            if cached.get("etag"):
                conditional["If-None-Match"] = cached["etag"]
            if cached.get("last_modified"):
                conditional["If-Modified-Since"] = cached["last_modified"]
        current, redirects = url, []
        while True:
            self._check_target(current, allowed, origin=url if redirects else None)
            status, headers, body = self._with_retries(current, conditional if not redirects else {})
            if status in (301, 302, 303, 307, 308) and headers.get("location"):
                if len(redirects) >= self.policy.max_redirects:
                    raise FetchError(
                        "too_many_redirects", f"more than {self.policy.max_redirects} redirects", url
                    )
                redirects.append(current)
                current = urljoin(current, headers["location"].strip())
                continue
            break
        fetched_at = utc_now()
        if status == 304 and cached:
            body = self.archive.get(cached["sha256"])
            sha = self.archive.put(body, self._meta(url, current, status, headers, fetched_at, redirects))
            return Response(url, current, 304, headers, body, fetched_at, redirects, sha, from_archive=True)
        if not 200 <= status < 300:
            raise FetchError(f"http_{status}", f"HTTP {status} for {current}", url, status=status)
        sha = None
        if self.archive is not None:
            sha = self.archive.put(body, self._meta(url, current, status, headers, fetched_at, redirects))
            self.archive.remember(
                url, sha256=sha, etag=headers.get("etag"), last_modified=headers.get("last-modified")
            )
        return Response(url, current, status, headers, body, fetched_at, redirects, sha)

    # -- rules

    def _check_target(self, url: str, allowed: frozenset[str], *, origin: str | None) -> None:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host:
            raise BlockedError("bad_url", f"not an http(s) URL: {url}", origin or url)
        if host not in allowed:
            if origin:
                raise BlockedError(
                    "foreign_redirect",
                    f"redirect from {origin} to {url} refused: host {host} is not allowed",
                    origin,
                )
            raise BlockedError(
                "host_not_allowed", f"host {host} is not allowed (allowed: {sorted(allowed)})", url
            )
        if self.allow_private_hosts:
            return
        target = urlsplit(self.via).hostname if self.via else host
        try:
            private = is_private_host(target or "")
        except OSError as e:
            raise FetchError("dns", f"cannot resolve {target}: {e}", origin or url) from None
        if private:
            raise BlockedError(
                "private_host",
                f"{target} is a private or loopback address (registry does not allow it)",
                origin or url,
            )

    @contextmanager
    def _host_slot(self, host: str) -> Iterator[None]:
        """Per-host concurrency limit plus spacing of request starts (politeness)."""
        with self._lock:
            slot = self._slots.setdefault(host, threading.BoundedSemaphore(self.policy.per_host))
        with slot:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next_start.get(host, 0.0))
                self._next_start[host] = start + self.policy.delay
                self.requests_made += 1
            if start > now:
                time.sleep(start - now)
            yield

    def _with_retries(self, url: str, extra: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        p = self.policy
        for attempt in range(p.retries + 1):
            try:
                return self._once(url, extra)
            except _Retry as r:
                if attempt == p.retries:
                    raise r.error from None
                wait = r.wait if r.wait is not None else p.backoff * 2**attempt * (1 + 0.1 * random.random())
                time.sleep(min(wait, p.max_backoff))
        raise AssertionError("unreachable")

    def _once(self, url: str, extra: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        p = self.policy
        parts = urlsplit(url)
        headers = dict(extra)
        target = url
        if self.via:
            target = self.via + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            headers["Host"] = parts.netloc
        with self._host_slot(parts.hostname or ""):
            started = time.monotonic()
            try:
                with self._client.stream("GET", target, headers=headers) as r:
                    status, rh = r.status_code, {k.lower(): v for k, v in r.headers.items()}
                    if status >= 500 or status == 429:
                        raise _Retry(
                            FetchError(f"http_{status}", f"HTTP {status} for {url}", url, status=status),
                            _retry_after(rh.get("retry-after")),
                        )
                    if status != 200:
                        return status, rh, b""
                    declared = rh.get("content-length", "")
                    if declared.isdigit() and int(declared) > p.max_bytes:
                        raise FetchError(
                            "too_large", f"{url} declares {declared} bytes (limit {p.max_bytes})", url
                        )
                    body = self._read_capped(r, url, rh, started)
                    return status, rh, body
            except httpx.TimeoutException:
                raise _Retry(FetchError("timeout", f"timed out after {p.timeout:g} s: {url}", url)) from None
            except (httpx.TransportError, httpx.DecodingError) as e:
                raise _Retry(FetchError("connection", f"{type(e).__name__}: {e} ({url})", url)) from None

    def _read_capped(self, r: httpx.Response, url: str, headers: dict[str, str], started: float) -> bytes:
        p = self.policy
        chunks, size = [], 0
        for chunk in r.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > p.max_bytes:
                cut = b"".join(chunks)[: p.max_bytes]
                if self.archive is not None:  # keep what was read, marked as cut
                    self.archive.put(
                        cut, self._meta(url, url, r.status_code, headers, utc_now(), [], truncated=True)
                    )
                raise FetchError(
                    "too_large", f"{url}: body exceeds {p.max_bytes} bytes; cut and refused", url
                )
            if time.monotonic() - started > p.deadline:
                raise _Retry(FetchError("timeout", f"{url}: body not complete after {p.deadline:g} s", url))
        return b"".join(chunks)

    @staticmethod
    def _meta(url, final_url, status, headers, fetched_at, redirects, **extra) -> dict:
        return {
            "url": url,
            "final_url": final_url,
            "status": status,
            "headers": headers,
            "fetched_at": fetched_at,
            "redirects": redirects,
            **extra,
        }
