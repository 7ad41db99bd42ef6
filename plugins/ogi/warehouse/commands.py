"""``ogi load``, ``ogi summary``, ``ogi warehouse upgrade|sync``: the warehouse outside Airflow.

Thin: argument parsing, printing, and turning known failures into one clear line (exit 1).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from ogi.model import ERROR, ParseStatus, RuleStatus

_WAREHOUSE_HELP = (
    "warehouse URL (default: $OGI_WAREHOUSE_URL, the Airflow connection ogi_warehouse, or the SQLite file)"
)


def _fail(msg: str) -> int:
    print(f"error: {msg}", file=sys.stderr)
    return 1


def _engine(url: str | None, *, migrate: bool = True):
    from ogi.warehouse.db import get_engine, upgrade

    engine = get_engine(url)
    if migrate:
        upgrade(engine)
    return engine


# ----------------------------------------------------------------------------- ogi load


def _resolve_organ(conn, name: str) -> str | None:
    from sqlalchemy import text

    row = conn.execute(
        text(
            "SELECT id FROM organs WHERE id = :n OR name = :n"
            " UNION SELECT organ_id FROM organ_names WHERE name = :n"
        ),
        {"n": name},
    ).first()
    return row[0] if row else None


def _resolve_region(engine, name: str) -> str:
    """Region id by id or name; a region unknown to the warehouse is created (id from its name)."""
    from sqlalchemy import text

    from ogi.model import slug

    with engine.begin() as conn:
        row = conn.execute(text("SELECT id FROM regions WHERE id = :n OR name = :n"), {"n": name}).first()
        if row:
            return row[0]
        rid = slug(name)
        conn.execute(text("INSERT INTO regions (id, name) VALUES (:i, :n)"), {"i": rid, "n": name})
        print(f"note: region {name!r} was not in the warehouse; created as {rid!r}", file=sys.stderr)
        return rid


def cmd_load(args: argparse.Namespace) -> int:
    from ogi import stages
    from ogi.model import ParseError, sha256_hex, slug
    from ogi.warehouse.load import LoadItem, RunInfo

    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        return _fail(f"not a file: {', '.join(missing)}")
    try:
        engine = _engine(args.warehouse)
    except Exception as exc:  # noqa: BLE001 - any connection/migration failure: one clear line
        return _fail(f"cannot open the warehouse: {exc}")
    region_id = _resolve_region(engine, args.region) if args.region else None
    items: list[LoadItem] = []
    status = 0
    now = dt.datetime.now(dt.UTC)
    for path in paths:
        data = path.read_bytes()
        try:
            parsed = stages.parse_document(data, filename=path.name, url=path.resolve().as_uri())
            reason = None
        except ParseError as exc:
            parsed, reason = None, exc.reason
            print(f"{path}: not parsable ({exc.reason}): {exc.message}", file=sys.stderr)
        organ_name = args.organ or (parsed.report.organ if parsed else None)
        year = args.year or (parsed.report.year if parsed else None)
        if not organ_name or not year:
            status = _fail(
                f"{path}: cannot store it: give --organ and --year for a document that does not parse"
            )
            continue
        with engine.connect() as conn:
            organ_id = _resolve_organ(conn, organ_name) or slug(organ_name)
        item = LoadItem(
            organ_id=organ_id,
            year=int(year),
            parsed=parsed,
            source_url=path.resolve().as_uri(),
            sha256=sha256_hex(data),
            fetched_at=now,
            quarantine_reason=reason,
            organ_name=organ_name,
            region_id=region_id,
        )
        items.append(item)
    if not items:
        return status or _fail("nothing to load")
    run = RunInfo(run_id="ogi-load-" + now.strftime("%Y%m%dT%H%M%S.%fZ"), started_at=now)
    items, res = stages.validate_and_load(engine, items, run=run)  # results follow their document
    for it in items:  # one line per document: two documents of one organ-year are two versions
        doc = res.documents.get(it.document_key, {})
        hard = sum(1 for r in it.results if r.status == RuleStatus.FAILED and r.severity == ERROR)
        state = ParseStatus.QUARANTINED if it.parsed is None else it.parsed.status
        extra = " supersedes the previous version" if doc.get("supersedes") else ""
        extra += "" if doc.get("current", True) else " (kept, not current)"
        print(
            f"{it.key}\t{doc.get('outcome', '?')}{extra}\t{state}\thard-rule failures: {hard}"
            f"\tsha256 {it.sha256[:12]}"
        )
    print(f"run {res.run_id}: {len(res.inserted)} new version(s), {len(res.unchanged)} unchanged")
    if not any(it.parsed for it in items):
        return _fail(
            f"nothing loaded: all {len(items)} file(s) were quarantined (not parsable); the quarantine is recorded"
        )
    return status


# ----------------------------------------------------------------------------- ogi summary


def _fmt(v, key: str = "") -> str:
    if v is None:
        return "NA"
    if key.endswith(("_rate", "_change", "_growth")):
        return f"{v:.1%}"
    return f"{v:,.2f}" if isinstance(v, float) else str(v)


def cmd_summary(args: argparse.Namespace) -> int:
    from ogi.warehouse.summary import UnknownRegion, municipal_summary

    try:
        engine = _engine(args.warehouse)
        s = municipal_summary(engine, args.region, args.year)
    except UnknownRegion as exc:
        return _fail(str(exc))
    except Exception as exc:  # noqa: BLE001 - connection problems: one clear line
        return _fail(f"cannot read the warehouse: {exc}")
    if args.json:
        print(json.dumps(s, ensure_ascii=False, indent=2))
        return 0
    reg = s["region"]
    print(f"{reg['name']} ({reg['id']}), {s['year']}: {s['n_reports']} current report(s)")
    cov = s["coverage"] or {}
    if cov:
        print(
            "coverage: {organs_registered} organs registered, {reports_found} reports found, "
            "{reports_parsed} parsed, {reports_passing_hard_rules} pass all hard rules, "
            "{reports_on_time} on time / {reports_late} late / {reports_undated} undated".format(**cov)
        )
    t3 = s["table3"]
    if t3:
        print("table 三 (总计 column):")
        for row, cols in t3.items():
            print(f"  {row:28s} {_fmt(cols.get('total'))}")
    if s["table4"]:
        print("table 四: " + ", ".join(f"{k}={_fmt(v)}" for k, v in s["table4"].items()))
    m = s["metrics"] or {}
    if m:
        print("metrics (NA = denominator 0; meets_min_n_* = 0 means too few to rank):")
        for k, v in m.items():
            print(f"  {k:34s} {_fmt(v, k)}")
    for f in s["hard_failures"]:
        print(f"hard failure: {f['organ_id']} {f['rule_id']} at {f['where_']}: {f['lhs']} vs {f['rhs']}")
    return 0


# ----------------------------------------------------------------------------- ogi warehouse


def cmd_upgrade(args: argparse.Namespace) -> int:
    from ogi.warehouse.db import current_revision, get_engine, upgrade

    try:
        engine = get_engine(args.warehouse)
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    except Exception as exc:  # noqa: BLE001 - one clear line
        return _fail(f"cannot upgrade the warehouse: {exc}")
    print(f"warehouse {engine.url.render_as_string(hide_password=True)}: {before or 'empty'} -> {after}")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from ogi.fetch.registry import RegistryError, load_registry
    from ogi.warehouse.registry_sync import sync_registry

    try:
        registry = load_registry(args.registry)
    except (RegistryError, OSError) as exc:
        return _fail(str(exc))
    counts = sync_registry(_engine(args.warehouse), registry)
    print(f"registry {args.registry}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "load", help="parse, validate and load report files into the warehouse (outside Airflow)"
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="report documents (HTML, PDF, DOCX, text)")
    p.add_argument("--warehouse", help=_WAREHOUSE_HELP)
    p.add_argument("--organ", help="organ id or name (overrides the name the document prints)")
    p.add_argument("--region", help="region id or name for organs not yet in the warehouse")
    p.add_argument("--year", type=int, help="statistics year (overrides the document's)")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("summary", help="print the municipal summary of a region and year from the warehouse")
    p.add_argument("--region", required=True, help="region id or name")
    p.add_argument("--year", required=True, type=int)
    p.add_argument("--json", action="store_true", help="the whole summary as JSON")
    p.add_argument("--warehouse", help=_WAREHOUSE_HELP)
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("warehouse", help="warehouse administration")
    wsub = p.add_subparsers(dest="warehouse_command", metavar="ACTION", required=True)
    u = wsub.add_parser("upgrade", help="create or migrate the schema (alembic upgrade head)")
    u.add_argument("--warehouse", help=_WAREHOUSE_HELP)
    u.set_defaults(func=cmd_upgrade)
    s = wsub.add_parser("sync", help="upsert a registry YAML's regions and organs")
    s.add_argument("registry", help="registry YAML file")
    s.add_argument("--warehouse", help=_WAREHOUSE_HELP)
    s.set_defaults(func=cmd_sync)
