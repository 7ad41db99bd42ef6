"""The page model: the rows of ``ogi.report.queries`` turned into sections, tables and charts, each
number carrying a drill-down ref (``ogi.report.sources``). Rendering is ``ogi.report.render``.

A number in a table is a ``Num``: its text and the id of its ref. Every number gets a ref, also an
NA one (its drill-down shows which printed cells were blank or missing).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ogi import templates as T
from ogi.report import charts as C
from ogi.report import labels as L
from ogi.report.sources import Sources
from ogi.templates import CellRef


@dataclass
class Num:
    text: str
    ref: str
    cls: str = ""


@dataclass
class Chart:
    key: str
    title: str
    svg: str
    caption: str = ""


@dataclass
class Page:
    region: dict[str, Any]
    year: int
    data: dict[str, Any]
    sources: Sources
    sections: dict[str, Any] = field(default_factory=dict)
    charts: dict[str, Chart] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def fmt_count(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:,.2f}"
    return f"{int(v):,}"


def fmt_rate(v: Any) -> str:
    return "—" if v is None else f"{float(v) * 100:.1f}%"


def fmt_change(v: Any, *, points: bool = True) -> str:
    if v is None:
        return "—"
    return f"{float(v) * 100:+.1f}{' 个百分点' if points else '%'}"


def _sum(values: Iterable[Any]) -> Any:
    vals = [v for v in values if v is not None]
    return sum(vals) if vals else None


def competition_ranks(values: Sequence[Any]) -> list[int]:
    """1, 2, 2, 4 … for values already sorted best first."""
    ranks, prev = [], object()
    for i, v in enumerate(values):
        ranks.append(ranks[-1] if v == prev else i + 1)
        prev = v
    return ranks


class Builder:
    """Builds one ``Page`` from ``queries.collect`` rows."""

    def __init__(self, data: dict[str, Any], *, charts: bool = True):
        self.d = data
        self.year = data["year"]
        self.with_charts = charts
        self.reports_by_id = {r["report_id"]: r for r in data["reports"]}
        self.year_reports = [r for r in data["reports"] if r["year"] == self.year]
        organs = {e["organ_id"]: dict(e) for e in data["expected"]}
        for e in organs.values():
            o = data["outcomes"].get(e["organ_id"])
            if o:
                e.update(
                    outcome=o["outcome"], fetch_status=o["fetch_status"], reason=o["reason"], url=o["url"]
                )
        self.src = Sources(data["facts"], self.reports_by_id, organs)
        self.page = Page(data["region"], self.year, data, self.src)
        # which reports print the v2019 （六）其他处理 row, per column (harmonisation, as v_t3_harmonised)
        self.prints_other = {(k[0], k[3]) for k in data["facts"] if k[1] == 3 and k[2] == "other_processing"}

    # ------------------------------------------------------------------ refs

    def _reports_of(self, year: int | None = None) -> list[dict[str, Any]]:
        return (
            self.year_reports
            if year in (None, self.year)
            else [r for r in self.d["reports"] if r["year"] == year]
        )

    def _t3_cells(self, rid: int, row: str, col: str) -> list[CellRef]:
        """The printed cells behind a harmonised table 三 value of one report."""
        if row == "other_processing" and (rid, col) not in self.prints_other:
            return [CellRef(3, r, col) for r in L.T3_OTHER_SUBROWS]
        return [CellRef(3, row, col)]

    def num(
        self,
        value: Any,
        label: str,
        *,
        cells: Iterable[CellRef] = (),
        year: int | None = None,
        reports: Iterable[dict[str, Any]] | None = None,
        rate: bool = False,
        note: str | None = None,
        cls: str = "",
        derived: bool = False,
    ) -> Num:
        """A number whose drill-down lists ``cells`` of ``reports`` (default: the year's reports of the region)."""
        text = fmt_rate(value) if rate else fmt_count(value)
        reps = list(reports) if reports is not None else self._reports_of(year)
        cells = list(cells)
        pairs = []
        for r in reps:
            for c in cells:
                cs = self._t3_cells(r["report_id"], c.row, c.col) if c.table == 3 else [c]
                pairs += [(r["report_id"], x) for x in cs]
        rids = [r["report_id"] for r in reps]
        ref = self.src.ref(
            label,
            text,
            cells=pairs,
            reports=() if cells else rids,
            fallback_reports=rids,
            note=note,
            derived=derived or rate,
        )
        return Num(text, ref, cls)

    def count_of(self, items: list[dict[str, Any]], label: str, *, organs: bool = False) -> Num:
        """A count of reports (or of organs without a report); its drill-down lists them."""
        text = fmt_count(len(items))
        if organs:
            ref = self.src.ref(label, text, organs=[i["organ_id"] for i in items])
        else:
            ref = self.src.ref(label, text, reports=[i["report_id"] for i in items])
        return Num(text, ref)

    def chart(self, key: str, spec: dict[str, Any], caption: str = "") -> None:
        if not self.with_charts:
            return
        self.page.charts[key] = Chart(key, spec.get("title", ""), C.render_svg(spec), caption)

    # ------------------------------------------------------------------ sections

    def build(self) -> Page:
        self.header()
        self.coverage()
        self.applications()
        self.review_litigation()
        self.trends()
        self.rankings()
        self.failures()
        self.children()
        return self.page

    def header(self) -> None:
        s = self.d["summary"]
        m = s["metrics"] or {}
        cov = s["coverage"] or {}
        y = self.year
        self.page.sections["kpis"] = [
            (
                "应公开机关",
                self.count_of(self.d["expected"], f"{y} 年应公开年报的机关（登记在册）", organs=True),
            ),
            ("找到的报告", self.count_of(self.year_reports, f"{y} 年找到的报告（当前版本）")),
            (
                "办理申请（件）",
                self.num(
                    m.get("total_processed"),
                    f"{y} 年 {L.cell_label(CellRef(3, 'total_processed', 'total'))}",
                    cells=[CellRef(3, "total_processed", "total")],
                ),
            ),
            (
                "实质公开率",
                self.num(
                    m.get("disclosure_rate"),
                    f"{y} 年 实质公开率 =（予以公开＋部分公开）÷ 总计",
                    cells=L.RATE_CELLS["disclosure_rate"],
                    rate=True,
                ),
            ),
        ]
        self.page.sections["coverage_total"] = cov

    # 1. coverage and timeliness -------------------------------------------------------------

    def coverage(self) -> None:
        by_organ = {r["organ_id"]: r for r in self.year_reports}
        groups: dict[str, dict[str, list]] = defaultdict(
            lambda: {k: [] for k, _ in L.COVERAGE} | {"partial": [], "all": []}
        )
        for e in self.d["expected"]:
            g = groups[e["organ_type"] or "unknown"]
            g["all"].append(e)
            r = by_organ.get(e["organ_id"])
            if r is None:
                g["not_found"].append(e)
                continue
            if r["status"] == "quarantined":
                g["quarantined"].append(r)
            elif r["on_time"] == 1:
                g["on_time"].append(r)
            elif r["on_time"] == 0:
                g["late"].append(r)
            else:
                g["undated"].append(r)
            if r["status"] == "partial":
                g["partial"].append(r)
        order = [t for t in (*T.ORGAN_TYPES, "unknown") if t in groups]
        rows = []
        total: dict[str, list] = {k: [] for k in groups.get(order[0], {})} if order else {}
        for t in order:
            g = groups[t]
            for k, v in g.items():
                total[k] += v
            rows.append(self._coverage_row(L.ORGAN_TYPE_LABELS[t], g))
        if rows:
            rows.append(self._coverage_row("合计", total, cls="total"))
        self.page.sections["coverage"] = rows
        chart = [
            {"category": L.ORGAN_TYPE_LABELS[t], "series": label, "value": len(groups[t][k])}
            for t in order
            for k, label in L.COVERAGE
            if groups[t][k]
        ]
        if chart:
            self.chart(
                "coverage",
                C.stacked_bars(
                    chart,
                    title=f"{self.year} 年度报告公开情况（按机关类型）",
                    category="机关类型",
                    categories=[L.ORGAN_TYPE_LABELS[t] for t in order],
                    series=[label for _, label in L.COVERAGE],
                    colours=C.COVERAGE_COLOURS,
                    value_title="机关数",
                ),
                "按时：公开日期不晚于法定期限（部门、乡镇街道为次年1月31日，人民政府本级为次年3月31日）。",
            )

    def _coverage_row(self, label: str, g: dict[str, list], cls: str = "") -> dict[str, Any]:
        y = self.year
        cells = [self.count_of(g["all"], f"{y} 年 {label}：应公开机关", organs=True)]
        for k, name in L.COVERAGE:
            cells.append(self.count_of(g[k], f"{y} 年 {label}：{name}", organs=k == "not_found"))
        cells.append(self.count_of(g["partial"], f"{y} 年 {label}：部分解析（缺表或有警告）"))
        return {"label": label, "cells": cells, "cls": cls}

    # 2. applications (table 三) -------------------------------------------------------------

    def applications(self) -> None:
        t3 = self.d["summary"]["table3_harmonised"]
        y = self.year
        fam_rows = []
        chart = []
        for key, name, rows in L.FAMILIES:
            cells = []
            for col in T.T3_COL_KEYS:
                v = _sum((t3.get(r) or {}).get(col) for r in rows)
                label = f"{y} 年 {L.family_label(key)} · {L.t3_col_label(col)}"
                cells.append(self.num(v, label, cells=[CellRef(3, r, col) for r in rows]))
                if col != "total" and v:
                    chart.append({"category": L.t3_col_label(col).split("·")[-1], "series": name, "value": v})
            fam_rows.append({"label": name, "cells": cells})
        full = []
        for row in L.T3_HARMONISED_ROWS:
            if row not in t3:
                continue
            note = (
                "v2021 报告未印（六）其他处理合计行：取其三个子项之和（同 v_t3_harmonised）"
                if row == "other_processing"
                else None
            )
            full.append(
                {
                    "label": L.t3_row_label(row),
                    "cells": [
                        self.num(t3[row].get(col), f"{y} 年 {L.cell_label(CellRef(3, row, col))}",
                                 cells=[CellRef(3, row, col)], note=note)
                        for col in T.T3_COL_KEYS
                    ],
                }
            )  # fmt: skip
        self.page.sections["families"] = fam_rows
        self.page.sections["t3"] = full
        self.page.sections["t3_cols"] = [c.label for c in T.T3_COLUMNS]
        if chart:
            self.chart(
                "outcomes",
                C.stacked_bars(
                    chart,
                    title=f"{y} 年 依申请公开办理结果（按申请人类型）",
                    category="申请人",
                    categories=[L.t3_col_label(c).split("·")[-1] for c in T.T3_APPLICANT_COLS],
                    series=[n for _, n, _ in L.FAMILIES],
                ),
                "表三“三、本年度办理结果”按结果类别汇总；（六）其他处理按两版模板统一口径。",
            )

    # 3. review and litigation (table 四) ------------------------------------------------------

    def review_litigation(self) -> None:
        t4 = self.d["summary"]["table4"]
        m = self.d["summary"]["metrics"] or {}
        y, min_cases = self.year, self.d["min_n"]["cases"]
        rows, chart = [], []
        rate_of = {"review": "review_correction_rate", "lit_direct": "lit_direct_correction_rate",
                   "lit_after_review": "lit_after_review_correction_rate"}  # fmt: skip
        for g in T.T4_GROUPS:
            cells = []
            for o, oname in T.T4_OUTCOMES:
                key = f"{g.key}_{o}"
                cells.append(
                    self.num(t4.get(key), f"{y} 年 {L.cell_label(CellRef(4, key))}", cells=[CellRef(4, key)])
                )
                if o != "total" and t4.get(key):
                    chart.append({"category": L.T4_GROUP_LABELS[g.key], "series": oname, "value": t4[key]})
            rows.append(
                {"label": L.T4_GROUP_LABELS[g.key], "cells": cells, **self._rate_cells(m, rate_of[g.key], y)}
            )
        lit = {"label": "行政诉讼合计", "cells": [], **self._rate_cells(m, "lit_correction_rate", y)}
        self.page.sections["t4"] = rows + [lit]
        self.page.sections["t4_cols"] = [n for _, n in T.T4_OUTCOMES]
        self.page.sections["min_cases"] = min_cases
        if chart:
            self.chart(
                "review",
                C.stacked_bars(
                    chart,
                    title=f"{y} 年 行政复议、行政诉讼案件（表四）",
                    category="类别",
                    categories=list(L.T4_GROUP_LABELS.values()),
                    series=[n for o, n in T.T4_OUTCOMES if o != "total"],
                    colours=("#72b7b2", "#e45756", "#bab0ac", "#f58518"),
                    value_title="案件数",
                ),
                f"纠错率 = 结果纠正 ÷（总计 − 尚未审结）；已审结不足 {min_cases} 件时只列数不评。",
            )

    def _rate_cells(self, m: dict[str, Any], rate: str, year: int, reports=None) -> dict[str, Any]:
        flag, kind = L.RATE_FLAGS[rate]
        n = self._denominator(m, rate)
        meets = m.get(flag) == 1
        threshold = self.d["min_n"][kind]
        label = f"{year} 年 {L.RATE_LABELS[rate]}"
        rate_num = self.num(
            m.get(rate), label, cells=L.RATE_CELLS[rate], year=year, reports=reports, rate=True,
            note=None if meets else f"分母 N = {fmt_count(n)} < {threshold}：不足最低样本量，不参与排名、不作比较",
            cls="" if meets else "below-n",
        )  # fmt: skip
        n_num = self.num(
            n,
            f"{label} 的分母 N",
            cells=L.RATE_CELLS[rate],
            year=year,
            reports=reports,
            derived=True,
            note=L.DENOMINATOR_NOTES[rate],
        )
        return {"rate": rate_num, "n": n_num, "meets": meets, "threshold": threshold}

    @staticmethod
    def _denominator(m: dict[str, Any], rate: str) -> Any:
        if rate == "lit_correction_rate":  # v_metrics: both litigation groups' decided cases
            return _sum((m.get("lit_direct_decided"), m.get("lit_after_review_decided")))
        return m.get(L.RATE_DENOMINATORS[rate])

    # 4. trends ----------------------------------------------------------------------------------

    def trends(self) -> None:
        rows, volume, rates = [], [], []
        year_labels = {}
        versions_by_year: dict[int, Counter] = defaultdict(Counter)
        for r in self.d["reports"]:
            if r["template_version"]:
                versions_by_year[r["year"]][r["template_version"]] += 1
        for y in self.d["years"]:
            m = self.d["region_metrics"].get(y) or {}
            yoy = self.d["region_yoy"].get(y) or {}
            t3 = self.d["trend_t3"].get(y, {})
            versions = versions_by_year.get(y, Counter())
            vlabel = "+".join(sorted(versions)) or "—"
            year_labels[y] = f"{y}（{vlabel}）"
            fams = []
            for key, name, frows in L.FAMILIES:
                v = _sum(t3.get(r) for r in frows)
                fams.append(
                    self.num(
                        v, f"{y} 年 {name} · 总计", cells=[CellRef(3, r, "total") for r in frows], year=y
                    )
                )
                if v:
                    volume.append({"category": year_labels[y], "series": name, "value": v})
            rate_cells = {}
            for rate in ("disclosure_rate", "review_correction_rate", "lit_correction_rate"):
                rc = self._rate_cells(m, rate, y, reports=self._reports_of(y))
                rate_cells[rate] = rc
                if rc["meets"] and m.get(rate) is not None:
                    rates.append({"year": year_labels[y], "series": L.RATE_LABELS[rate], "value": m[rate]})
            rows.append(
                {
                    "year": y,
                    "versions": vlabel,
                    "derived": y in self.d["derived_years"],
                    "n_reports": self.count_of(self._reports_of(y), f"{y} 年 报告数（当前版本）"),
                    "total": self.num(m.get("total_processed"), f"{y} 年 {L.cell_label(CellRef(3, 'total_processed', 'total'))}",
                                      cells=[CellRef(3, "total_processed", "total")], year=y),
                    "growth": fmt_change(yoy.get("total_processed_growth"), points=False),
                    "families": fams,
                    "rates": rate_cells,
                    "disclosure_change": fmt_change(yoy.get("disclosure_rate_change")),
                }
            )  # fmt: skip
        self.page.sections["trend"] = rows
        self.page.sections["families_labels"] = [n for _, n, _ in L.FAMILIES]
        changes = sorted({tuple(sorted(v)) for v in versions_by_year.values()})
        self.page.sections["template_change"] = len({v for c in changes for v in c}) > 1
        order = [year_labels[y] for y in self.d["years"]]
        if volume:
            self.chart(
                "trend_volume",
                C.stacked_bars(
                    volume,
                    title="历年依申请公开办理结果",
                    category="年度（模板版本）",
                    categories=order,
                    series=[n for _, n, _ in L.FAMILIES],
                    horizontal=False,
                ),
                "2020 年及以前的报告用 2019 版模板（v2019），2021 年起用 2021 版（v2021）；"
                "（六）其他处理在 v2021 中由三个子项相加得到（与 v_region_t3_harmonised 相同）。",
            )
        if rates:
            self.chart(
                "trend_rates",
                C.rate_lines(
                    rates,
                    title="历年实质公开率与纠错率（仅达到最低样本量的年份）",
                    years=order,
                    series=[
                        L.RATE_LABELS[r]
                        for r in ("disclosure_rate", "review_correction_rate", "lit_correction_rate")
                    ],
                ),
            )

    # 5. rankings -------------------------------------------------------------------------------

    def rankings(self) -> None:
        y = self.year
        om = self.d["organ_metrics"]
        rep = {r["organ_id"]: r for r in self.year_reports}

        def organ(o):
            r = rep.get(o["scope_id"])
            return {"id": o["scope_id"], "name": o["organ_name"], "printed": r and r["organ_name_printed"],
                    "report": self.src.ref(o["organ_name"] or o["scope_id"], "", reports=[o["report_id"]])}  # fmt: skip

        vol = sorted(
            (o for o in om if o["total_processed"] is not None),
            key=lambda o: (-o["total_processed"], o["organ_name"] or ""),
        )
        ranks = competition_ranks([o["total_processed"] for o in vol])
        self.page.sections["rank_volume"] = [
            {"rank": k, "organ": organ(o),
             "value": self.num(o["total_processed"], f"{y} 年 {o['organ_name']}：{L.cell_label(CellRef(3, 'total_processed', 'total'))}",
                               cells=[CellRef(3, "total_processed", "total")], reports=[rep[o["scope_id"]]])}
            for k, o in zip(ranks, vol)
        ]  # fmt: skip
        if vol:
            top = vol[:15]
            self.chart(
                "rank_volume",
                C.ranked_bars([{"organ": o["organ_name"] or o["scope_id"], "value": o["total_processed"]} for o in top],
                              title=f"{y} 年 办理申请量前 {len(top)} 名机关", value_title="办理件数（表三（七）总计）"),
            )  # fmt: skip
        tables = []
        for rate in ("disclosure_rate", "review_correction_rate", "lit_correction_rate"):
            flag, kind = L.RATE_FLAGS[rate]
            threshold = self.d["min_n"][kind]
            ranked = sorted(
                (o for o in om if o[flag] == 1 and o[rate] is not None),
                key=lambda o: (-o[rate], o["organ_name"] or ""),
            )
            unranked = sorted(
                (o for o in om if not (o[flag] == 1 and o[rate] is not None)),
                key=lambda o: o["organ_name"] or "",
            )
            ranks = competition_ranks([o[rate] for o in ranked])

            def entry(o, rank=None, rate=rate):
                rc = self._rate_cells(o, rate, y, reports=[rep[o["scope_id"]]])
                return {"rank": rank, "organ": organ(o), **rc}

            tables.append(
                {
                    "key": rate,
                    "label": L.RATE_LABELS[rate],
                    "threshold": threshold,
                    "kind": "件已办理申请" if kind == "applications" else "件已审结案件",
                    "ranked": [entry(o, k) for k, o in zip(ranks, ranked)],
                    "unranked": [entry(o) for o in unranked],
                }
            )
            if rate == "disclosure_rate" and ranked:
                top = ranked[:15]
                self.chart(
                    "rank_disclosure",
                    C.ranked_bars([{"organ": o["organ_name"] or o["scope_id"], "value": o[rate]} for o in top],
                                  title=f"{y} 年 实质公开率（已办理 ≥ {threshold} 件的机关）", value_title="实质公开率", percent=True),
                )  # fmt: skip
        self.page.sections["rank_rates"] = tables

    # 6. hard-rule failures ----------------------------------------------------------------------

    def failures(self) -> None:
        from ogi.validate.rules import RULE_BY_ID, identities

        by_organ: dict[str, dict[str, Any]] = {}
        ident_cache: dict[str, dict] = {}
        for f in self.d["failures"]:
            rid = f["report_id"]
            r = self.reports_by_id.get(rid) or {}
            o = by_organ.setdefault(
                f["organ_id"],
                {"organ": f["organ_name"], "organ_id": f["organ_id"], "printed": r.get("organ_name_printed"),
                 "title": r.get("title"), "url": f["source_url"], "sha256": r.get("sha256"),
                 "report": self.src.ref(f["organ_name"], "", reports=[rid]), "items": []},
            )  # fmt: skip
            version = f["template_version"] or T.V2021
            if version not in ident_cache:
                ident_cache[version] = {(i.rule, i.where): i for i in identities(version)}
            ident = ident_cache[version].get((f["rule_id"], f["where_"]))
            rule = RULE_BY_ID.get(f["rule_id"])
            cells = [
                CellRef.parse(c) for c in (f["cells"] or "").split() if c.count(".") == 2 and ":" not in c
            ]
            item = {
                "rule": f["rule_id"],
                "description": rule.description_zh if rule else "",
                "where": f["where_"],
                "detail": f["detail"],
                "imputed": bool(f["imputed_zero"]),
            }
            if ident is not None:
                item["kind"] = "identity"
                item["comparison"] = "≥" if ident.comparison == ">=" else "＝"
                item["lhs"] = self._side(rid, ident.lhs, f["lhs"], f"{f['organ_name']} {f['rule_id']} 左边")
                item["rhs"] = self._side(rid, ident.rhs, f["rhs"], f"{f['organ_name']} {f['rule_id']} 右边")
            else:
                item["kind"] = "cells"
                item["terms"] = self._terms(rid, cells)
                item["lhs_value"], item["rhs_value"] = fmt_count(f["lhs"]), fmt_count(f["rhs"])
            o["items"].append(item)
        self.page.sections["failures"] = list(by_organ.values())

    def _terms(self, rid: int, cells: Iterable[CellRef]) -> list[dict[str, Any]]:
        out = []
        for c in cells:
            fact = self.d["facts"].get((rid, c.table, c.row, c.col))
            if fact is None:  # not printed by this report (e.g. the other template's （六） rows)
                continue
            v = fact["value_num"]
            out.append(
                {
                    "label": L.cell_label(c),
                    "value": self.num(v, L.cell_label(c), cells=[c], reports=[self.reports_by_id[rid]])
                    if rid in self.reports_by_id
                    else Num(fmt_count(v), ""),
                }
            )
        return out

    def _side(self, rid: int, cells: Sequence[CellRef], total: Any, label: str) -> dict[str, Any]:
        terms = self._terms(rid, cells)
        rep = [self.reports_by_id[rid]] if rid in self.reports_by_id else []
        return {"terms": terms, "total": self.num(total, label, cells=cells, reports=rep)}

    # 7. districts ------------------------------------------------------------------------------

    def children(self) -> None:
        """The regions directly below: registered organs, reports found, reports failing a hard rule
        (the same counts as v_coverage for each of them), each linked to its list."""
        y = self.year
        out = []
        for c in self.d["children"]:
            organs = set(c["organs"])
            expected = [e for e in self.d["expected"] if e["organ_id"] in organs]
            registered = {e["organ_id"] for e in expected}
            found = [r for r in self.year_reports if r["organ_id"] in registered]
            failing = [r for r in found if (r["n_hard_failed"] or 0) > 0]
            out.append(
                {
                    "id": c["id"],
                    "name": c["name"],
                    "level": L.LEVEL_LABELS.get(c["level"] or "", c["level"] or ""),
                    "registered": self.count_of(expected, f"{y} 年 {c['name']}：应公开机关", organs=True),
                    "found": self.count_of(found, f"{y} 年 {c['name']}：找到的报告"),
                    "failing": self.count_of(failing, f"{y} 年 {c['name']}：未通过硬性规则的报告"),
                }
            )
        self.page.sections["children"] = out


def build_page(data: dict[str, Any], *, charts: bool = True) -> Page:
    return Builder(data, charts=charts).build()
