"""The organ registry: one YAML file per city listing its regions and organs (see INTERFACES.md).

Loaded with PyYAML's node marks so that every error names the file, the line and the field,
e.g. ``include/registry/pingtan.yaml:14: organs[0].type: 'agency' is not one of ...``. All
problems of a file are collected and reported together (ops fix a file in one pass).

An optional top-level ``fetch:`` mapping sets the city's network defaults (``ogi.fetch.settings``:
``timeout``, ``deadline``, ``total_deadline`` in seconds, ``retries``, ``max_bytes``), e.g.
``fetch: {total_deadline: 300, retries: 5}`` for a slow portal; ``ogi fetch`` options win over it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from ogi.fetch.settings import SETTINGS
from ogi.templates import ORGAN_TYPES

FORMAT_VERSIONS = (1,)
REGION_LEVELS = ("city", "district", "county", "township")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_HOST_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)


class RegistryError(ValueError):
    """A registry file is unreadable or invalid; ``problems`` lists (line, field, message)."""

    def __init__(self, path: Path | str, problems: list[tuple[int | None, str, str]]):
        self.path = str(path)
        self.problems = sorted(problems, key=lambda p: p[0] or 0)
        super().__init__("\n".join(self.format_lines()))

    def format_lines(self) -> list[str]:
        out = []
        for line, fld, msg in self.problems:
            where = f"{self.path}:{line}" if line else self.path
            out.append(f"{where}: {fld}: {msg}" if fld else f"{where}: {msg}")
        return out


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    level: str
    parent: str | None = None


@dataclass(frozen=True)
class Alias:
    """A former name of an organ, valid until ``valid_to`` (inclusive)."""

    name: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@dataclass(frozen=True)
class Organ:
    id: str
    name: str
    region: str
    type: str
    listing_urls: tuple[str, ...] = ()
    report_urls: dict[int, str] = field(default_factory=dict)
    allowed_hosts: tuple[str, ...] = ()
    aliases: tuple[Alias, ...] = ()
    merged_into: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """Current name first, then former names (for matching report titles)."""
        return (self.name, *(a.name for a in self.aliases))

    def active_in(self, year: int) -> bool:
        """Whether the organ existed for at least part of ``year`` (so a report is due)."""
        if self.valid_from and self.valid_from > dt.date(year, 12, 31):
            return False
        return not (self.valid_to and self.valid_to < dt.date(year, 1, 1))


@dataclass(frozen=True)
class Registry:
    city_id: str
    city_name: str
    regions: tuple[Region, ...]
    organs: tuple[Organ, ...]
    allowed_hosts: tuple[str, ...]
    allow_private_hosts: bool = False
    path: Path | None = None
    version: int = 1
    fetch: dict[str, float] = field(default_factory=dict)  # network defaults (``ogi.fetch.settings``)

    def organ(self, key: str) -> Organ:
        """Look an organ up by id, current name or former name."""
        for o in self.organs:
            if key == o.id or key in o.names:
                return o
        raise KeyError(f"no organ {key!r} in registry {self.path or self.city_id}")

    def region_name(self, region_id: str) -> str | None:
        return next((r.name for r in self.regions if r.id == region_id), None)

    def hosts_for(self, organ: Organ) -> frozenset[str]:
        """Hosts a fetch for this organ may touch: the city's plus the organ's own."""
        return frozenset(self.allowed_hosts) | frozenset(organ.allowed_hosts)


# ----------------------------------------------------------------------------- YAML with line numbers


class _Map(dict):
    """A mapping that remembers the line of itself and of each key."""

    line: int = 0
    key_lines: dict


class _Seq(list):
    line: int = 0
    item_lines: list


class _Loader(yaml.SafeLoader):
    pass


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    out = _Seq(loader.construct_object(n, deep=True) for n in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [n.start_mark.line + 1 for n in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


# ----------------------------------------------------------------------------- validation


class _Checker:
    """Walks the loaded document, collecting problems with their line numbers."""

    def __init__(self) -> None:
        self.problems: list[tuple[int | None, str, str]] = []

    def err(self, line: int | None, fld: str, msg: str) -> None:
        self.problems.append((line, fld, msg))

    def line_of(self, m: Any, key: Any = None) -> int | None:
        if isinstance(m, _Map):
            return m.key_lines.get(key, m.line) if key is not None else m.line
        return getattr(m, "line", None)

    def keys(self, m: _Map, fld: str, allowed: set[str], required: set[str]) -> None:
        def name(k: Any) -> str:
            return f"{fld}.{k}" if fld else str(k)

        for k in m:
            if k not in allowed:
                self.err(self.line_of(m, k), name(k), f"unknown field (expected one of {sorted(allowed)})")
        for k in sorted(required - set(m)):
            self.err(self.line_of(m), name(k), "required field is missing")

    def mapping(self, value: Any, line: int | None, fld: str) -> _Map | None:
        if value is None:
            return None
        if not isinstance(value, _Map):
            self.err(line, fld, f"expected a mapping, got {type(value).__name__}")
            return None
        return value

    def seq(self, m: _Map, key: str, fld: str) -> list[tuple[Any, int | None, str]]:
        """Items of an optional list field as (value, line, field path)."""
        value = m.get(key)
        if value is None:
            return []
        if not isinstance(value, _Seq):
            self.err(self.line_of(m, key), fld, f"expected a list, got {type(value).__name__}")
            return []
        return [(v, ln, f"{fld}[{i}]") for i, (v, ln) in enumerate(zip(value, value.item_lines))]

    def text(self, m: _Map, key: str, fld: str, *, required: bool = True) -> str | None:
        value = m.get(key)
        if value is None:
            if required and key in m:
                self.err(self.line_of(m, key), fld, "must not be empty")
            return None
        if not isinstance(value, str) or not value.strip():
            self.err(self.line_of(m, key), fld, f"expected non-empty text, got {value!r}")
            return None
        return value.strip()

    def ident(self, m: _Map, key: str, fld: str) -> str | None:
        value = self.text(m, key, fld)
        if value is not None and not _ID_RE.match(value):
            self.err(
                self.line_of(m, key), fld, f"{value!r} is not a valid id (lowercase letters, digits, - _ .)"
            )
            return None
        return value

    def date(self, m: _Map, key: str, fld: str) -> dt.date | None:
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.err(self.line_of(m, key), fld, f"expected a date YYYY-MM-DD, got {value!r}")
        return None

    def boolean(self, m: _Map, key: str, fld: str) -> bool:
        value = m.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.err(self.line_of(m, key), fld, f"expected true or false, got {value!r}")
            return False
        return value

    def host(self, value: Any, line: int | None, fld: str) -> str | None:
        if not isinstance(value, str) or not _HOST_RE.match(value.strip().lower()):
            self.err(line, fld, f"{value!r} is not a host name (e.g. www.example.gov.cn, no scheme or path)")
            return None
        return value.strip().lower()

    def url(self, value: Any, line: int | None, fld: str, hosts: frozenset[str]) -> str | None:
        if not isinstance(value, str):
            self.err(line, fld, f"expected a URL, got {value!r}")
            return None
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.err(line, fld, f"{value!r} is not an absolute http(s) URL")
            return None
        if parts.hostname.lower() not in hosts:
            self.err(line, fld, f"host {parts.hostname!r} is not in allowed_hosts {sorted(hosts)}")
            return None
        return value


_TOP = {"registry", "city", "allowed_hosts", "allow_private_hosts", "fetch", "regions", "organs"}
_REGION = {"id", "name", "level", "parent"}
_ORGAN = {
    "id",
    "name",
    "region",
    "type",
    "listing_urls",
    "report_urls",
    "allowed_hosts",
    "aliases",
    "merged_into",
    "valid_from",
    "valid_to",
}
_ALIAS = {"name", "valid_from", "valid_to"}


def _region(c: _Checker, m: _Map, fld: str) -> Region | None:
    c.keys(m, fld, _REGION, {"id", "name", "level"})
    rid, name = c.ident(m, "id", f"{fld}.id"), c.text(m, "name", f"{fld}.name")
    level = m.get("level")
    if "level" in m and level not in REGION_LEVELS:
        c.err(c.line_of(m, "level"), f"{fld}.level", f"{level!r} is not one of {list(REGION_LEVELS)}")
        level = None
    parent = c.ident(m, "parent", f"{fld}.parent") if m.get("parent") is not None else None
    if rid and name and level:
        return Region(rid, name, level, parent)
    return None


def _fetch_settings(c: _Checker, doc: _Map) -> dict[str, float]:
    m = c.mapping(doc.get("fetch"), c.line_of(doc, "fetch"), "fetch")
    if m is None:
        return {}
    c.keys(m, "fetch", set(SETTINGS), set())
    out = {}
    for key, value in m.items():
        if key in SETTINGS:
            if (msg := SETTINGS[key].problem(value)) is not None:
                c.err(c.line_of(m, key), f"fetch.{key}", msg)
            else:
                out[key] = value
    return out


def _organ(c: _Checker, m: _Map, fld: str, city_hosts: tuple[str, ...]) -> Organ | None:
    c.keys(m, fld, _ORGAN, {"id", "name", "region", "type"})
    oid, name = c.ident(m, "id", f"{fld}.id"), c.text(m, "name", f"{fld}.name")
    region = c.ident(m, "region", f"{fld}.region")
    otype = m.get("type")
    if "type" in m and otype not in ORGAN_TYPES:
        c.err(c.line_of(m, "type"), f"{fld}.type", f"{otype!r} is not one of {list(ORGAN_TYPES)}")
        otype = None
    extra = tuple(
        h for v, ln, f in c.seq(m, "allowed_hosts", f"{fld}.allowed_hosts") if (h := c.host(v, ln, f))
    )
    hosts = frozenset(city_hosts) | frozenset(extra)
    listing = tuple(
        u for v, ln, f in c.seq(m, "listing_urls", f"{fld}.listing_urls") if (u := c.url(v, ln, f, hosts))
    )
    report_urls: dict[int, str] = {}
    ru = c.mapping(m.get("report_urls"), c.line_of(m, "report_urls"), f"{fld}.report_urls")
    for year, url in (ru or {}).items():
        f, ln = f"{fld}.report_urls.{year}", c.line_of(ru, year)
        try:
            y = int(year)
        except (TypeError, ValueError):
            y = 0
        if not 1990 <= y <= 2100:
            c.err(ln, f, f"{year!r} is not a report year")
            continue
        if u := c.url(url, ln, f, hosts):
            report_urls[y] = u
    aliases = []
    for v, ln, f in c.seq(m, "aliases", f"{fld}.aliases"):
        a = c.mapping(v, ln, f)
        if a is None:
            continue
        c.keys(a, f, _ALIAS, {"name"})
        if an := c.text(a, "name", f"{f}.name"):
            aliases.append(
                Alias(an, c.date(a, "valid_from", f"{f}.valid_from"), c.date(a, "valid_to", f"{f}.valid_to"))
            )
    merged = c.ident(m, "merged_into", f"{fld}.merged_into") if m.get("merged_into") is not None else None
    vf, vt = c.date(m, "valid_from", f"{fld}.valid_from"), c.date(m, "valid_to", f"{fld}.valid_to")
    if vf and vt and vf > vt:
        c.err(c.line_of(m, "valid_to"), f"{fld}.valid_to", f"{vt} is before valid_from {vf}")
    if merged and not vt:
        c.err(c.line_of(m, "merged_into"), f"{fld}.valid_to", "an organ with merged_into needs valid_to")
    if oid and name and region and otype:
        return Organ(oid, name, region, otype, listing, report_urls, extra, tuple(aliases), merged, vf, vt)
    return None


def parse_registry(text: str, path: Path | str = "<registry>") -> Registry:
    """Parse and validate registry YAML text; raise ``RegistryError`` listing every problem."""
    try:
        doc = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        raise RegistryError(path, [(line, "", f"YAML syntax: {e.problem or e}")]) from None
    except yaml.YAMLError as e:
        raise RegistryError(path, [(None, "", f"YAML syntax: {e}")]) from None
    c = _Checker()
    if not isinstance(doc, _Map):
        raise RegistryError(path, [(1, "", "expected a YAML mapping with registry, city, regions, organs")])
    c.keys(doc, "", _TOP, {"registry", "city", "organs"})
    version = doc.get("registry")
    if "registry" in doc and version not in FORMAT_VERSIONS:
        c.err(
            c.line_of(doc, "registry"),
            "registry",
            f"unsupported format version {version!r}; expected {FORMAT_VERSIONS}",
        )
    city = c.mapping(doc.get("city"), c.line_of(doc, "city"), "city")
    city_id = city_name = None
    if city is not None:
        c.keys(city, "city", {"id", "name"}, {"id", "name"})
        city_id, city_name = c.ident(city, "id", "city.id"), c.text(city, "name", "city.name")
    hosts = tuple(h for v, ln, f in c.seq(doc, "allowed_hosts", "allowed_hosts") if (h := c.host(v, ln, f)))
    private = c.boolean(doc, "allow_private_hosts", "allow_private_hosts")
    fetch = _fetch_settings(c, doc)

    regions: list[Region] = []
    region_lines: dict[str, tuple[int | None, str]] = {}
    for v, ln, f in c.seq(doc, "regions", "regions"):
        if (m := c.mapping(v, ln, f)) is not None and (r := _region(c, m, f)):
            if r.id in region_lines:
                c.err(
                    c.line_of(m, "id"),
                    f"{f}.id",
                    f"duplicate region id {r.id!r} (first at line {region_lines[r.id][0]})",
                )
                continue
            regions.append(r)
            region_lines[r.id] = (c.line_of(m, "parent"), f)
    for r in regions:
        if r.parent is not None and r.parent not in region_lines:
            ln, f = region_lines[r.id]
            c.err(ln, f"{f}.parent", f"unknown region {r.parent!r}")

    organs: list[Organ] = []
    organ_lines: dict[str, tuple[_Map, str]] = {}
    for v, ln, f in c.seq(doc, "organs", "organs"):
        if (m := c.mapping(v, ln, f)) is not None and (o := _organ(c, m, f, hosts)):
            if o.id in organ_lines:
                first = organ_lines[o.id][0].line
                c.err(c.line_of(m, "id"), f"{f}.id", f"duplicate organ id {o.id!r} (first at line {first})")
                continue
            if o.region not in region_lines:
                c.err(c.line_of(m, "region"), f"{f}.region", f"unknown region {o.region!r}")
            organs.append(o)
            organ_lines[o.id] = (m, f)
    for o in organs:
        m, f = organ_lines[o.id]
        if o.merged_into is not None and (o.merged_into == o.id or o.merged_into not in organ_lines):
            c.err(c.line_of(m, "merged_into"), f"{f}.merged_into", f"unknown organ {o.merged_into!r}")
    if "organs" in doc and not organs and not c.problems:
        c.err(c.line_of(doc, "organs"), "organs", "the registry lists no organs")
    if c.problems or city_id is None or city_name is None:
        raise RegistryError(path, c.problems or [(None, "city", "missing")])
    return Registry(
        city_id=city_id,
        city_name=city_name,
        regions=tuple(regions),
        organs=tuple(organs),
        allowed_hosts=hosts,
        allow_private_hosts=private,
        path=Path(path),
        version=int(version),
        fetch=fetch,
    )


def load_registry(path: Path | str) -> Registry:
    """Load and validate one registry file (raises ``RegistryError`` naming file, line, field)."""
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except FileNotFoundError:
        raise RegistryError(p, [(None, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise RegistryError(p, [(None, "", f"cannot read: {e}")]) from None
    return parse_registry(text, p)
