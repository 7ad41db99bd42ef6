"""A careful HTTP client for government portals.

Why each rule exists:

- only hosts the registry allows, checked again at every redirect hop: hijacked spam mirrors copy
  government pages, and a redirect to another host is refused and reported (``BlockedError``);
- no private/loopback targets unless the registry allows them (a portal must not make us probe
  the internal network); the local test portal is reached with ``via=`` and needs the override;
- the address checked is the address connected to: each host is resolved once, its addresses are
  checked and pinned, and the connection goes to a pinned address (Host header, TLS SNI and the
  certificate check keep the host name), so DNS that changes its answer between the check and the
  connection (DNS rebinding) cannot steer us to 127.0.0.1;
- three clocks (``ogi.fetch.settings``): a timeout per network operation, a deadline per attempt
  covering connect, headers and body (a server dripping one header line a second is cut there), and
  a total deadline per URL over every attempt, retry wait and redirect; bounded retries with
  exponential backoff on timeouts/5xx/429 honouring ``Retry-After`` (seconds or HTTP-date) as long
  as it fits the total deadline: portals are slow and flaky at report season;
- a per-host concurrency limit and a politeness delay between request starts to the same host;
- a maximum response size, read streamed: a misbehaving server must not fill memory or disk; a body
  over it is a fetch failure naming the limit (the cut part is kept as evidence, never as a document);
- conditional requests (ETag / Last-Modified kept in the archive), so re-runs don't re-download;
- every 200 body goes to the archive before anyone parses it.

Format and charset sniffing reuse ``ogi.parse.detect`` (content decides, names are hints).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import ipaddress
import math
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Self
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from ogi.fetch.archive import ArchiveStore, utc_now
from ogi.fetch.settings import USER_AGENT, HttpPolicy
from ogi.model import ParseError
from ogi.parse import detect

__all__ = ["USER_AGENT", "BlockedError", "FetchError", "HttpClient", "HttpPolicy", "Response"]

#: a resolver: host name -> its IP addresses (``socket.getaddrinfo`` by default; tests inject one)
Resolver = Callable[[str], Sequence[str]]


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


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=1024)
def resolve_host(host: str) -> tuple[str, ...]:
    """The system resolver (``getaddrinfo``), asked once per host and process."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return tuple(sorted({i[4][0] for i in infos}))


def _addresses(host: str, resolver: Resolver) -> tuple[str, ...]:
    if _is_ip(host):
        return (host,)
    found = tuple(resolver(host))
    if not found:
        raise OSError(f"no address for {host}")
    return found


def is_private_host(host: str, resolver: Resolver = resolve_host) -> bool:
    """True if ``host`` is (or resolves to) a private, loopback, link-local or reserved address."""
    if host in ("localhost",) or host.endswith(".localhost"):
        return True
    return any(_ip_is_private(ip) for ip in _addresses(host, resolver))


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" and obsolete forms: HTTP dates are always GMT
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - time.time())


# ----------------------------------------------------------------------------- connections


class _Until(threading.local):
    at: float | None = None  # monotonic time the current attempt must end by (None: no deadline)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every operation (TLS handshake, each read and write) is capped at the
    current attempt's deadline, so a server sending one byte a second cannot hold it."""

    def __init__(self, inner: httpcore.NetworkStream, backend: _PinnedBackend):
        self._inner, self._backend = inner, backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._backend.cap(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._backend.cap(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        cap = self._backend.cap(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, cap), self._backend)

    def get_extra_info(self, info: str):
        return self._inner.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Connects to the addresses the client checked for a host (never resolving the name again)
    and caps connect, TLS, reads and writes at the current attempt's deadline (per thread)."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()
        self._pins: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()
        self.until = _Until()

    def pin(self, host: str, addresses: tuple[str, ...]) -> None:
        with self._lock:
            self._pins[host.lower()] = addresses

    def cap(self, timeout: float | None, error: type[Exception]) -> float | None:
        at = self.until.at
        if at is None:
            return timeout
        left = at - time.monotonic()
        if left <= 0:
            raise error("attempt deadline passed")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address=None, socket_options=None
    ) -> httpcore.NetworkStream:
        with self._lock:
            addresses = self._pins.get(host.lower())
        if not addresses:  # cannot happen through HttpClient.get: every target is checked first
            raise httpcore.ConnectError(f"no checked address for {host}; refusing to resolve it here")
        error: Exception | None = None
        for ip in addresses:
            try:
                cap = self.cap(timeout, httpcore.ConnectTimeout)
                stream = self._inner.connect_tcp(ip, port, cap, local_address, socket_options)
            except httpcore.ConnectError as e:  # the next checked address, if any
                error = e
                continue
            return _DeadlineStream(stream, self)
        assert error is not None
        raise error

    def connect_unix_socket(self, path: str, timeout=None, socket_options=None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not used")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _PinnedTransport(httpx.HTTPTransport):
    """httpx's transport on a connection pool that uses ``_PinnedBackend``."""

    def __init__(self, backend: _PinnedBackend, limits: httpx.Limits, ssl_context: ssl.SSLContext):
        super().__init__(verify=ssl_context, limits=limits, trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


# ----------------------------------------------------------------------------- the client


class _Retry(Exception):
    def __init__(self, error: FetchError, wait: float | None = None):
        self.error, self.wait = error, wait


class _Budget:
    """The total deadline of one URL (every attempt, wait and redirect). Its clock starts when the
    first request starts, not while queueing for a per-host slot."""

    def __init__(self, seconds: float):
        self.seconds, self.end, self.attempts = seconds, math.inf, 0

    def start(self) -> None:
        self.attempts += 1
        if self.end == math.inf:
            self.end = time.monotonic() + self.seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def exceeded(self, url: str, last: FetchError | None = None, why: str = "") -> FetchError:
        """The final error once the total deadline is spent (keeps the last error's reason)."""
        tries = f"{self.attempts} attempt{'s' if self.attempts != 1 else ''}"
        if last is not None and why:
            msg = f"{last.message}; gave up after {tries}: {why} would pass the {self.seconds:g} s total deadline"
            return FetchError(last.reason, msg, last.url, status=last.status)
        return FetchError(
            "timeout",
            f"{url}: no complete response within the {self.seconds:g} s total deadline ({tries})",
            url,
        )


class HttpClient:
    """Thread-safe GET with the rules above. ``via="http://127.0.0.1:PORT"`` sends every request to
    that server keeping the original Host header (like ``curl --resolve``). ``resolver`` maps a host
    name to its addresses (default: the system's); ``ssl_context`` replaces the default CA bundle."""

    def __init__(
        self,
        policy: HttpPolicy | None = None,
        *,
        via: str | None = None,
        allow_private_hosts: bool = False,
        archive: ArchiveStore | None = None,
        conditional: bool = True,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ):
        self.policy = policy or HttpPolicy()
        self.conditional = conditional  # False: ignore stored ETag / Last-Modified, download everything
        self.via = via.rstrip("/") if via else None
        self.allow_private_hosts = allow_private_hosts
        self.archive = archive
        self.resolver = resolver or resolve_host
        self._backend = _PinnedBackend()
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.policy.timeout, pool=None),
            follow_redirects=False,
            transport=_PinnedTransport(
                self._backend, limits, ssl_context or httpx.create_ssl_context(trust_env=False)
            ),
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
        """GET ``url`` following allowed redirects; archive the body; raise FetchError/BlockedError
        (and ``ArchiveError`` when the archive cannot be written)."""
        allowed = frozenset(h.lower() for h in allowed_hosts)
        cached = self.archive.validators(url) if self.archive and self.conditional else None
        conditional = {}
        if cached:
            if cached.get("etag"):
                conditional["If-None-Match"] = cached["etag"]
            if cached.get("last_modified"):
                conditional["If-Modified-Since"] = cached["last_modified"]
        current, redirects = url, []
        budget = _Budget(self.policy.total_deadline)
        while True:
            self._check_target(current, allowed, origin=url if redirects else None)
            status, headers, body = self._with_retries(current, conditional if not redirects else {}, budget)
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
        """Refuse what the rules forbid; resolve the host to connect to once, check its addresses
        and pin them: the connection goes to an address checked here, whatever DNS says later."""
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
        target = ((urlsplit(self.via).hostname if self.via else host) or "").lower()
        try:
            addresses = _addresses(target, self.resolver)
        except OSError as e:
            raise FetchError("dns", f"cannot resolve {target}: {e}", origin or url) from None
        if not self.allow_private_hosts and (
            target == "localhost" or target.endswith(".localhost") or any(map(_ip_is_private, addresses))
        ):
            raise BlockedError(
                "private_host",
                f"{target} is a private or loopback address (registry does not allow it)",
                origin or url,
            )
        self._backend.pin(target, addresses)

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

    def _with_retries(
        self, url: str, extra: dict[str, str], budget: _Budget
    ) -> tuple[int, dict[str, str], bytes]:
        p = self.policy
        for attempt in range(p.retries + 1):
            try:
                return self._once(url, extra, budget)
            except _Retry as r:
                if attempt == p.retries:
                    raise r.error from None
                wait = r.wait if r.wait is not None else p.backoff * 2**attempt * (1 + 0.1 * random.random())
                wait = min(wait, p.max_backoff)
                if wait >= budget.left():  # no use waiting for a retry that cannot finish in time
                    what = "Retry-After" if r.wait is not None else "the backoff"
                    raise budget.exceeded(url, r.error, f"{what} of {wait:.3g} s") from None
                time.sleep(wait)
        raise AssertionError("unreachable")

    def _timed_out(self, url: str, attempt_end: float, budget: _Budget) -> Exception:
        """The error for a timeout: final once the total deadline is spent, else retried."""
        now = time.monotonic() + 0.005  # socket timeouts may fire a hair before the deadline
        if now >= budget.end:
            return budget.exceeded(url)
        if now >= attempt_end:
            p = self.policy
            msg = f"{url}: no complete response within the {p.deadline:g} s deadline per attempt"
            return _Retry(FetchError("timeout", msg, url))
        return _Retry(FetchError("timeout", f"timed out after {self.policy.timeout:g} s: {url}", url))

    def _once(self, url: str, extra: dict[str, str], budget: _Budget) -> tuple[int, dict[str, str], bytes]:
        p = self.policy
        parts = urlsplit(url)
        headers = dict(extra)
        target = url
        if self.via:
            target = self.via + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            headers["Host"] = parts.netloc
        with self._host_slot(parts.hostname or ""):
            budget.start()
            if budget.left() <= 0:
                raise budget.exceeded(url)
            attempt_end = min(time.monotonic() + p.deadline, budget.end)
            self._backend.until.at = attempt_end  # caps connect, TLS, header and body reads
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
                            "too_large",
                            f"{url} declares {declared} bytes, over the size limit (max_bytes = {p.max_bytes})",
                            url,
                        )
                    body = self._read_capped(r, url, rh, attempt_end, budget)
                    return status, rh, body
            except httpx.TimeoutException:
                raise self._timed_out(url, attempt_end, budget) from None
            except (httpx.TransportError, httpx.DecodingError) as e:
                raise _Retry(FetchError("connection", f"{type(e).__name__}: {e} ({url})", url)) from None
            finally:
                self._backend.until.at = None

    def _read_capped(
        self, r: httpx.Response, url: str, headers: dict[str, str], attempt_end: float, budget: _Budget
    ) -> bytes:
        p = self.policy
        chunks, size = [], 0
        for chunk in r.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > p.max_bytes:
                cut = b"".join(chunks)[: p.max_bytes]
                kept = ""
                if self.archive is not None:  # evidence of what was served: never a document
                    meta = self._meta(url, url, r.status_code, headers, utc_now(), [], truncated=True)
                    sha = self.archive.put(cut, {**meta, "limit": {"max_bytes": p.max_bytes}})
                    kept = f"; the first {p.max_bytes} bytes are kept as evidence ({sha[:12]}…), not as a document"
                raise FetchError(
                    "too_large",
                    f"{url}: body exceeds the size limit (max_bytes = {p.max_bytes}); cut and refused{kept}",
                    url,
                )
            if time.monotonic() > attempt_end:
                raise self._timed_out(url, attempt_end, budget)
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
