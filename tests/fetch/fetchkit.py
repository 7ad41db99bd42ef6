"""Helpers for the fetch tests: fast network manners, registries from YAML text, corpus portals."""

from __future__ import annotations

import csv
from pathlib import Path

from ogi.fetch.http import HttpPolicy
from ogi.fetch.registry import Registry, parse_registry
from ogi.portal import populate_from_tsv

#: small timeouts and backoffs so fault tests take fractions of a second
FAST = HttpPolicy(
    timeout=0.4, deadline=1.0, retries=2, backoff=0.01, max_backoff=0.3, delay=0.0, max_bytes=2 * 2**20
)


def registry_yaml(organs: list[dict], hosts: list[str], *, private: bool = False) -> Registry:
    """A registry built through the real YAML loader (one region)."""
    lines = [
        "registry: 1",
        "city: {id: gen, name: 生成市}",
        f"allowed_hosts: [{', '.join(hosts)}]",
        f"allow_private_hosts: {'true' if private else 'false'}",
        "regions:",
        "  - {id: gen, name: 生成市, level: city}",
        "organs:",
    ]
    for o in organs:
        lines.append(f"  - id: {o['id']}")
        lines.append(f"    name: {o.get('name', o['id'])}")
        lines.append("    region: gen")
        lines.append(f"    type: {o.get('type', 'department')}")
        if "listing" in o:
            lines.append(f"    listing_urls: [{o['listing']}]")
        if "extra_hosts" in o:
            lines.append(f"    allowed_hosts: [{', '.join(o['extra_hosts'])}]")
    return parse_registry("\n".join(lines) + "\n", "generated.yaml")


def corpus_portal(corpus: Path, root: Path) -> Path:
    """Copy the corpus pages into ROOT/<host>/<path> as portal.tsv maps them (nothing else exists)."""
    populate_from_tsv(corpus / "portal.tsv", root)
    return root


def portal_rows(corpus: Path) -> dict[str, str]:
    with open(corpus / "portal.tsv", encoding="utf-8") as f:
        return {r["url"]: r["file"] for r in csv.DictReader(f, delimiter="\t")}
