"""Issue 11: the parse-completeness guard reaches the warehouse (reports.parse_complete /
parse_unaccounted), on SQLite and PostgreSQL, so views and analysts can filter on it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from whkit import generated_reports, item_of, migrated_engine, replace

from ogi.warehouse.load import RunInfo, load_batch


@pytest.fixture
def engine(db_url):
    yield from migrated_engine(db_url)


def test_parse_completeness_is_stored_per_report_version(engine):
    (oid_a, rep_a), (oid_b, rep_b), (oid_c, rep_c) = generated_reports(3)[:3]
    complete = item_of(oid_a, rep_a)
    complete.parsed.completeness = {
        "printed": 180,
        "mapped": 180,
        "ignored": {},
        "unaccounted": [],
        "double": [],
    }
    lost = item_of(oid_b, rep_b)
    lost.parsed.completeness = {
        "printed": 181,
        "mapped": 179,
        "ignored": {},
        "unaccounted": ["'77' (table 4, row 4, cell 16)"],
        "double": ["'5' (table 2, row 5, cell 2) read as t3.granted.total, t3.granted.other_org"],
    }
    lost.parsed.status = "partial"
    unmeasured = item_of(oid_c, rep_c)  # parsed before the guard existed
    load_batch(engine, [complete, lost, unmeasured], run=RunInfo("run-quality"))
    with engine.connect() as c:
        rows = {
            r.sha256: (r.parse_complete, r.parse_unaccounted, r.status)
            for r in c.execute(
                sa.text("SELECT sha256, parse_complete, parse_unaccounted, status FROM reports")
            )
        }
    assert rows[complete.sha256][:2] in ((True, 0), (1, 0))
    assert rows[lost.sha256] in ((False, 2, "partial"), (0, 2, "partial"))
    assert rows[unmeasured.sha256][:2] == (None, None)
    # a re-load of the same documents changes nothing
    load_batch(engine, [replace(complete), replace(lost), replace(unmeasured)], run=RunInfo("run-quality-2"))
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT COUNT(*) FROM reports")).scalar() == 3
