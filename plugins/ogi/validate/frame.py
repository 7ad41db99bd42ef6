"""Reports → one wide table per template version: a ``report`` id column plus one column per cell.

Every identity of ``rules`` is then a row check over a fixed set of columns, so one GX run checks
a whole batch. Blank cells stay NaN in the frame; the expectations count a blank as 0 when another
cell of the identity is printed and skip the row when all are blank (§2.6 NULL handling), and
``run`` records which blanks were imputed.

Table 三 comes in two shapes for （六）其他处理 (one v2019 row, or three v2021 sub-rows) and the
shape does not always follow the template version of table 二 (e.g. a 2023 report with a v2021
table 二 but the v2019 table 三). Each report's shape is read from the rows it prints; rows of the
other shape are "not in the template" for that report, never "blank".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from ogi import templates as T
from ogi.model import ParsedReport, Report
from ogi.templates import V2019, V2021, CellRef
from ogi.validate.rules import column_name, frame_cells

if TYPE_CHECKING:
    import pandas as pd

REPORT_COL = "report"


def as_report(item: Report | ParsedReport) -> Report:
    return item.report if isinstance(item, ParsedReport) else item


def t3_shape(report: Report) -> str:
    """Which （六）其他处理 shape table 三 prints (``ogi.templates.t3_shape``), else the report's version."""
    return T.t3_shape(report.table3, default=report.template_version)


@cache
def shape_cells(version: str, shape: str) -> frozenset[CellRef]:
    """Cells a report of template ``version`` with table 三 ``shape`` prints (others are not in its template)."""
    excluded = set(T.T3_OTHER_ROWS[V2021 if shape == V2019 else V2019])
    return frozenset(c for c in frame_cells(version) if not (c.table == 3 and c.row in excluded))


@dataclass
class VersionFrame:
    """The frame of one template version, and what was learnt building it."""

    version: str
    report_ids: list[str]
    shapes: list[str]
    cells: tuple[CellRef, ...]
    values: Any  # numpy float64 array, reports × cells, NaN = blank
    #: (report id, cell, raw value) of values that are not numbers at all (type-rule failures)
    non_numeric: list[tuple[str, CellRef, Any]] = field(default_factory=list)

    def to_pandas(self) -> pd.DataFrame:
        import pandas as pd

        df = pd.DataFrame(self.values, columns=[column_name(c) for c in self.cells])
        df.insert(0, REPORT_COL, self.report_ids)
        return df


def _number(v: Any) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return None if isinstance(v, float) and math.isnan(v) else float(v)
    return None


def build_frames(items: Iterable[tuple[str, Report]]) -> dict[str, VersionFrame]:
    """One ``VersionFrame`` per template version present in ``items`` (report id, report)."""
    import numpy as np

    grouped: dict[str, list[tuple[str, Report]]] = {}
    for rid, rep in items:
        if rep.template_version not in T.TEMPLATE_VERSIONS:
            raise ValueError(f"report {rid!r}: unknown template_version {rep.template_version!r}")
        grouped.setdefault(rep.template_version, []).append((rid, rep))
    frames = {}
    for version, reps in grouped.items():
        cells = frame_cells(version)
        idx3 = {(c.row, c.col): j for j, c in enumerate(cells) if c.table == 3}
        idx4 = {c.row: j for j, c in enumerate(cells) if c.table == 4}
        idx2 = {(c.row, c.col): j for j, c in enumerate(cells) if c.table == 2}
        values = np.full((len(reps), len(cells)), np.nan)
        frame = VersionFrame(version, [r for r, _ in reps], [t3_shape(rep) for _, rep in reps], cells, values)
        for i, (rid, rep) in enumerate(reps):
            row = values[i]
            for key, cols in [*rep.table3.items(), *((rep.table2 or {}).items())]:
                if not isinstance(cols, Mapping):
                    continue
                index = idx3 if key in T.T3_ROW_BY_KEY else idx2
                for col, v in cols.items():
                    j = index.get((key, col))
                    if j is not None and v is not None:
                        _put(frame, row, i, j, v)
            for key, v in rep.table4.items():
                j = idx4.get(key)
                if j is not None and v is not None:
                    _put(frame, row, i, j, v)
        frames[version] = frame
    return frames


def _put(frame: VersionFrame, row: Any, i: int, j: int, v: Any) -> None:
    num = _number(v)
    if num is None:
        frame.non_numeric.append((frame.report_ids[i], frame.cells[j], v))
    else:
        row[j] = num
