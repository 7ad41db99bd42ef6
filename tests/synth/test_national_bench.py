"""``ogi bench national`` on a small scale, and ``ogi bench``'s combined table of headline figures.

The national run itself takes hours (docs/benchmarks.md); here it runs on 20 reports against real
PostgreSQL to prove the plumbing: every generated report parsed to its truth, loaded into the
warehouse, and a second worker setting fed the very same documents from the ``--cache``.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa


@pytest.fixture
def bench_prefix(pg_server: str):
    prefix = f"ogi_test_nb_{uuid.uuid4().hex[:8]}"
    yield prefix
    admin = sa.create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        for w in (1, 2):
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{prefix}_w{w}" WITH (FORCE)'))
    admin.dispose()


def test_national_bench_loads_every_report_and_reuses_cached_documents(
    pg_server, bench_prefix, tmp_path, capsys
):
    from ogi_dev import bench
    from ogi_dev.bench import national

    bench.FIGURES.clear()
    cache = tmp_path / "cache"
    argv = ["--reports", "20", "--workers", "1,2", "--chunk", "10", "--cache", str(cache)]
    argv += ["--pg", pg_server, "--db-prefix", bench_prefix, "--defect-rate", "0"]
    assert national.main([*argv, "--home", str(tmp_path / "home")]) == 0
    out = capsys.readouterr().out
    chunks = sorted(cache.glob("chunk-*.pickle"))
    assert len(chunks) == 2  # 20 reports in chunks of 10 (2 organs × 5 years)
    stamps = [c.stat().st_mtime_ns for c in chunks]

    # every form's reports parsed to their truth, in both worker settings
    rows = [
        ln.split() for ln in out.splitlines() if ln.strip().startswith(("html ", "pdf ", "docx ", "text "))
    ]
    assert rows and sum(int(r[1]) for r in rows) == 40
    assert all(r[4] == r[3] == r[1] for r in rows), out

    for w in (1, 2):
        eng = sa.create_engine(pg_server.rsplit("/", 1)[0] + f"/{bench_prefix}_w{w}")
        with eng.connect() as c:
            assert c.execute(sa.text("select count(*) from reports where is_current")).scalar() == 20
        eng.dispose()

    # each worker setting went the DAG's way: bytes archived, parse stored as JSON (then read back)
    from ogi.parse import PARSER_VERSION

    for w in (1, 2):
        home = tmp_path / "home" / f"w{w}"
        assert len(list((home / "parsed" / PARSER_VERSION).glob("*.json"))) == 20
        assert len([p for p in (home / "archive").rglob("*") if p.is_file()]) >= 20

    # the second run read the cache instead of generating again
    assert national.main(["--reports", "20", "--workers", "1", "--chunk", "10", "--cache", str(cache),
                          "--pg", pg_server, "--db-prefix", bench_prefix, "--defect-rate", "0"]) == 0  # fmt: skip
    assert [c.stat().st_mtime_ns for c in sorted(cache.glob("chunk-*.pickle"))] == stamps

    # the headline figures of all three runs, one line each, in ogi bench's combined table
    capsys.readouterr()
    bench.print_figures()
    table = capsys.readouterr().out
    assert table.count("20 reports, 1 worker process(es), PostgreSQL") == 2
    assert table.count("20 reports, 2 worker process(es), PostgreSQL") == 1
    bench.FIGURES.clear()
