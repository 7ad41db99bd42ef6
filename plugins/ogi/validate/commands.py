"""``ogi validate PATH… [--json]`` and ``ogi validate --write-suites``.

Inputs are report documents (parsed with ``ogi.parse.parse_path``) or canonical JSON files such as
``*.truth.json`` (handy in operations: validate a hand-corrected report). Exit status: 0 when no
error-severity rule failed, 1 when one did, 2 when an input is not a usable report.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ogi.model import RuleStatus


def _load(path: Path):
    """A Report (canonical JSON) or ParsedReport (any document); raises ParseError when unusable."""
    from ogi.model import ParseError, Report

    if path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text("utf-8"))
            return Report.from_canonical(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ParseError("corrupt", f"{path}: not a JSON file ({e})") from None
        except (KeyError, TypeError, AttributeError) as e:
            raise ParseError("not_a_report", f"{path}: not a canonical report JSON (missing {e})") from None
    from ogi.parse import parse_path

    return parse_path(path)


def _printed_at(item, cells: tuple[str, ...]) -> list[str]:
    """Where the failing cells are printed in the document (parsed inputs only), for the analyst."""
    from ogi.model import ParsedReport
    from ogi.templates import CellRef

    if not isinstance(item, ParsedReport):
        return []
    out = []
    for name in cells:
        try:
            src = item.provenance.get(CellRef.parse(name))
        except ValueError:
            continue
        if src is None:
            continue
        place = ", ".join(
            f"{k} {v}"
            for k, v in (("page", src.page), ("table", src.table_index), ("row", src.row), ("col", src.col))
            if v is not None
        )
        out.append(f"{name}: printed {src.raw!r} ({place})")
    return out


def _print_human(run, items, out) -> None:
    from ogi.model import PASSED, ParsedReport

    by_report: dict[str, list] = {rid: [] for rid in items}
    for r in run.results:
        by_report[r.report].append(r)
    for rid, results in by_report.items():
        item = items[rid]
        rep = item.report if isinstance(item, ParsedReport) else item
        counts = {s: sum(r.status == s for r in results) for s in RuleStatus}
        print(
            f"{rid}  ({rep.organ}, {rep.year}, {rep.template_version}): {counts['passed']} passed, "
            f"{counts['failed']} failed, {counts['not_evaluable']} not evaluable",
            file=out,
        )
        for r in results:
            if r.status == PASSED:
                continue
            label = "FAILED" if r.status == "failed" else "NOT EVALUABLE"
            sides = f" lhs={r.lhs} rhs={r.rhs}" if r.lhs is not None or r.rhs is not None else ""
            print(f"  {label:<13} {r.rule:<8} [{r.severity}] {r.where}{sides}", file=out)
            if r.detail:
                print(f"                {r.detail}", file=out)
            if r.cells and r.detail != "all cells blank":
                print(f"                cells: {', '.join(r.cells)}", file=out)
                for where in _printed_at(item, r.cells):
                    print(f"                  {where}", file=out)


def run_validate(args: argparse.Namespace) -> int:
    from ogi.model import ParseError

    if args.rules:
        from ogi.validate.rules import catalogue_markdown

        print(catalogue_markdown(), end="")
        return 0
    if args.write_suites:
        from ogi.validate.suites import write_suites

        for p in write_suites(Path(args.suites_dir) if args.suites_dir else None):
            print(f"wrote {p}")
        if not args.paths:
            return 0
    if not args.paths:
        print("ogi validate: give one or more report files (or --write-suites)", file=sys.stderr)
        return 2
    items, unusable = {}, 0
    for p in args.paths:
        path = Path(p)
        try:
            if not path.is_file():
                raise ParseError("not_found", f"{path}: no such file")
            items[str(path)] = _load(path)
        except ParseError as e:
            unusable += 1
            print(f"ogi validate: {path}: not a usable report ({e.reason}): {e.message}", file=sys.stderr)
    if not items:
        return 2
    from ogi.validate.run import validate_batch

    try:
        run = validate_batch(
            items,
            data_docs=not args.no_data_docs,
            data_docs_dir=Path(args.data_docs) if args.data_docs else None,
        )
    except ValueError as e:  # e.g. an unknown template_version in a JSON input
        print(f"ogi validate: {e}", file=sys.stderr)
        return 2
    if args.json:
        json.dump([r.to_dict() for r in run.results], sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        _print_human(run, items, sys.stdout)
    if run.data_docs_index:
        print(f"Data Docs: {run.data_docs_index}", file=sys.stderr if args.json else sys.stdout)
    if unusable:
        return 2
    return 1 if run.has_errors() else 0


def register(sub) -> None:
    p = sub.add_parser(
        "validate",
        help="check reports against the statutory identities (GX suites) and print failures",
        description="Parse and validate report documents or canonical JSON files. Exit 0: no error-severity "
        "rule failed; 1: one did; 2: an input is not a usable report.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="report documents or canonical *.json files")
    p.add_argument(
        "--json",
        action="store_true",
        help="print every result as JSON (report, rule, severity, "
        "status, where, lhs, rhs, cells, imputed_zero, detail)",
    )
    p.add_argument(
        "--data-docs", metavar="DIR", help="write Data Docs here (default OGI_HOME/datadocs/<run id>)"
    )
    p.add_argument("--no-data-docs", action="store_true", help="skip rendering Data Docs")
    p.add_argument(
        "--write-suites",
        action="store_true",
        help="regenerate the GX suites JSON under include/expectations/ from the rule catalogue",
    )
    p.add_argument("--suites-dir", metavar="DIR", help="with --write-suites: write there instead")
    p.add_argument(
        "--rules", action="store_true", help="print the rule catalogue (ids, severity, formula, basis)"
    )
    p.set_defaults(func=run_validate)
