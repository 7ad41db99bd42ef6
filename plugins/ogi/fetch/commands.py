"""``ogi fetch`` (discovery + download outside Airflow) and ``ogi registry check``.

``ogi fetch`` exits 0 when something useful happened: at least one organ's report was found and
archived, or its listing was read and holds no report for the year (``not_published`` is a finding,
so a year nobody has published yet is not an error); a ``warning:`` line on stderr then counts the
organs that failed or were blocked. It exits 1 with one ``error:`` line on stderr when nothing
useful happened (every organ ``fetch_failed`` or ``blocked``, or none is due a report that year) or
the archive could not be written (disk full: the run stops, nothing half-written is kept), and 2 on
bad input (registry, year, organ, settings).
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from ogi.fetch.settings import SETTINGS


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _table(rows: list[list[str]]) -> str:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        cells = [c + " " * (w - _width(c)) for c, w in zip(r[:-1], widths[:-1])]
        lines.append("  ".join([*cells, r[-1]]).rstrip())
    return "\n".join(lines)


def _registry_check(args: argparse.Namespace) -> int:
    from ogi.fetch.registry import RegistryError, load_registry

    status = 0
    for path in args.files:
        try:
            reg = load_registry(path)
        except RegistryError as e:
            print("\n".join(e.format_lines()))
            status = 1
            continue
        print(
            f"{path}: ok ({reg.city_name}: {len(reg.regions)} regions, {len(reg.organs)} organs, "
            f"hosts {', '.join(reg.allowed_hosts) or '-'})"
        )
        shared: dict[str, list[str]] = {}
        for o in reg.organs:
            for url in o.listing_urls:
                shared.setdefault(url, []).append(o.id)
        for url, ids in shared.items():
            if len(ids) > 1:  # legal (a shared column), but often a copy-paste slip
                print(f"{path}: warning: organs {', '.join(ids)} share the listing {url}")
    return status


def verdict(outcomes: Sequence, year: int) -> tuple[int, str | None]:
    """The exit status of ``ogi fetch`` and the one line that explains it (None: nothing to say)."""
    from ogi.fetch.run import FOUND, NOT_PUBLISHED

    if not outcomes:
        return 1, f"error: nothing fetched for {year}: no organ of the registry is due a report that year"
    failed: dict[str, Counter] = {}
    for o in outcomes:
        if o.status not in (FOUND, NOT_PUBLISHED):
            failed.setdefault(o.status, Counter())[(o.reason or "?").split(":", 1)[0]] += 1
    tally = "; ".join(
        f"{sum(c.values())} {status} ({', '.join(f'{r} x{n}' if n > 1 else r for r, n in c.most_common())})"
        for status, c in failed.items()
    )
    if sum(sum(c.values()) for c in failed.values()) == len(outcomes):
        return 1, f"error: nothing fetched for {year}: every organ failed or was blocked: {tally}"
    if failed:
        return 0, f"warning: {tally}; the other organs' outcomes stand (re-run to retry)"
    return 0, None


def _fetch(args: argparse.Namespace) -> int:
    from ogi import config
    from ogi.fetch.archive import Archive, ArchiveError
    from ogi.fetch.registry import RegistryError, load_registry
    from ogi.fetch.run import fetch_reports
    from ogi.fetch.settings import SettingError, policy_with

    try:
        registry = load_registry(args.registry)
    except RegistryError as e:
        print("\n".join(e.format_lines()))
        return 2
    if not 1990 <= args.year <= 2100:
        print(f"error: --year {args.year} is not a report year")
        return 2
    if args.organ:
        unknown = [o for o in args.organ if not any(o == x.id or o in x.names for x in registry.organs)]
        if unknown:
            print(f"error: no organ {', '.join(map(repr, unknown))} in {args.registry} (use an id or a name)")
            return 2
    try:  # the options win over the registry's fetch: settings, which win over the defaults
        policy = policy_with(policy_with(None, **registry.fetch), **{k: getattr(args, k) for k in SETTINGS})
    except SettingError as e:
        print(f"error: --{e.name.replace('_', '-')}: {e.problem}")
        return 2
    archive = Archive(Path(args.archive) if args.archive else config.archive_dir())
    from ogi.fetch.run import select_organs
    from ogi.progress import Stages

    try:
        with Stages() as bar:  # a progress line on a terminal; nothing in scripts and pipes
            task = bar.stage(
                f"fetch {args.year}", total=len(select_organs(registry, args.year, args.organ or None))
            )
            outcomes = fetch_reports(
                registry,
                args.year,
                organs=args.organ or None,
                archive=archive,
                via=args.via,
                policy=policy,
                allow_private_hosts=True if args.allow_private_hosts else None,
                max_workers=args.workers,
                on_done=lambda _o: bar.advance(task),
            )
    except ArchiveError as e:
        print(f"error: fetch stopped: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([o.to_dict() for o in outcomes], ensure_ascii=False, indent=2))
    else:
        rows = [["organ", "status", "published", "type", "url / reason"]]
        for o in outcomes:
            url = o.document_url or o.url or ""
            detail = f"{url}  ({o.reason})" if url and o.reason else (url or o.reason or "")
            rows.append([o.organ_id, o.status, o.published_on or "-", o.content_type or "-", detail])
        print(_table(rows))
        counts = {
            s: sum(1 for o in outcomes if o.status == s) for s in dict.fromkeys(o.status for o in outcomes)
        }
        print(
            f"\n{len(outcomes)} organs, year {args.year}: " + ", ".join(f"{n} {s}" for s, n in counts.items())
        )
        print(f"archive: {archive.root}")
    status, line = verdict(outcomes, args.year)
    if line:
        print(line, file=sys.stderr)
    return status


def register(sub) -> None:
    p = sub.add_parser("fetch", help="discover and download one year's reports of a registry's organs")
    p.add_argument(
        "--registry", required=True, metavar="FILE", help="registry YAML (include/registry/*.yaml)"
    )
    p.add_argument("--year", required=True, type=int, metavar="Y", help="report year (the year reported on)")
    p.add_argument(
        "--organ", action="append", metavar="NAME", help="organ id or name (repeatable; default all)"
    )
    p.add_argument("--via", metavar="URL", help="send every request to this server keeping the Host header")
    p.add_argument(
        "--archive", metavar="DIR", help="archive folder (default: $OGI_ARCHIVE_DIR or OGI_HOME/archive)"
    )
    p.add_argument(
        "--allow-private-hosts", action="store_true", help="allow loopback/private targets (local portals)"
    )
    for name, setting in SETTINGS.items():  # default None: the registry's fetch: setting, else built in
        p.add_argument(
            f"--{name.replace('_', '-')}",
            dest=name,
            type=setting.kind,
            metavar="S" if setting.kind is float else "N",
            help=f"{setting.help}; a registry's fetch.{name} replaces the default",
        )
    p.add_argument("--workers", type=int, default=8, help="organs fetched in parallel (default 8)")
    p.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    p.set_defaults(func=_fetch)

    r = sub.add_parser("registry", help="organ registry files")
    rsub = r.add_subparsers(dest="registry_command", metavar="ACTION", required=True)
    c = rsub.add_parser("check", help="validate registry files (errors name file, line and field)")
    c.add_argument("files", nargs="+", metavar="FILE")
    c.set_defaults(func=_registry_check)
