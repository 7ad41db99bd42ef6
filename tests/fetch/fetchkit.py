"""Helpers for the fetch tests: fast network manners, registries from YAML text, corpus portals,
raw and TLS servers on 127.0.0.1."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

from ogi.fetch.http import HttpClient, HttpPolicy
from ogi.fetch.registry import Registry, parse_registry
from ogi_dev.portal import populate_from_tsv

#: small timeouts and backoffs so fault tests take fractions of a second
FAST = HttpPolicy(
    timeout=0.4, deadline=1.0, retries=2, backoff=0.01, max_backoff=0.3, delay=0.0, max_bytes=2 * 2**20
)


def local_client(base_url: str, archive=None, **policy) -> HttpClient:
    """A client with FAST manners (``policy`` overrides them) sending every request to a local server."""
    return HttpClient(replace(FAST, **policy), via=base_url, allow_private_hosts=True, archive=archive)


def registry_text(
    organs: list[dict], hosts: list[str], *, private: bool = False, fetch: dict | None = None
) -> str:
    """Registry YAML (one region); ``fetch`` is the city's ``fetch:`` section."""
    lines = [
        "registry: 1",
        "city: {id: gen, name: 生成市}",
        f"allowed_hosts: [{', '.join(hosts)}]",
        f"allow_private_hosts: {'true' if private else 'false'}",
        "regions:",
        "  - {id: gen, name: 生成市, level: city}",
        "organs:",
    ]
    if fetch:
        lines.insert(4, "fetch: {" + ", ".join(f"{k}: {v}" for k, v in fetch.items()) + "}")
    for o in organs:
        lines.append(f"  - id: {o['id']}")
        lines.append(f"    name: {o.get('name', o['id'])}")
        lines.append("    region: gen")
        lines.append(f"    type: {o.get('type', 'department')}")
        if "listing" in o:
            lines.append(f"    listing_urls: [{o['listing']}]")
        if "extra_hosts" in o:
            lines.append(f"    allowed_hosts: [{', '.join(o['extra_hosts'])}]")
    return "\n".join(lines) + "\n"


def registry_yaml(organs: list[dict], hosts: list[str], *, private: bool = False) -> Registry:
    """A registry built through the real YAML loader (one region)."""
    return parse_registry(registry_text(organs, hosts, private=private), "generated.yaml")


def corpus_portal(corpus: Path, root: Path) -> Path:
    """Copy the corpus pages into ROOT/<host>/<path> as portal.tsv maps them (nothing else exists)."""
    populate_from_tsv(corpus / "portal.tsv", root)
    return root


def portal_rows(corpus: Path) -> dict[str, str]:
    with open(corpus / "portal.tsv", encoding="utf-8") as f:
        return {r["url"]: r["file"] for r in csv.DictReader(f, delimiter="\t")}


@contextmanager
def raw_server(handler: Callable[[socket.socket, threading.Event], None], *, limit: float = 30.0):
    """A TCP server on 127.0.0.1 for answers no HTTP server library sends (headers dripped a line
    at a time…): ``handler(conn, stop)`` runs per connection in a thread and must return once
    ``stop`` is set. Yields an object with ``base_url``, ``port`` and ``connections`` (count).
    Everything ends after ``limit`` seconds at the latest."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.05)
    stop = threading.Event()
    info = SimpleNamespace(port=server.getsockname()[1], connections=0)
    info.base_url = f"http://127.0.0.1:{info.port}"

    def serve(conn: socket.socket) -> None:
        with conn:
            try:
                handler(conn, stop)
            except OSError:
                pass

    def accept() -> None:
        end = time.monotonic() + limit
        while not stop.is_set() and time.monotonic() < end:
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            info.connections += 1
            threading.Thread(target=serve, args=(conn,), daemon=True).start()
        stop.set()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield info
    finally:
        stop.set()
        thread.join()
        server.close()


def tls_contexts(hostname: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context with a certificate for ``hostname``, client context trusting only its CA)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)

    def cert(subject, key, issuer, issuer_key, *, ca: bool):
        b = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
            )
        )
        if ca:
            b = b.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
        else:
            b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False)
            b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        return b.sign(issuer_key, hashes.SHA256())

    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = cert("ogi test CA", ca_key, "ogi test CA", ca_key, ca=True)
    leaf = cert(hostname, leaf_key, "ogi test CA", ca_key, ca=False)
    pem = serialization.Encoding.PEM
    tmp = Path(tempfile.mkdtemp(prefix="ogi-tls-"))
    (tmp / "leaf.pem").write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    (tmp / "key.pem").write_bytes(
        leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(tmp / "leaf.pem", tmp / "key.pem")
    shutil.rmtree(tmp)
    client = ssl.create_default_context(cadata=ca.public_bytes(pem).decode())
    return server, client
