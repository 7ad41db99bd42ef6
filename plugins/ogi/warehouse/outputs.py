"""Analyst files written from the warehouse: CSV that is safe to open in Excel.

Titles, organ names, rule details and every other text cell come from documents published on
portals we do not control. A spreadsheet treats a cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return as a formula (``=HYPERLINK(…)``, DDE payloads), so such text cells get a
leading apostrophe, as OWASP's CSV injection advice says; a cell whose first non-blank character is
one of ``= + - @`` is treated the same way (some programs trim before they look). Numbers are never
touched: ``-8`` read from the warehouse as a number stays the number -8. Only values that are
strings in the database are neutralised.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: first characters that make a spreadsheet read a cell as a formula (OWASP: CSV injection)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as it may go into a CSV cell: a text starting a formula gets a leading ``'``."""
    if isinstance(value, str) and (
        value.startswith(FORMULA_TRIGGERS) or value.lstrip(" \n").startswith(FORMULA_TRIGGERS[:4])
    ):
        return "'" + value
    return value


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Write a CSV for Excel (UTF-8 with BOM) atomically (temp file, then rename), every text cell
    through ``safe_cell``."""
    import csv

    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow([safe_cell(h) for h in header])
        w.writerows([safe_cell(v) for v in row] for row in rows)
    tmp.replace(path)
    return path


def export_views(out_dir: Path | str | None = None) -> dict[str, str]:
    """Every warehouse view of ``include/sql/0*.sql`` as a CSV file (UTF-8 with BOM, opens in Excel):
    what the analyst-outputs DAG refreshes whenever the warehouse Assets change. Text cells that a
    spreadsheet would run as a formula get a leading ``'`` (``ogi.warehouse.outputs.safe_cell``)."""
    from ogi import config
    from ogi.warehouse import db

    out = Path(out_dir or config.home() / "outputs")
    out.mkdir(parents=True, exist_ok=True)
    engine = db.get_engine()
    db.upgrade(engine)
    written = {}
    with engine.connect() as c:
        for sql_file in sorted(config.SQL_DIR.glob("0*.sql")):
            for view in db.view_names(sql_file):
                result = c.exec_driver_sql(f"SELECT * FROM {view}")
                written[view] = str(write_csv(out / f"{view}.csv", list(result.keys()), result))
    engine.dispose()
    log.info("exported %d views to %s", len(written), out)
    return written
