"""The model serialises itself: ``ParsedReport.from_dict`` and ``RuleResult.from_dict`` invert ``to_dict``
(what the parse store and the DAG's results files hold)."""

from __future__ import annotations

import json

from ogi.model import CellSource, ParsedReport, ParseStatus, RuleResult, RuleStatus
from ogi.templates import V2021, CellRef
from ogi_dev.samples import random_report


def _parsed() -> ParsedReport:
    report = random_report(7, V2021)
    return ParsedReport(
        report=report,
        source_format="pdf",
        template_version_detected=V2021,
        template_version_expected=V2021,
        provenance={
            CellRef(3, "granted", "total"): CellSource("12", "number", page=2, bbox=(1.0, 2.5, 3.25, 4.0)),
            CellRef(4, "review_total"): CellSource("", "blank", table_index=3, row=2, col=5),
        },
        warnings=["table 四: something"],
        sections={"overview": "总体情况 text"},
        tables_present={2: True, 3: True, 4: False},
        extras={"fee_notices_count": 2},
        status=ParseStatus.PARTIAL,
        completeness={"printed": 3, "unaccounted": ["t3 r1 c2"], "double": []},
    )


def test_parsed_report_round_trips_through_json():
    parsed = _parsed()
    stored = json.loads(json.dumps(parsed.to_dict(sections=True), ensure_ascii=False))
    assert ParsedReport.from_dict(stored) == parsed
    assert ParsedReport.from_dict(stored).to_dict(sections=True) == parsed.to_dict(sections=True)


def test_to_dict_keeps_sections_out_unless_asked():
    parsed = _parsed()
    assert "sections" not in parsed.to_dict()["_meta"]
    assert parsed.to_dict(sections=True)["_meta"]["sections"] == parsed.sections
    assert ParsedReport.from_dict(parsed.to_dict()).sections == {}


def test_rule_result_round_trips_through_json():
    r = RuleResult("o/2021@ab", "T3-H1", "error", RuleStatus.FAILED, "t3.*.total", 3, 4, ("3.granted.total",))
    assert RuleResult.from_dict(json.loads(json.dumps(r.to_dict()))) == r


def test_batch_item_names_what_the_tasks_hand_on():
    """``BatchItem`` is ``FetchOutcome.to_dict()`` less ``listing_pages``, plus what the tasks add."""
    from dataclasses import fields

    from ogi.fetch.run import FetchOutcome
    from ogi.model import BatchItem

    fetched = {f.name for f in fields(FetchOutcome)} - {"listing_pages"}
    assert set(BatchItem.__annotations__) == fetched | {"organ_name", "region_id", "parse", "rules_failed"}
