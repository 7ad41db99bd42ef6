"""The version planner (``ogi.warehouse.versions.plan_versions``) on plain data, no database: one test
per outcome of a document, and the batch cases (several documents of one organ-year, duplicates)."""

from __future__ import annotations

from ogi.warehouse.versions import (
    CHECK_RESULTS,
    DUPLICATE,
    INSERT,
    KEEP,
    REPARSE,
    Decision,
    Incoming,
    Stored,
    plan_versions,
)

PARSER = "2.0.0"
A, B, C = "a" * 64, "b" * 64, "c" * 64


def doc(sha: str, status: str = "parsed", organ: str = "o1", year: int = 2022) -> Incoming:
    return Incoming(organ, year, sha, status)


def stored(
    rid: int,
    sha: str,
    version: int,
    current: bool,
    status: str = "parsed",
    parser: str = PARSER,
    organ: str = "o1",
    year: int = 2022,
) -> Stored:
    return Stored(rid, organ, year, version, sha, current, status, parser)


def test_a_new_organ_year_gets_version_1_current():
    assert plan_versions([doc(A)], [], PARSER) == [Decision(INSERT, version=1, is_current=True)]


def test_new_bytes_supersede_the_stored_current_version():
    old = [stored(7, A, 1, False), stored(8, B, 2, True)]
    assert plan_versions([doc(C)], old, PARSER) == [
        Decision(INSERT, version=3, is_current=True, supersedes=True, supersedes_id=8)
    ]


def test_version_numbers_follow_the_highest_stored_one_not_the_count():
    old = [stored(3, A, 4, True)]
    (d,) = plan_versions([doc(B)], old, PARSER)
    assert d.version == 5


def test_same_bytes_same_parser_only_checks_results():
    assert plan_versions([doc(A)], [stored(7, A, 1, True)], PARSER) == [
        Decision(CHECK_RESULTS, report_id=7, is_current=True)
    ]


def test_same_bytes_of_a_non_current_version_stay_non_current():
    old = [stored(7, A, 1, False), stored(8, B, 2, True)]
    assert plan_versions([doc(A)], old, PARSER) == [Decision(CHECK_RESULTS, report_id=7, is_current=False)]


def test_same_bytes_another_parser_version_reparses_in_place():
    old = [stored(7, A, 1, True, parser="1.9.0")]
    assert plan_versions([doc(A)], old, PARSER) == [Decision(REPARSE, report_id=7, is_current=True)]


def test_same_bytes_stored_quarantined_now_parsed_reparses():
    old = [stored(7, A, 1, True, status="quarantined")]
    assert plan_versions([doc(A)], old, PARSER) == [Decision(REPARSE, report_id=7, is_current=True)]


def test_same_bytes_parsed_before_now_partial_reparses():
    assert plan_versions([doc(A, "partial")], [stored(7, A, 1, True)], PARSER)[0].action == REPARSE


def test_bytes_that_parsed_are_kept_when_they_no_longer_parse():
    old = [stored(7, A, 1, True, parser="1.9.0")]
    assert plan_versions([doc(A, "quarantined")], old, PARSER) == [
        Decision(KEEP, report_id=7, is_current=True)
    ]


def test_quarantined_bytes_stored_quarantined_again_only_check_results():
    old = [stored(7, A, 1, True, status="quarantined")]
    (d,) = plan_versions([doc(A, "quarantined")], old, PARSER)
    assert d.action == CHECK_RESULTS


def test_a_quarantine_never_pushes_out_a_parsed_current_version():
    old = [stored(7, A, 1, True)]
    assert plan_versions([doc(B, "quarantined")], old, PARSER) == [
        Decision(INSERT, version=2, is_current=False)
    ]


def test_a_quarantine_supersedes_a_quarantined_current_version():
    old = [stored(7, A, 1, True, status="quarantined")]
    assert plan_versions([doc(B, "quarantined")], old, PARSER) == [
        Decision(INSERT, version=2, is_current=True, supersedes=True, supersedes_id=7)
    ]


def test_a_quarantine_of_a_new_organ_year_is_current():
    assert plan_versions([doc(A, "quarantined")], [], PARSER) == [
        Decision(INSERT, version=1, is_current=True)
    ]


def test_a_partial_parse_supersedes_a_parsed_version():
    (d,) = plan_versions([doc(B, "partial")], [stored(7, A, 1, True)], PARSER)
    assert (d.is_current, d.supersedes_id) == (True, 7)


def test_several_documents_of_one_organ_year_are_versions_in_batch_order_the_last_current():
    old = [stored(7, A, 1, True)]
    assert plan_versions([doc(B), doc(C)], old, PARSER) == [
        Decision(INSERT, version=2, is_current=False, supersedes=True, supersedes_id=7),
        Decision(INSERT, version=3, is_current=True, supersedes=True, supersedes_index=0),
    ]


def test_a_quarantine_after_a_new_version_in_the_batch_does_not_push_it_out():
    assert plan_versions([doc(A), doc(B, "quarantined")], [], PARSER) == [
        Decision(INSERT, version=1, is_current=True),
        Decision(INSERT, version=2, is_current=False),
    ]


def test_stored_bytes_met_again_lose_currency_to_a_later_document_of_the_batch():
    old = [stored(7, A, 1, True)]
    assert plan_versions([doc(A), doc(B)], old, PARSER) == [
        Decision(CHECK_RESULTS, report_id=7, is_current=False),
        Decision(INSERT, version=2, is_current=True, supersedes=True, supersedes_id=7),
    ]


def test_the_same_document_twice_in_a_batch_is_a_duplicate():
    assert plan_versions([doc(A), doc(A)], [], PARSER) == [
        Decision(INSERT, version=1, is_current=True),
        Decision(DUPLICATE),
    ]


def test_a_stored_document_met_twice_is_checked_once():
    actions = [d.action for d in plan_versions([doc(A), doc(A)], [stored(7, A, 1, True)], PARSER)]
    assert actions == [CHECK_RESULTS, DUPLICATE]


def test_organ_years_are_planned_independently():
    old = [stored(7, A, 1, True, organ="o1", year=2022), stored(9, A, 1, True, organ="o2", year=2022)]
    docs = [doc(B, organ="o1", year=2022), doc(A, organ="o2", year=2022), doc(A, organ="o1", year=2023)]
    assert plan_versions(docs, old, PARSER) == [
        Decision(INSERT, version=2, is_current=True, supersedes=True, supersedes_id=7),
        Decision(CHECK_RESULTS, report_id=9, is_current=True),
        Decision(INSERT, version=1, is_current=True),  # same bytes, another year: a new organ-year
    ]


def test_stored_versions_of_other_organ_years_are_ignored():
    old = [stored(9, A, 1, True, organ="o2")]
    assert plan_versions([doc(A, organ="o1")], old, PARSER) == [Decision(INSERT, version=1, is_current=True)]
