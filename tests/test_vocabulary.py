"""One status vocabulary: the enums of ``ogi.model`` are what every stage records and what the warehouse's
views test. A literal in ``include/sql`` compared with a status column must be a member's value, and the
module-level names the stages export are the enums' members, not copies."""

from __future__ import annotations

import re

from ogi import config, pipeline
from ogi.fetch import run as fetch_run
from ogi.model import FAILURE_OUTCOMES, FetchStatus, ParseStatus, RuleStatus
from ogi.warehouse import models

#: table alias in include/sql -> the vocabulary of its ``status`` column
_ALIASES = {"vr": RuleStatus, "cr": ParseStatus, "rc": ParseStatus, "r": ParseStatus}
_STATUS_TEST = re.compile(r"\b(\w+)\.status\s*(=|<>|!=|IN)\s*(\([^)]*\)|'[^']*')", re.IGNORECASE)


def test_enum_values_are_the_recorded_strings():
    assert list(FetchStatus) == ["found", "not_published", "fetch_failed", "blocked"]
    assert list(ParseStatus) == ["parsed", "partial", "quarantined"]
    assert list(RuleStatus) == ["passed", "failed", "not_evaluable"]
    assert set(FAILURE_OUTCOMES) == {"fetch_failed", "blocked", "quarantined"}


def test_stage_constants_are_the_enum_members():
    assert fetch_run.STATUSES == tuple(FetchStatus)
    assert (fetch_run.FOUND, fetch_run.NOT_PUBLISHED) == (FetchStatus.FOUND, FetchStatus.NOT_PUBLISHED)
    assert (fetch_run.FETCH_FAILED, fetch_run.BLOCKED) == (FetchStatus.FETCH_FAILED, FetchStatus.BLOCKED)
    assert models.REPORT_STATUSES == tuple(ParseStatus)
    assert (pipeline.PARSED, pipeline.PARTIAL, pipeline.QUARANTINED) == tuple(ParseStatus)
    assert pipeline.FETCH_OK is FetchStatus.FOUND
    assert pipeline.FAILURE_OUTCOMES is FAILURE_OUTCOMES


def test_sql_views_test_statuses_of_the_vocabulary():
    seen = 0
    for path in sorted(config.SQL_DIR.glob("*.sql")):
        sql = re.sub(r"--[^\n]*", "", path.read_text("utf-8"))
        for alias, _op, operand in _STATUS_TEST.findall(sql):
            vocabulary = _ALIASES.get(alias)
            assert vocabulary is not None, (
                f"{path.name}: status of an unknown alias {alias!r}: add it to _ALIASES"
            )
            for literal in re.findall(r"'([^']*)'", operand):
                assert literal in set(vocabulary), (
                    f"{path.name}: {alias}.status {literal!r} is no {vocabulary.__name__}"
                )
                seen += 1
    assert seen >= 5  # the coverage views test both vocabularies
