"""Real reports end to end: parse every corpus document, validate all in one batch, compare with the truths."""

from __future__ import annotations

import io
import json

import pytest
from testenv import corpus_reports, truth_for

from ogi.model import ParseError, Report
from ogi.templates import CellRef
from ogi.validate.run import validate_batch


def _failed(run, rid):
    return {(r.rule, r.where, r.lhs, r.rhs) for r in run.failed("error") if r.report == rid}


@pytest.fixture(scope="module")
def corpus_run(corpus_dir):
    from ogi.parse import parse_path

    items, skipped = {}, []
    for path in corpus_reports():
        items[path.name + ".truth"] = Report.from_canonical(truth_for(path))
        try:
            items[path.name] = parse_path(path)
        except ParseError as e:  # e.g. a reader that is not installed here
            skipped.append((path.name, e.reason))
    return items, skipped, validate_batch(items, data_docs=False)


def test_parsed_documents_fail_exactly_as_their_truths(corpus_run):
    items, _, run = corpus_run
    docs = [rid for rid in items if not rid.endswith(".truth")]
    assert docs
    for rid in docs:
        assert _failed(run, rid) == _failed(run, rid + ".truth"), rid


def test_real_report_with_wrong_printed_totals(corpus_run):
    _, _, run = corpus_run
    assert _failed(run, "huaian_hongzequ_2023.pdf.truth") == {
        ("T4-H1", "t4.review", 0, 11),
        ("T4-H3", "t4.lit_after_review", 0, 5),
    }
    assert {"ogi_v2019_error", "ogi_v2021_error"} <= set(run.suites)


def test_human_output_points_at_the_printed_cell(corpus_run):
    from ogi.validate.commands import _print_human

    items, _, _ = corpus_run
    parsed = items.get("pingtan_2023.html")
    if parsed is None:
        pytest.skip("pingtan_2023.html not parsed here")
    parsed.report.table4["review_total"] = 5  # as if the document printed 5
    run = validate_batch({"doc": parsed}, data_docs=False)
    out = io.StringIO()
    _print_human(run, {"doc": parsed}, out)
    text = out.getvalue()
    src = parsed.provenance[CellRef(4, "review_total")]
    assert "FAILED" in text and "T4-H1" in text
    assert f"t4.review_total.value: printed {src.raw!r}" in text and f"row {src.row}" in text
    json.dumps([r.to_dict() for r in run.results], ensure_ascii=False)


def test_every_corpus_document_was_parsed(corpus_run):
    _, skipped, _ = corpus_run
    assert not [s for s in skipped if s[1] != "unsupported_format"], skipped
