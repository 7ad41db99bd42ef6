"""Each migration freezes the SQL it applies (``include/migrations/<revision>/``): an upgrade never reads
the current include/sql, so a warehouse upgraded from 0001 and a fresh one are the same, whatever
include/sql holds at upgrade time; and include/sql is what the newest frozen revision applies (a change
to a view file ships with a revision)."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa

from ogi import config
from ogi.warehouse import db
from ogi.warehouse.db import downgrade, get_engine, upgrade


def _frozen_revisions() -> list[str]:
    return sorted(p.name for p in (config.INCLUDE_DIR / "migrations").iterdir() if p.is_dir())


def test_include_sql_is_what_the_newest_revision_applies():
    newest = db.frozen_sql_dir(_frozen_revisions()[-1])
    for name in (*db.SQL_FILES, *db.PG_SQL_FILES):
        assert (newest / name).read_text("utf-8") == (config.SQL_DIR / name).read_text("utf-8"), (
            f"include/sql/{name} differs from {newest}/{name}: a changed view ships with a new revision "
            "that applies its own frozen copy"
        )


def test_every_frozen_revision_is_a_migration():
    versions = Path(db.__file__).parent / "migrations" / "versions"
    assert set(_frozen_revisions()) <= {p.name.split("_", 1)[0] for p in versions.glob("0*.py")}


def _schema(eng) -> dict:
    insp = sa.inspect(eng)
    tables = {}
    for t in sorted(insp.get_table_names()):
        tables[t] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(t)],
            "pk": insp.get_pk_constraint(t)["constrained_columns"],
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), i["unique"]) for i in insp.get_indexes(t)
            ),
            "unique": sorted((u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(t)),
            "fks": sorted(
                (f["name"], tuple(f["constrained_columns"]), f["referred_table"])
                for f in insp.get_foreign_keys(t)
            ),
        }
    views = {v: insp.get_view_definition(v) for v in sorted(insp.get_view_names())}
    grants = []
    if eng.dialect.name == "postgresql":
        with eng.connect() as c:
            grants = sorted(
                tuple(r)
                for r in c.execute(
                    sa.text(
                        "SELECT grantee, table_name, privilege_type FROM information_schema.role_table_grants"
                        " WHERE table_schema = 'public'"
                    )
                )
            )
    return {"tables": tables, "views": views, "grants": grants}


def test_fresh_and_upgraded_from_0001_are_the_same(db_url, tmp_path, monkeypatch):
    eng = get_engine(db_url)
    upgrade(eng)
    fresh = _schema(eng)
    assert len(fresh["views"]) >= 15
    downgrade(eng, "0001")
    # include/sql has moved on since 0002 was written: the upgrade must not see it
    moved = tmp_path / "sql"
    shutil.copytree(config.SQL_DIR, moved)
    for name in db.SQL_FILES:
        (moved / name).write_text("CREATE VIEW v_not_in_any_revision AS SELECT 1 AS x;\n", "utf-8")
    monkeypatch.setattr(config, "SQL_DIR", moved)
    upgrade(eng)
    assert _schema(eng) == fresh
    eng.dispose()
