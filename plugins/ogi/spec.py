"""The repository's own format documentation, generated from the code (``ogi spec``).

``json_schema()`` is the canonical JSON schema of ``Report.to_canonical()`` (committed as
``include/spec/report.schema.json``); ``markdown()`` is ``docs/report-format.md``: every table, row and
column key with its printed labels, aliases and template versions, and every rule of the catalogue with
its identity and legal basis. Both come from ``ogi.templates`` and ``ogi.validate.rules`` only, and tests
check the committed files against them: regenerate with ``ogi spec --schema`` / ``ogi spec --format
markdown`` after changing a template fact or a rule.
"""

from __future__ import annotations

import json
from typing import Any

from ogi import templates as T

SCHEMA_PATH = "include/spec/report.schema.json"
MARKDOWN_PATH = "docs/report-format.md"

_DESCRIPTION = (
    "Values are what the report prints: a number, or null where the cell is blank, empty, '-', '—', '/' or "
    "'无'. Nothing is imputed or derived: a report that prints the three （六）其他处理 sub-rows carries "
    "{v21_other} and no {v19_other}; a report that prints a single （六）其他处理 row (every v2019 report, "
    "and some v2021-era reports that kept that row) carries {v19_other} only. template_version is the "
    "template whose table 二 layout the report prints (v2019 or v2021); mixed signals (e.g. v2021 table 二 "
    "with the v2019 single （六） row) are real and are told by the row keys present. Keys follow "
    "REPORT_FORMAT.md. A table or row that the report does not print is absent."
)
_NULLABLE_INT = {"type": ["integer", "null"]}


def _t2_description() -> str:
    """Table 二's rows per version, rows with the same columns grouped: ``rules, normdocs {…}; …``."""
    parts = []
    for version in T.TEMPLATE_VERSIONS:
        groups: list[tuple[list[str], list[str]]] = []
        for st in T.T2_SUBTABLES[version]:
            cols = []
            for c in st.columns:
                cols.append(c.key)
                if c.kind == T.MONEY:
                    cols.append(c.key + T.UNIT_SUFFIX)
            for r in st.rows:
                if groups and groups[-1][1] == cols:
                    groups[-1][0].append(r.key)
                else:
                    groups.append(([r.key], cols))
        rows = "; ".join(f"{', '.join(keys)} {{{','.join(cols)}}}" for keys, cols in groups)
        parts.append(f"{version} rows: {rows}.")
    return (
        "rows of 主动公开 sub-tables: row_key -> {col_key: value}. "
        + " ".join(parts)
        + f" Extra local rows are kept under their own snake_case key with a '{T.LOCAL_ROW_LABEL}' field."
    )


def json_schema() -> dict[str, Any]:
    """The canonical JSON schema of one report (``Report.to_canonical``), from ``ogi.templates``."""
    (v19_other,) = T.T3_OTHER_ROWS[T.V2019]
    row = {
        "type": "object",
        "additionalProperties": False,
        "properties": {c: dict(_NULLABLE_INT) for c in T.T3_COL_KEYS},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": T.SCHEMA_ID.replace("/", "-"),
        "title": "Canonical content of one 政府信息公开工作年度报告 (what the document states)",
        "description": _DESCRIPTION.format(v21_other="/".join(T.T3_OTHER_ROWS[T.V2021]), v19_other=v19_other),
        "type": "object",
        "required": ["schema", "template_version", "year", "organ", "table3", "table4"],
        "additionalProperties": False,
        "properties": {
            "schema": {"const": T.SCHEMA_ID},
            "template_version": {"enum": list(T.TEMPLATE_VERSIONS)},
            "year": {
                "type": "integer",
                "minimum": min(T.FIRST_YEAR.values()),
                "description": "the reporting year (statistics period), not the publication year",
            },
            "organ": {
                "type": "string",
                "description": "issuing body as printed in the title or byline, e.g. 荆门市司法局",
            },
            "title": {"type": "string"},
            "published_on": {"type": ["string", "null"], "format": "date"},
            "table2": {
                "type": "object",
                "description": _t2_description(),
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": {"type": ["number", "string", "null"]},
                },
            },
            "table3": {
                "type": "object",
                "additionalProperties": False,
                "properties": {k: json.loads(json.dumps(row)) for k in T.T3_ROW_KEYS},
            },
            "table4": {
                "type": "object",
                "additionalProperties": False,
                "properties": {k: dict(_NULLABLE_INT) for k in T.T4_KEYS},
            },
            "notes": {"type": "string", "description": "annotator notes: deviations, printed errors"},
        },
    }


def schema_text() -> str:
    return json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"


# ----------------------------------------------------------------------------- docs/report-format.md


def _cell(text: object) -> str:
    return str(text).replace("|", "/").replace("\n", " ")


def _table(header: tuple[str, ...], rows) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out + [""]


def _versions(versions) -> str:
    return ", ".join(v for v in T.TEMPLATE_VERSIONS if v in versions)


def markdown() -> str:
    """``docs/report-format.md``: the statutory format as the code knows it."""
    from ogi.validate.rules import GX_IDENTITY, GX_TYPE, RULES, catalogue_markdown
    from ogi.validate.suites import suite_name

    out = [
        "# The report format, as the code knows it",
        "",
        "<!-- generated by `ogi spec --format markdown` from ogi/templates.py and ogi/validate/rules.py;",
        "     do not edit: tests/test_spec.py fails when this file and the code disagree -->",
        "",
        "Every key, printed label and identity below is defined once in `plugins/ogi/templates.py` (tables,",
        "keys, labels, variants) or `plugins/ogi/validate/rules.py` (the rule catalogue). The canonical JSON of",
        f"one report follows `{SCHEMA_PATH}` (`ogi spec --schema`). A cell is addressed as",
        "`t<table>.<row key>.<column key>` (`ogi.templates.CellRef`; table 四 cells use the column key",
        f"`{T.SINGLE_VALUE_COL}`): the same string names the cell in provenance, rule results",
        "(`validation_results.cells`) and facts (`facts.table_no`, `row_key`, `col_key`).",
        "",
        "## Template versions",
        "",
    ]
    (v19_other,) = T.T3_OTHER_ROWS[T.V2019]
    out += _table(
        ("version", "first statistics year", "table 三 results rowspan", "（六）其他处理 rows"),
        [
            (v, T.FIRST_YEAR[v], T.T3_RESULTS_ROWSPAN[v], ", ".join(T.T3_OTHER_ROWS[v]))
            for v in T.TEMPLATE_VERSIONS
        ],
    )
    out += [
        "The version a report prints is told by its table 二 layout; its table 三 shape by the （六） rows it",
        f"prints (`ogi.templates.t3_shape`): some v2021-era reports keep the single row, and `{v19_other}` is never",
        "derived from the sub-rows.",
        "",
        "## Table 二 (主动公开)",
        "",
        f"Money columns carry their printed unit in `<column>{T.UNIT_SUFFIX}`; a local row the template does",
        f"not have keeps its printed label in `{T.LOCAL_ROW_LABEL}`.",
        "",
    ]
    for v in T.TEMPLATE_VERSIONS:
        for st in T.T2_SUBTABLES[v]:
            out += [f"### {v}: {st.caption}", ""]
            out += _table(
                ("column key", "label", "kind", "aliases"),
                [(f"`{c.key}`", c.label, c.kind, " / ".join(c.aliases)) for c in st.columns],
            )
            out += _table(
                ("row key", "label", "aliases"),
                [(f"`{r.key}`", r.label, " / ".join(r.aliases)) for r in st.rows],
            )
    out += [
        "## Table 三 (收到和处理政府信息公开申请情况)",
        "",
        f"Header: {' / '.join(T.T3_HEADER_LABELS)}; note: {T.T3_NOTE}",
        "",
    ]
    out += _table(
        ("column key", "label", "group", "aliases"),
        [(f"`{c.key}`", c.label, c.group or "", " / ".join(c.aliases)) for c in T.T3_COLUMNS],
    )
    out += _table(
        ("row key", "label", "group", "versions", "aliases"),
        [
            (f"`{r.key}`", r.label, T.T3_GROUP_LABELS.get(r.group, "") if r.group else "", _versions(r.versions),
             " / ".join(r.aliases))
            for r in T.T3_ROWS
        ],
    )  # fmt: skip
    out += ["## Table 四 (行政复议、行政诉讼)", ""]
    out += _table(("key", "label"), [(f"`{k}`", T.T4_LABELS[k]) for k in T.T4_KEYS])
    out += [
        "## Rules",
        "",
        "A rule id is the same string everywhere: its definition (`RULES` in plugins/ogi/validate/rules.py),",
        "the expectation's `meta.rule_id` in the Great Expectations suites (include/expectations/), the",
        "warehouse rows (`SELECT * FROM validation_results WHERE rule_id = '<id>'`), docs/warehouse.md and",
        "the tests (`grep -rn '<id>' tests`).",
        "",
    ]
    out += _table(
        ("id", "severity", "class", "tables", "evaluated by"),
        [
            (
                r.id,
                r.severity,
                r.klass,
                ", ".join(map(str, r.tables)),
                ", ".join(
                    f"include/expectations/{suite_name(v, r.severity)}.json"
                    for v in T.TEMPLATE_VERSIONS
                    if v in r.versions
                )
                if r.engine in (GX_IDENTITY, GX_TYPE)
                else "Python (ogi.validate.checks / crossyear)",
            )
            for r in RULES
        ],
    )
    out += [catalogue_markdown()]
    return "\n".join(out)


# ----------------------------------------------------------------------------- ogi spec


def cmd_spec(args) -> int:
    text = schema_text() if args.schema else markdown()
    if args.out:
        from pathlib import Path

        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text, "utf-8")
    else:
        print(text, end="")
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "spec",
        help="print the report format generated from the code (docs/report-format.md, the JSON schema)",
        description=f"Print the format documentation ({MARKDOWN_PATH}) or, with --schema, the canonical "
        f"JSON schema ({SCHEMA_PATH}), both generated from ogi/templates.py and the rule catalogue.",
    )
    p.add_argument("--format", choices=("markdown",), default="markdown", help="documentation format")
    p.add_argument("--schema", action="store_true", help="print the canonical JSON schema instead")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(func=cmd_spec)
