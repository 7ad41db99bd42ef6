"""``ogi report --region R --year Y [--out DIR]``: write the municipal report pages and print the path."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ogi.warehouse.commands import _WAREHOUSE_HELP


def run(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from ogi.report.build import build_report, reports_dir
    from ogi.report.queries import collect_children
    from ogi.warehouse import db
    from ogi.warehouse.summary import UnknownRegion

    engine = db.get_engine(args.warehouse)
    try:
        db.upgrade(engine)
        _, kids = collect_children(engine, args.region)
        total = 1 + (0 if args.no_children else len(kids))
        from ogi.progress import Stages

        with Stages(enabled=None if not args.quiet else False) as stages:
            task = stages.stage(f"report {args.region} {args.year}", total=total)
            paths = build_report(
                engine,
                args.region,
                args.year,
                Path(args.out) if args.out else None,
                children=not args.no_children,
                progress=lambda _name: stages.advance(task),
            )
    except UnknownRegion as e:
        print(f"ogi report: {e.args[0]}", file=sys.stderr)
        return 2
    except SQLAlchemyError as e:
        print(
            f"ogi report: warehouse error: {e.__class__.__name__}: {str(e).splitlines()[0]}", file=sys.stderr
        )
        return 1
    finally:
        engine.dispose()
    out = Path(args.out) if args.out else reports_dir()
    extra = f" (+{len(paths) - 1} pages of the regions below it in {out})" if len(paths) > 1 else ""
    print(f"{paths[0]}{extra}")
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "report",
        help="write the municipal report (self-contained HTML with charts and drill-down) for a region and year",
        description="Write OGI_HOME/reports/<region>/<year>/index.html (or under --out) and the pages of the "
        "regions directly below it, from the warehouse. Prints the page's path.",
    )
    p.add_argument("--region", required=True, help="region id or name (a city includes its districts)")
    p.add_argument("--year", required=True, type=int, help="statistics year, e.g. 2024")
    p.add_argument("--out", help="folder for the pages (default OGI_HOME/reports)")
    p.add_argument("--no-children", action="store_true", help="only the region's own page")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.add_argument("--warehouse", help=_WAREHOUSE_HELP)
    p.set_defaults(func=run)
