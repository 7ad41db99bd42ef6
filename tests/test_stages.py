"""One path through the stages: the DAG's task glue, ``ogi load`` and the national benchmark call the
stage core (``ogi.stages``), never the stage libraries directly; keys are built and split in ``ogi.model``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ogi import stages
from ogi.model import RuleResult, RuleStatus, document_key, report_key, split_document_key, split_report_key
from ogi.warehouse.load import LoadItem

ROOT = Path(__file__).resolve().parents[1] / "plugins"
CALLERS = ("ogi/pipeline.py", "ogi/warehouse/commands.py", "ogi_dev/bench/national.py")
#: a stage library's function called or imported (the DAG task ``pipeline.validate_batch`` is only defined)
STAGE_LIBRARIES = re.compile(
    r"(?<!def )\b(parse_bytes|parse_bytes_bounded|validate_batch|load_batch)\b(?=\s*[(,\n])"
)


@pytest.mark.parametrize("caller", CALLERS)
def test_callers_use_the_stage_core(caller):
    code = "\n".join(line.split("#", 1)[0] for line in (ROOT / caller).read_text("utf-8").splitlines())
    code = re.sub(r'"""[\s\S]*?"""', "", code)  # docstrings may name the libraries
    assert "stages." in code
    assert not STAGE_LIBRARIES.findall(code), f"{caller} calls a stage library past ogi.stages"


def test_keys_round_trip():
    sha = "ab" * 32
    assert split_report_key(report_key("org-1", 2021)) == ("org-1", 2021)
    assert split_document_key(document_key("org/1", 2021, sha)) == ("org/1", 2021, sha)
    with pytest.raises(ValueError):
        split_report_key("org-1")
    with pytest.raises(ValueError):
        split_document_key("org-1/2021")


def test_results_follow_their_document():
    a, b = "a" * 64, "b" * 64
    items = [LoadItem("o", 2021, None, None, sha, None) for sha in (a, b)]
    res = RuleResult(document_key("o", 2021, b), "T3-H1", "error", RuleStatus.FAILED, "t3.*.total")
    loaded = stages.with_results(items, stages.results_by_document([res]))
    assert [it.results for it in loaded] == [(), (res,)]
