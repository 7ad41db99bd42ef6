"""``ogi demo`` is quiet: one line per stage with a bar, the run summary, the report's path last;
Airflow's task logs go to a file under OGI_HOME (``--verbose`` prints them).

The demo runs in a subprocess started when the session starts (conftest ``demo_run``), alongside the
other report tests, and this test (alphabetically the last but one file) collects its output."""

from __future__ import annotations

from pathlib import Path

#: the issue's bound for a successful `make demo` (make itself echoes one more line)
MAX_DEMO_LINES = 40
STAGES = ("prepare", "plan", "fetch", "parse", "validate", "load", "cross-year", "summarise", "report pages")


def test_demo_is_quiet_and_ends_with_the_report(demo_run):
    """One year of the demo city through dag.test (the full five-year `make demo` is measured in
    docs/report.md): at most 40 lines, the last one the report's path."""
    home, returncode, stdout, stderr, elapsed = demo_run.result()
    lines = stdout.splitlines()
    print(f"\nogi demo --year 2025: {elapsed:.0f} s, {len(lines)} lines:\n{stdout}")
    assert returncode == 0, stdout[-2000:] + stderr[-3000:]
    assert stderr == ""
    assert len(lines) <= MAX_DEMO_LINES
    assert lines[-1].startswith("report: ")
    report = Path(lines[-1].removeprefix("report: "))
    assert report == home / "reports" / "yunlan" / "2025" / "index.html" and report.exists()
    for stage in STAGES:  # one line per stage, each with its bar
        assert any(line.startswith(stage) and "━" in line for line in lines), stage
    assert "dag run state: success" in lines
    # Airflow's task logs went to the file the first line names
    log = Path(lines[0].split("task logs go to ")[1].split(" (")[0])
    text = log.read_text("utf-8")
    assert "[DAG TEST] end task" in text and "Task instance state updated" in text
