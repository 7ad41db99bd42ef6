"""``ogi report`` prints one line (the page) and ``ogi_analyst_outputs`` has the task that refreshes the
pages after a load."""

from __future__ import annotations

from pathlib import Path

from reportkit import CITY, DISTRICT, YEAR

REPO = Path(__file__).resolve().parents[2]


def test_ogi_report_cli(city_sqlite, tmp_path, capsys):
    from ogi.cli import main

    assert (
        main(
            [
                "report",
                "--region",
                CITY,
                "--year",
                str(YEAR),
                "--out",
                str(tmp_path),
                "--warehouse",
                city_sqlite,
            ]
        )
        == 0
    )
    out = capsys.readouterr()
    assert out.err == "" and out.out.count("\n") == 1
    page = tmp_path / CITY / str(YEAR) / "index.html"
    assert out.out.startswith(str(page)) and page.exists()
    assert (tmp_path / DISTRICT / str(YEAR) / "index.html").exists()
    assert main(["report", "--region", "nowhere", "--year", "2022", "--warehouse", city_sqlite]) == 2
    assert "unknown region 'nowhere'" in capsys.readouterr().err


def test_analyst_outputs_dag_has_the_report_task():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags" / "ogi_analyst_outputs.py"))
    assert not bag.import_errors
    dag = bag.dags["ogi_analyst_outputs"]
    assert set(dag.task_ids) == {"export_views", "report"}
