"""``ogi``: the command line. Thin: argument parsing and printing only.

Each stage keeps its subcommands in its own ``commands.py`` with a ``register(subparsers)``
function; this module only assembles them. Heavy libraries are imported inside the command
functions, so ``ogi --help`` stays fast. The development commands (``bench``, ``portal``, ``fuzz``,
``synth``) come from ``ogi_dev``, whose command modules import only the standard library at their top
level (their third-party needs, the ``demo`` extra, are imported when a command runs).
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: modules that contribute subcommands, in the order they appear in ``ogi --help``
COMMAND_MODULES: tuple[str, ...] = (
    "ogi_dev.bench",
    "ogi_dev.portal",
    "ogi.fetch.commands",
    "ogi.parse.commands",
    "ogi_dev.fuzz",
    "ogi.validate.commands",
    "ogi.demo",
    "ogi.airflow_services",
    "ogi.warehouse.commands",
    "ogi_dev.synth.commands",
    "ogi.spec",
    "ogi.report.commands",
    "ogi.warehouse.export",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ogi",
        description="OGI Reports: fetch, parse, validate and load 政府信息公开工作年度报告 (annual reports "
        "on open government information) into a warehouse with municipal summaries.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from ogi.parse.limits import quiet_library_loggers

    quiet_library_loggers()  # pdfminer's notes about a document ("Could not get FontBBox") stay off stderr
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
