"""Every real report of the shared corpus parses, validates against the schema and matches its truth.

Skips cleanly when ../shared is absent; PDF/DOCX reports skip while their reader is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import re

import pytest
from testenv import CORPUS, SHARED, corpus_reports, truth_for
from truthcompare import compare_to_truth

from ogi.parse import parse_bytes, parse_path

READERS = {".pdf": "ogi.parse.pdf", ".docx": "ogi.parse.docx"}


@pytest.fixture(scope="module")
def validator():
    import jsonschema

    schema_path = SHARED / "spec" / "report.schema.json"
    if not schema_path.exists():
        pytest.skip(f"schema not found at {schema_path}")
    schema = json.loads(schema_path.read_text("utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("path", corpus_reports(), ids=lambda p: p.name)
def test_corpus_report_matches_truth(path, validator):
    module = READERS.get(path.suffix)
    if module and importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} not available yet")
    parsed = parse_path(path)
    canonical = parsed.report.to_canonical()
    errors = sorted(validator.iter_errors(canonical), key=str)
    assert not errors, [e.message for e in errors]
    cmp = compare_to_truth(canonical, truth_for(path))
    assert not cmp.field_mismatches, cmp.describe()
    assert not cmp.table_mismatches("table3"), cmp.describe()
    assert not cmp.table_mismatches("table4"), cmp.describe()
    assert cmp.accuracy >= 0.99, cmp.describe()
    assert parsed.template_version_expected is not None
    assert set(parsed.sections) >= {"overview", "applications"}
    # every non-null value can be traced to a printed cell
    for ref, value in parsed.report.cells():
        if value is not None:
            assert parsed.provenance[ref].raw.strip(), ref


def test_corpus_is_present_or_skipped():
    if not CORPUS.is_dir():
        pytest.skip("shared corpus absent")
    assert corpus_reports(), "corpus folder has no report with a truth file"


@pytest.mark.parametrize("path", [p for p in corpus_reports() if p.suffix == ".html"], ids=lambda p: p.name)
def test_corpus_page_recoded_as_gbk_without_charset_parses_the_same(path):
    """The same real page served as GBK with its charset declaration removed."""
    html = path.read_text("utf-8")
    gbk = re.sub(r"charset\s*=\s*[\"']?utf-8[\"']?", "", html, flags=re.IGNORECASE).encode("gb18030")
    assert parse_bytes(gbk).report.to_canonical() == parse_path(path).report.to_canonical()


@pytest.mark.parametrize("path", [p for p in corpus_reports() if p.suffix == ".html"], ids=lambda p: p.name)
def test_corpus_page_flattened_to_text_gives_the_same_tables(path):
    """The page's own text (tables as ' | ' lines, as copied out of a browser) parses to the same tables."""
    from ogi.parse.html import read_html

    flat = read_html(path.read_bytes()).text.encode("utf-8")
    page, text = parse_path(path).report.to_canonical(), parse_bytes(flat).report.to_canonical()
    for key in ("table2", "table3", "table4", "year", "template_version"):
        assert text.get(key) == page.get(key), key
