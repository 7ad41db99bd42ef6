"""The drill-down: for every number on the page, the printed cells (facts) and reports it comes from.

The page carries one JSON block (``<script type="application/json" id="ogi-sources">``) with

* ``reports``: report id → organ, organ id, year, version, title, source URL, sha256, format,
  publication date, deadline, status (one entry per report version referred to);
* ``organs``: organ id → name, type and, for an organ without a report, the latest run outcome
  (``run_outcomes``: not published / fetch failed, with its reason and URL);
* ``facts``: one array per printed cell referred to: report id, table, row key, column key, value,
  printed text, how it was read, table/row/column index in the document, page and bounding box (PDF),
  and the index of the cell's printed label in ``labels``;
* ``refs``: number id → label, shown value, fact indexes, report ids, organ ids, note, and ``derived``
  when the number is computed from its cells (a rate, a denominator) rather than their sum.

A number in a table is ``<a class="n" href="#drill" data-ref="n17">…</a>``; the page's script shows
``refs.n17`` in the drill-down panel, writing every text with ``textContent`` (never as markup).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ogi.report.labels import cell_label
from ogi.templates import CellRef

#: column order of one fact in the JSON (kept short: a city page refers to thousands of cells)
FACT_FIELDS = (
    "report", "table", "row", "col", "value", "raw", "read_as", "src_table", "src_row", "src_col",
    "page", "bbox", "label",
)  # fmt: skip


def _num(v: Any) -> Any:
    if v is None:
        return None
    if hasattr(v, "is_integer") and not isinstance(v, (int, float)):  # Decimal
        v = float(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


class Sources:
    """Facts, reports and organs referred to by the page's numbers, and one ref per number."""

    def __init__(self, facts: Mapping[tuple[int, int, str, str], Mapping[str, Any]], reports, organs):
        self._facts = facts  # (report_id, table, row, col) -> fact row (facts columns)
        self._reports = reports  # report_id -> report row (v_current_reports + compliance)
        self._organs = organs  # organ_id -> organ row
        self._fact_index: dict[tuple, int] = {}
        self.facts: list[list[Any]] = []
        self.labels: list[str] = []  # printed cell labels, each once (facts refer to them by index)
        self._label_index: dict[str, int] = {}
        self.reports: dict[str, dict[str, Any]] = {}
        self.organs: dict[str, dict[str, Any]] = {}
        self.refs: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------------ building

    def _fact(self, key: tuple[int, int, str, str]) -> int | None:
        if key in self._fact_index:
            return self._fact_index[key]
        f = self._facts.get(key)
        if f is None:
            return None
        rid = key[0]
        self._report(rid)
        bbox = [f.get("bbox_x0"), f.get("bbox_top"), f.get("bbox_x1"), f.get("bbox_bottom")]
        ref = CellRef(key[1], key[2], key[3])
        self.facts.append(
            [
                str(rid), key[1], key[2], key[3], _num(f.get("value_num")), f.get("raw_text"), f.get("read_as"),
                f.get("src_table"), f.get("src_row"), f.get("src_col"), f.get("page"),
                [round(float(b), 1) for b in bbox] if all(b is not None for b in bbox) else None,
                self._label(cell_label(ref)),
            ]
        )  # fmt: skip
        self._fact_index[key] = len(self.facts) - 1
        return self._fact_index[key]

    def _label(self, label: str) -> int:
        if label not in self._label_index:
            self._label_index[label] = len(self.labels)
            self.labels.append(label)
        return self._label_index[label]

    def _report(self, rid: int) -> None:
        if str(rid) in self.reports or rid not in self._reports:
            return
        r = self._reports[rid]
        self.reports[str(rid)] = {
            k: (str(r[k]) if r.get(k) is not None and k in ("published_on", "deadline") else r.get(k))
            for k in (
                "organ_id", "organ_name", "organ_name_printed", "year", "version", "title", "source_url",
                "sha256", "source_format", "published_on", "deadline", "status", "status_reason",
                "template_version", "parser_version",
            )
        }  # fmt: skip

    def _organ(self, oid: str) -> None:
        if oid not in self.organs and oid in self._organs:
            self.organs[oid] = dict(self._organs[oid])

    def ref(
        self,
        label: str,
        value: str,
        *,
        cells: Iterable[tuple[int, CellRef]] = (),
        reports: Iterable[int] = (),
        organs: Iterable[str] = (),
        note: str | None = None,
        fallback_reports: Iterable[int] = (),
        derived: bool = False,
    ) -> str:
        """Register one number: ``cells`` are (report id, cell) pairs; printed cells that exist become
        its facts (blank cells too: their printed text says so). ``fallback_reports`` are listed when
        none of the cells is printed (an NA number still says which reports were looked at).
        Returns the ref id."""
        idx = []
        for rid, c in cells:
            i = self._fact((rid, c.table, c.row, c.col))
            if i is not None and i not in idx:
                idx.append(i)
        if not idx:
            reports = [*reports, *fallback_reports]
        rids = []
        for rid in reports:
            self._report(rid)
            if str(rid) in self.reports and str(rid) not in rids:
                rids.append(str(rid))
        oids = []
        for oid in organs:
            self._organ(oid)
            if oid in self.organs and oid not in oids:
                oids.append(oid)
        ref_id = f"n{len(self.refs) + 1}"
        self.refs[ref_id] = {
            "label": label,
            "value": value,
            "facts": idx,
            "reports": rids,
            "organs": oids,
            **({"note": note} if note else {}),
            **({"derived": True} if derived else {}),
        }
        return ref_id

    # ------------------------------------------------------------------ output

    def to_json(self) -> str:
        """The JSON block, safe inside ``<script type="application/json">``: ``<``, ``>``, ``&`` and the
        JavaScript line separators are written as escapes, so no text can close the element."""
        data = {
            "fields": FACT_FIELDS,
            "labels": self.labels,
            "facts": self.facts,
            "reports": self.reports,
            "organs": self.organs,
            "refs": self.refs,
        }
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
        for ch, esc in (
            ("<", "\\u003c"),
            (">", "\\u003e"),
            ("&", "\\u0026"),
            ("\u2028", "\\u2028"),
            ("\u2029", "\\u2029"),
        ):
            text = text.replace(ch, esc)
        return text
