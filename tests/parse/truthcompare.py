"""Compare a parsed report with a hand-checked ``*.truth.json``, cell by cell (reusable by any test).

    from truthcompare import compare_to_truth      # tests/parse is on sys.path for its own tests
    cmp = compare_to_truth(parsed.report.to_canonical(), truth)
    assert cmp.accuracy >= 0.99, cmp.describe()

Every value in the truth's tables 二/三/四 (including table 二 ``label`` and ``*_unit`` fields) is a
truth cell; a parsed value equals it when both are None or both are numbers within 1e-9 or equal
strings. Keys the parser produced that the truth does not have are listed as ``extra`` (they do
not count against accuracy, which is measured on truth cells, but tests can assert there are none).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FIELDS = ("template_version", "year", "organ", "title", "published_on")


@dataclass
class Mismatch:
    where: str  # e.g. "table3.granted.total" or "organ"
    truth: Any
    parsed: Any

    def __str__(self) -> str:
        return f"{self.where}: parsed {self.parsed!r}, truth {self.truth!r}"


@dataclass
class Comparison:
    cells: int = 0
    matched: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)  # table cells
    field_mismatches: list[Mismatch] = field(default_factory=list)  # FIELDS
    extra: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.matched / self.cells if self.cells else 1.0

    def table_mismatches(self, table: str) -> list[Mismatch]:
        return [m for m in self.mismatches if m.where.startswith(table + ".")]

    def describe(self) -> str:
        lines = [f"{self.matched}/{self.cells} truth cells match ({self.accuracy:.2%})"]
        lines += [f"  field {m}" for m in self.field_mismatches]
        lines += [f"  cell  {m}" for m in self.mismatches]
        lines += [f"  extra {e}" for e in self.extra]
        return "\n".join(lines)


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return a == b


def _cells(table: str, d: dict | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for row, cols in (d or {}).items():
        if isinstance(cols, dict):
            for col, v in cols.items():
                out[f"{table}.{row}.{col}"] = v
        else:
            out[f"{table}.{row}"] = cols
    return out


def compare_to_truth(parsed: dict, truth: dict) -> Comparison:
    """Cell-by-cell comparison of a canonical JSON dict with its truth dict."""
    cmp = Comparison()
    for f in FIELDS:
        if not _same(truth.get(f), parsed.get(f)):
            cmp.field_mismatches.append(Mismatch(f, truth.get(f), parsed.get(f)))
    for table in ("table2", "table3", "table4"):
        t, p = _cells(table, truth.get(table)), _cells(table, parsed.get(table))
        for where, tv in t.items():
            cmp.cells += 1
            pv = p.get(where, "<absent>")
            if where in p and _same(tv, pv):
                cmp.matched += 1
            else:
                cmp.mismatches.append(Mismatch(where, tv, pv))
        cmp.extra += [w for w in p if w not in t]
    return cmp
