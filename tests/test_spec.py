"""The repository carries its own format documentation, generated from the code: the committed
``docs/report-format.md`` and ``include/spec/report.schema.json`` are what ``ogi spec`` writes now, the
shared schema (``$OGI_SHARED/spec``, where present) agrees, and the model's canonical JSON follows it."""

from __future__ import annotations

import json

import jsonschema
import pytest
from testenv import SHARED

from ogi import config, spec
from ogi import templates as T
from ogi.cli import main
from ogi_dev.samples import random_report

REGENERATE = (
    f"regenerate with `ogi spec --schema --out {spec.SCHEMA_PATH}`"
    f" and `ogi spec --format markdown --out {spec.MARKDOWN_PATH}`"
)


def test_committed_schema_is_the_generated_one():
    committed = (config.INCLUDE_DIR / "spec" / "report.schema.json").read_text("utf-8")
    assert committed == spec.schema_text(), REGENERATE


def test_committed_format_doc_is_the_generated_one():
    if config.PROJECT_DIR is None:
        pytest.skip("docs/ is not installed with the wheel")
    committed = (config.PROJECT_DIR / spec.MARKDOWN_PATH).read_text("utf-8")
    assert committed == spec.markdown(), REGENERATE


def test_shared_schema_agrees():
    shared = SHARED / "spec" / "report.schema.json"
    if not shared.exists():
        pytest.skip(f"{shared} absent")
    assert json.loads(shared.read_text("utf-8")) == spec.json_schema()


@pytest.mark.parametrize("version", T.TEMPLATE_VERSIONS)
@pytest.mark.parametrize("shape", T.TEMPLATE_VERSIONS)
def test_canonical_json_follows_the_schema(version, shape):
    for seed in range(3):
        jsonschema.validate(random_report(seed, version, t3_shape=shape).to_canonical(), spec.json_schema())


def test_format_doc_names_every_key_and_rule():
    from ogi.validate.rules import RULES

    doc = spec.markdown()
    keys = [*T.T3_ROW_KEYS, *T.T3_COL_KEYS, *T.T4_KEYS]
    keys += [x.key for v in T.TEMPLATE_VERSIONS for st in T.T2_SUBTABLES[v] for x in (*st.rows, *st.columns)]
    assert not [k for k in keys if f"`{k}`" not in doc]
    assert not [r.id for r in RULES if f"| {r.id} |" not in doc]


def test_cli_prints_them(capsys):
    assert main(["spec", "--schema"]) == 0
    assert capsys.readouterr().out == spec.schema_text()
    assert main(["spec", "--format", "markdown"]) == 0
    assert capsys.readouterr().out == spec.markdown()
