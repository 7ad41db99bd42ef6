"""A small synthetic city for the DAG tests, and the check that the warehouse holds its truth."""

from __future__ import annotations

import shutil
from pathlib import Path

YEARS = (2021, 2022, 2023)


def make_city(out: Path, *, organs: int = 5, years=YEARS, seed: int = 7):
    """A defect-free city (every report published, parseable): its truth is what must be loaded."""
    from ogi_dev.synth.city import generate_city

    return generate_city(out, organs=organs, years=years, seed=seed, defect_rate=0.0)


def copy_city(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def truth_facts(city_dir: Path, manifest, year: int) -> dict[tuple[str, int, str, str], float]:
    """Every printed numeric cell of the city's reports of ``year``, keyed like the facts table."""
    from ogi_dev.synth.city import load_truth

    out = {}
    for e in manifest.entries:
        if e.year != year or e.truth is None:
            continue
        for ref, value in load_truth(city_dir, e).cells():
            if isinstance(value, int | float) and not isinstance(value, bool):
                out[(e.organ_id, ref.table, ref.row, ref.col)] = float(value)
    return out


def warehouse_facts(url: str, year: int, organs=None) -> dict[tuple[str, int, str, str], float]:
    """Numeric facts of the current report versions of ``year``."""
    import sqlalchemy as sa

    from ogi.warehouse.db import get_engine

    engine = get_engine(url)
    q = sa.text(
        "select r.organ_id, f.table_no, f.row_key, f.col_key, f.value_num from facts f "
        "join reports r on r.id = f.report_id where r.is_current and r.year = :y and f.value_num is not null"
    )
    with engine.connect() as c:
        rows = c.execute(q, {"y": year}).all()
    engine.dispose()
    return {(o, t, r, col): v for o, t, r, col, v in rows if organs is None or o in organs}


def counts(url: str) -> dict[str, int]:
    import sqlalchemy as sa

    from ogi.warehouse.db import get_engine

    engine = get_engine(url)
    with engine.connect() as c:
        out = {
            t: c.execute(sa.text(f"select count(*) from {t}")).scalar_one()
            for t in ("reports", "facts", "validation_results", "sections")
        }
    engine.dispose()
    return out
