"""Migrations (empty database and from the previous revision), the analyst role (PostgreSQL), the
analyst example queries, URL resolution, and the CLI."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from whkit import CITY, load_everything, migrated_engine

from ogi import config
from ogi.cli import main
from ogi.warehouse import db
from ogi.warehouse.db import current_revision, downgrade, get_engine, sql_statements, upgrade
from ogi.warehouse.summary import municipal_summary


@pytest.fixture
def engine(db_url):
    yield from migrated_engine(db_url)


def _views(eng) -> set[str]:
    return set(sa.inspect(eng).get_view_names())


def test_upgrade_on_empty_database_and_idempotent(db_url):
    eng = get_engine(db_url)
    assert current_revision(eng) is None
    upgrade(eng)
    assert current_revision(eng) == "0005"
    expected = {v for f in db.SQL_FILES for v in db.view_names(config.SQL_DIR / f)}
    assert expected <= _views(eng) and len(expected) >= 15
    upgrade(eng)  # again: nothing to do
    assert current_revision(eng) == "0005"
    eng.dispose()


def test_upgrade_from_previous_revision_keeps_data(db_url):
    eng = get_engine(db_url)
    upgrade(eng)
    reports, _ = load_everything(eng, n_gen=2)
    downgrade(eng, "0004")  # data present at the previous revision (0005's columns gone) …
    assert current_revision(eng) == "0004"
    upgrade(eng)  # … survives the upgrade
    assert current_revision(eng) == "0005"
    assert municipal_summary(eng, CITY, 2021)["n_reports"] == 2 + sum(
        1 for o, d in reports if d["year"] == 2021 and not o.startswith("gen-")
    )
    downgrade(eng, "0001")  # and back: views go, data stays
    assert not _views(eng)
    with eng.connect() as c:
        assert c.execute(sa.text("SELECT COUNT(*) FROM reports")).scalar() == len(reports)
    eng.dispose()


def test_analyst_role_can_select_but_not_write(pg_url):
    eng = get_engine(pg_url)
    upgrade(eng)
    upgrade(eng, "0001")
    upgrade(eng)  # applying the role file twice is fine (idempotent)
    load_everything(eng, n_gen=2)
    with eng.connect() as c:
        c.execute(sa.text("SET ROLE ogi_analyst"))
        assert c.execute(sa.text("SELECT COUNT(*) FROM v_region_t3")).scalar() > 0
        assert c.execute(sa.text("SELECT COUNT(*) FROM facts")).scalar() > 0
        for stmt in (
            "INSERT INTO regions (id, name) VALUES ('x', 'x')",
            "UPDATE reports SET status = 'parsed'",
            "DELETE FROM facts",
            "CREATE TABLE mine (x int)",
        ):
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), c.begin_nested():
                c.execute(sa.text(stmt))
    eng.dispose()


def test_analyst_example_queries_run(engine):
    load_everything(engine, n_gen=6)
    text = (config.SQL_DIR / "analyst_queries.sql").read_text("utf-8")
    statements = sql_statements(text)
    assert len(statements) >= 5
    answered = 0
    with engine.connect() as c:
        for stmt in statements:
            answered += bool(
                c.execute(sa.text(stmt), {"region": CITY, "year": 2021, "term": "总体"}).fetchall()
            )
    assert answered >= len(statements) - 1  # no hard failures were loaded here


def test_sql_splitter_keeps_dollar_quoted_blocks():
    text = "-- c\nDO $$\nBEGIN\n  NULL;\nEND\n$$;\n\nSELECT 1;\n"
    assert sql_statements(text) == ["DO $$\nBEGIN\n  NULL;\nEND\n$$", "SELECT 1"]


def test_url_resolution_order(monkeypatch, tmp_path):
    monkeypatch.delenv("OGI_WAREHOUSE_URL", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_OGI_WAREHOUSE", raising=False)
    monkeypatch.setattr(db, "_airflow_url", lambda: None)
    assert db.resolve_url() == config.warehouse_url()
    monkeypatch.setattr(db, "_airflow_url", lambda: "postgresql+psycopg://airflow-conn/db")
    assert db.resolve_url() == "postgresql+psycopg://airflow-conn/db"
    monkeypatch.setenv("OGI_WAREHOUSE_URL", "postgres://env/db")
    assert db.resolve_url() == "postgresql+psycopg://env/db"
    assert db.resolve_url(f"sqlite:///{tmp_path}/x.db") == f"sqlite:///{tmp_path}/x.db"


def test_airflow_connection_is_read_when_defined(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_OGI_WAREHOUSE", "postgresql://warehouse:pw@db.example:5432/warehouse")
    assert db._airflow_url() == "postgresql+psycopg://warehouse:pw@db.example:5432/warehouse"


def test_cli_load_and_summary(tmp_path, capsys, corpus_dir):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    doc = corpus_dir / "pingtan_2021.html"
    assert (
        main(
            ["load", str(doc), "--warehouse", url, "--organ", "平潭综合实验区管理委员会", "--region", "平潭"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "平潭综合实验区管理委员会/2021\tinserted" in out
    assert main(["load", str(doc), "--warehouse", url, "--organ", "平潭综合实验区管理委员会"]) == 0
    assert "\tunchanged\t" in capsys.readouterr().out
    assert main(["summary", "--region", "平潭", "--year", "2021", "--json", "--warehouse", url]) == 0
    s = json.loads(capsys.readouterr().out)
    truth = json.loads((corpus_dir / "pingtan_2021.truth.json").read_text("utf-8"))
    assert s["table3"]["new_received"]["total"] == truth["table3"]["new_received"]["total"]
    assert s["table4"] == {k: v for k, v in truth["table4"].items()}


def test_cli_errors_are_one_line(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    junk = tmp_path / "junk.html"
    junk.write_text("<html><body>nothing to see</body></html>", "utf-8")
    assert main(["load", str(junk), "--warehouse", url]) == 1
    err = capsys.readouterr().err
    assert "give --organ and --year" in err and "Traceback" not in err
    assert (
        main(["load", str(junk), "--warehouse", url, "--organ", "某局", "--year", "2023", "--region", "某市"])
        == 1  # issue 13: nothing useful happened (the only file is quarantined), though it is recorded
    )
    assert "某局/2023\tinserted\tquarantined" in capsys.readouterr().out
    assert main(["summary", "--region", "nowhere", "--year", "2023", "--warehouse", url]) == 1
    assert "unknown region 'nowhere'" in capsys.readouterr().err
    assert main(["load", str(tmp_path / "missing.pdf"), "--warehouse", url]) == 1


def test_run_outcomes_are_recorded_once_per_run(db_url):
    """A run's outcome table lands in the warehouse; recording the same run again replaces its rows."""
    from ogi.warehouse.runs import record_run_outcomes

    eng = get_engine(db_url)
    upgrade(eng)
    rows = [
        {"organ_id": "o1", "year": 2023, "region": "r", "fetch": "found", "outcome": "parsed", "url": "u1"},
        {
            "organ_id": "o2",
            "year": 2023,
            "fetch": "fetch_failed",
            "outcome": "fetch_failed",
            "reason": "http_404",
        },
    ]
    assert record_run_outcomes(eng, "run-1", rows) == 2
    assert record_run_outcomes(eng, "run-1", rows[1:]) == 1  # the re-run of run-1 replaces its rows
    record_run_outcomes(eng, "run-2", rows)
    with eng.connect() as c:
        got = c.execute(
            sa.text("SELECT run_id, organ_id, outcome, reason FROM run_outcomes ORDER BY 1, 2")
        ).all()
    assert [tuple(r) for r in got] == [
        ("run-1", "o2", "fetch_failed", "http_404"),
        ("run-2", "o1", "parsed", None),
        ("run-2", "o2", "fetch_failed", "http_404"),
    ]
    eng.dispose()
