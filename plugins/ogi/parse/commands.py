"""``ogi parse PATH [--json]``: parse one report file and print a summary or the canonical JSON.

The file is read with ``limits.read_file`` (special files and oversize files refused at once) and
parsed with ``limits.parse_bytes_bounded`` (a forked worker under memory and time limits), so a
hostile document is refused with the limit it hit in one sentence, never hangs the command.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from ogi import templates as T


def _summary(pr) -> str:
    r = pr.report
    t3, t4 = r.table3, r.table4
    cells = [v for _, v in r.cells()]
    tables = ", ".join(
        f"{name}{'' if pr.tables_present.get(i) else ' (absent)'}"
        for i, name in ((2, "二"), (3, "三"), (4, "四"))
    )
    template = (
        f"{r.template_version} (detected {pr.template_version_detected}, "
        f"expected {pr.template_version_expected or '-'})"
    )
    rows = [
        ("organ", r.organ or "(not found)"),
        ("year", r.year),
        ("title", r.title or "(none)"),
        ("published", r.published_on or "(not printed)"),
        ("format", pr.source_format),
        ("template", template),
        ("status", pr.status),
        ("tables", tables),
        ("table 三", f"{len(t3)} rows; new_received.total={(t3.get('new_received') or {}).get('total')}"),
        (
            "table 四",
            " ".join(
                f"{k}={t4.get(k)}" for k in ("review_total", "lit_direct_total", "lit_after_review_total")
            ),
        ),
        ("cells", f"{sum(v is not None for v in cells)} numbers, {sum(v is None for v in cells)} blank"),
        ("complete", _completeness(pr.completeness)),
        ("sections", ", ".join(k for k in T.SECTION_KEYS if k in pr.sections) or "(none)"),
    ]
    extras = {k: v for k, v in pr.extras.items() if v is not None}
    if extras:
        rows.append(("section 六", extras))
    rows += [("warning", w) for w in pr.warnings]
    return "\n".join(f"{k + ':':<11} {v}" for k, v in rows)


def _completeness(c: dict) -> str:
    """The parse-completeness guard in one line: printed table numbers vs those read into cells."""
    if not c:
        return "(not measured)"
    lost = len(c.get("unaccounted", [])) + len(c.get("double", []))
    head = "yes" if not lost else f"NO: {lost} printed number(s) not read into exactly one cell"
    ignored = f", {len(c['ignored'])} ignored by rule" if c.get("ignored") else ""
    return f"{head} ({c.get('mapped', 0)} of {c.get('printed', 0)} printed table numbers read{ignored})"


def run(args: argparse.Namespace) -> int:
    from ogi.model import ParseError
    from ogi.parse import limits as L

    L.quiet_library_loggers()
    if args.path == "":
        print("The path is empty: give the report file to parse.", file=sys.stderr)
        return 2
    try:
        lim = L.Limits.from_env()
    except ValueError as e:  # a malformed OGI_PARSE_* setting
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        data = L.read_file(args.path, lim)
        pr = L.parse_bytes_bounded(data, filename=os.path.basename(args.path), limits=lim)
    except ParseError as e:
        print(f"{args.path}: {e.message}", file=sys.stderr)
        return 2
    except L.ParserCrash as e:  # a parser bug or crash: one line on stderr, never a traceback
        print(f"{args.path}: {e}", file=sys.stderr)
        return 1
    except IsADirectoryError:
        print(f"{args.path} is a directory, not a report file.", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"Cannot read {args.path}: {e.strerror or e}.", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 - a parser bug: one line on stderr, never a traceback
        print(f"{args.path}: unexpected parser error ({type(e).__name__}: {e}).", file=sys.stderr)
        return 1
    out = json.dumps(pr.report.to_canonical(), ensure_ascii=False, indent=2) if args.json else _summary(pr)
    try:
        print(out)
    except BrokenPipeError:  # e.g. piped into head
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keep interpreter shutdown quiet
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "parse",
        help="parse one report file (HTML, PDF, DOCX, DOC/WPS, flattened text) into the canonical JSON",
        description="Parse one report file; the format is detected from the content. Prints a readable "
        "summary, or the canonical JSON with --json. Exit status 2 (one sentence on stderr) when the "
        "file is not a usable report.",
    )
    p.add_argument("path", help="report file")
    p.add_argument("--json", action="store_true", help="print the canonical JSON (report.schema.json)")
    p.set_defaults(func=run)
