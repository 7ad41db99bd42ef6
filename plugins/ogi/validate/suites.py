"""GX expectation suites built from the rule catalogue, stored as JSON under ``include/expectations/``.

One suite per template version and severity class (``ogi_v2021_error.json`` …). Each expectation
carries ``meta`` {rule_id, severity, basis, description_zh, where}; ``run`` maps GX results back to
rules through that meta. The JSON is generated here (``ogi validate --write-suites``) and a test
proves the files on disk equal what this module builds, so the suites are never typed twice.

Building the dicts needs no GX; ``gx_suite`` turns one into a ``great_expectations.ExpectationSuite``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ogi import config
from ogi.model import ERROR, WARNING
from ogi.templates import TEMPLATE_VERSIONS
from ogi.validate.rules import RULE_BY_ID, column_name, identities, type_checks

SEVERITIES: tuple[str, ...] = (ERROR, WARNING)
#: GX 1.x expectation severity for our rule severity
GX_SEVERITY = {ERROR: "critical", WARNING: "warning"}
SUITE_FORMAT = 1


def suite_name(version: str, severity: str) -> str:
    return f"ogi_{version}_{severity}"


def _meta(rule_id: str, where: str) -> dict[str, str]:
    rule = RULE_BY_ID[rule_id]
    return {
        "rule_id": rule.id,
        "severity": rule.severity,
        "where": where,
        "basis": rule.basis,
        "description_zh": rule.description_zh,
    }


def suite_dict(version: str, severity: str) -> dict[str, Any]:
    """The suite of ``version``/``severity`` as the JSON dict GX loads (``ExpectationSuite(**d)``)."""
    expectations = []
    for chk in type_checks(version):
        if RULE_BY_ID[chk.rule].severity == severity:
            expectations.append(
                {
                    "type": "expect_columns_non_negative",
                    "kwargs": {
                        "column_list": [column_name(c) for c in chk.cells],
                        "non_integer_columns": [column_name(c) for c in chk.money],
                    },
                    "meta": _meta(chk.rule, chk.where),
                    "severity": GX_SEVERITY[severity],
                }
            )
    for ident in identities(version):
        if RULE_BY_ID[ident.rule].severity == severity:
            expectations.append(
                {
                    "type": "expect_linear_identity",
                    "kwargs": {
                        "column_list": [column_name(c) for c in ident.cells],
                        "coefficients": [k for k, _ in ident.terms],
                        "comparison": ident.comparison,
                    },
                    "meta": _meta(ident.rule, ident.where),
                    "severity": GX_SEVERITY[severity],
                }
            )
    return {
        "name": suite_name(version, severity),
        "expectations": expectations,
        "meta": {
            "ogi_suite_format": SUITE_FORMAT,
            "template_version": version,
            "severity": severity,
            "generated_by": "ogi validate --write-suites (from ogi.templates via ogi.validate.rules)",
        },
        "notes": None,
    }


def all_suite_dicts() -> dict[str, dict[str, Any]]:
    return {suite_name(v, s): suite_dict(v, s) for v in TEMPLATE_VERSIONS for s in SEVERITIES}


def suite_path(name: str, directory: Path | None = None) -> Path:
    return (directory or config.EXPECTATIONS_DIR) / f"{name}.json"


def dumps(d: dict[str, Any]) -> str:
    return json.dumps(d, ensure_ascii=False, indent=2) + "\n"


def write_suites(directory: Path | None = None) -> list[Path]:
    """(Re)generate every suite JSON file; returns the paths written."""
    paths = []
    for name, d in all_suite_dicts().items():
        path = suite_path(name, directory)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dumps(d), encoding="utf-8")
        paths.append(path)
    return paths


def load_suite_dict(version: str, severity: str, directory: Path | None = None) -> dict[str, Any]:
    """The suite as stored on disk; falls back to the built one when the file is absent."""
    path = suite_path(suite_name(version, severity), directory)
    if path.exists():
        return json.loads(path.read_text("utf-8"))
    return suite_dict(version, severity)


def gx_suite(d: dict[str, Any]):
    """A ``great_expectations.ExpectationSuite`` from a suite dict (imports GX and our expectations)."""
    import great_expectations as gx

    import ogi.validate.expectations  # noqa: F401  (registers the custom expectation types)

    return gx.ExpectationSuite(**d)
