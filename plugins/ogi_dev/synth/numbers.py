"""Canonical ``Report`` numbers for synthetic organ-years, drawn from realistic distributions.

Most organs receive 0–20 applications a year, a few receive thousands (a heavy-tailed organ
"scale"). Every statutory identity holds (T3-H1/H2/H3, T4-H1..H3) and consecutive years chain
(carried_over(Y) = carried_forward(Y−1); v2021 in_force(Y) = in_force(Y−1) + issued − repealed;
v2019 prev_items(Y) = prev_items(Y−1) + change(Y−1)), so any failure a validator reports on a
clean synthetic report is a validator bug, and a defect injected by ``defects.py`` is the only
reason an identity breaks. Keys and labels come only from ``ogi.templates``.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from ogi import templates as T
from ogi.model import Report

# outcome weights of table 三 (share of processed applications), by row key
_OUTCOME_WEIGHTS: dict[str, float] = {
    "granted": 0.45,
    "partial_grant": 0.09,
    "denied_state_secret": 0.002,
    "denied_law_prohibited": 0.004,
    "denied_security_stability": 0.003,
    "denied_third_party": 0.03,
    "denied_internal_affairs": 0.01,
    "denied_process_info": 0.02,
    "denied_enforcement_file": 0.006,
    "denied_admin_query": 0.008,
    "unable_not_held": 0.18,
    "unable_needs_creation": 0.03,
    "unable_unclear": 0.025,
    "notproc_petition": 0.03,
    "notproc_repeat": 0.03,
    "notproc_publication": 0.004,
    "notproc_mass_repeat": 0.01,
    "notproc_confirm_reissue": 0.008,
    "other_processing": 0.05,
    "other_no_correction": 0.03,
    "other_fee_unpaid": 0.004,
    "other_other": 0.02,
}
# share of new applications by applicant column (natural persons dominate)
_APPLICANT_WEIGHTS = (0.88, 0.08, 0.005, 0.005, 0.01, 0.02)


@dataclass
class OrganSpec:
    """An organ of the synthetic city and its long-run size (mean applications per year)."""

    id: str
    name: str
    type: str  # templates.ORGAN_TYPES key
    region: str
    scale: float
    makes_rules: bool = False  # only a 设区的市 people's government issues 规章


@dataclass
class _Stock:
    """Quantities that carry from one year to the next."""

    carried: list[int] | None = None  # carried_forward per applicant column
    normdocs_published: int = 0  # v2019 对外公开总数量 (cumulative)
    rules_published: int = 0
    in_force: dict[str, int] = field(default_factory=dict)  # v2021 现行有效件数
    items: dict[str, int] = field(default_factory=dict)  # v2019 上一年项目数量 + 本年增/减


def poisson(rng: random.Random, lam: float) -> int:
    """Poisson draw; normal approximation for large means (fast enough for 10⁵ reports)."""
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def split(rng: random.Random, n: int, weights: Sequence[float]) -> list[int]:
    """Partition ``n`` items into len(weights) counts (exact sum; multinomial-like)."""
    out = [0] * len(weights)
    if n <= 0:
        return out
    if n <= 60:
        for i in rng.choices(range(len(weights)), weights=weights, k=n):
            out[i] += 1
        return out
    total = sum(weights)
    for i, w in enumerate(weights):
        out[i] = int(n * w / total * rng.uniform(0.85, 1.15))
    rest = n - sum(out)
    while rest < 0:  # rounding overshoot: take from the largest
        j = max(range(len(out)), key=out.__getitem__)
        out[j] -= 1
        rest += 1
    for i in rng.choices(range(len(weights)), weights=weights, k=rest):
        out[i] += 1
    return out


def draw_scale(rng: random.Random) -> float:
    """Heavy-tailed organ size: ~70 % small (0–8/yr), a few very large (hundreds to thousands)."""
    u = rng.random()
    if u < 0.70:
        return rng.uniform(0, 8)
    if u < 0.90:
        return rng.uniform(8, 60)
    if u < 0.98:
        return rng.uniform(60, 500)
    return rng.uniform(500, 5000)


def _table3(rng: random.Random, version: str, scale: float, carried: list[int]) -> tuple[dict, list[int]]:
    n_new = poisson(rng, scale * rng.lognormvariate(0, 0.3))
    new = split(rng, n_new, _APPLICANT_WEIGHTS)
    rows = T.T3_OUTCOME_ROWS_COMMON + T.T3_OTHER_ROWS[version]
    weights = [_OUTCOME_WEIGHTS[r] for r in rows]
    cols: dict[str, dict[str, int]] = {r: {} for r in ("new_received", "carried_over", *rows)}
    cols["total_processed"], cols["carried_forward"] = {}, {}
    forward = []
    for i, c in enumerate(T.T3_APPLICANT_COLS):
        avail = new[i] + carried[i]
        fwd = (
            sum(1 for _ in range(avail) if rng.random() < 0.05) if avail < 200 else poisson(rng, avail * 0.05)
        )
        fwd = min(fwd, avail)
        done = avail - fwd
        parts = split(rng, done, weights)
        cols["new_received"][c], cols["carried_over"][c] = new[i], carried[i]
        for r, v in zip(rows, parts):
            cols[r][c] = v
        cols["total_processed"][c], cols["carried_forward"][c] = done, fwd
        forward.append(fwd)
    table3 = {}
    for key in T.T3_ROW_KEYS:  # printed order
        if key in cols:
            row = cols[key]
            row["total"] = sum(row[c] for c in T.T3_APPLICANT_COLS)
            table3[key] = {c: row[c] for c in T.T3_COL_KEYS}
    return table3, forward


def _table4(rng: random.Random, scale: float) -> dict[str, int]:
    out: dict[str, int] = {}
    for g in T.T4_GROUPS:
        lam = scale * (0.03 if g.key == "review" else 0.012)
        parts = split(rng, poisson(rng, lam), (0.6, 0.1, 0.15, 0.15))
        keys, total = T.t4_group_cells(g.key)
        out.update(zip(keys, parts))
        out[total] = sum(parts)
    return {k: out[k] for k in T.T4_KEYS}


def _money(x: float, places: int) -> float:
    return float(f"{x:.{places}f}")


def _table2(rng: random.Random, version: str, organ: OrganSpec, stock: _Stock, first: bool) -> dict:
    makes_rules = organ.makes_rules
    big = organ.scale > 60 or organ.type == "government"
    t2: dict[str, dict] = {}
    if version == T.V2019:
        for row, cum_attr in (("rules", "rules_published"), ("normdocs", "normdocs_published")):
            made = (
                poisson(rng, 1.5 if row == "rules" else (12 if big else 2))
                if (row != "rules" or makes_rules)
                else 0
            )
            published = made if rng.random() < 0.85 else max(0, made - poisson(rng, 1))
            if first:
                setattr(
                    stock,
                    cum_attr,
                    poisson(rng, 10 if row == "rules" and makes_rules else (60 if big else 8))
                    if row != "rules" or makes_rules
                    else 0,
                )
            setattr(stock, cum_attr, getattr(stock, cum_attr) + published)
            t2[row] = {
                "new_made": made,
                "new_published": published,
                "total_published": getattr(stock, cum_attr),
            }
        for row in ("license", "other_admin_service", "penalty", "coercion", "fee"):
            if first or row not in stock.items:
                stock.items[row] = poisson(
                    rng, {"license": 40, "penalty": 120, "fee": 6}.get(row, 15) if big else 3
                )
            prev = stock.items[row]
            change = max(-prev, round(rng.gauss(0, 2))) if rng.random() < 0.4 else 0
            stock.items[row] = prev + change
            cells: dict = {"prev_items": prev, "change": change}
            if row != "fee":
                cells["decisions"] = poisson(rng, (900 if row == "license" else 200) if big else 6)
            t2[row] = cells
        projects = poisson(rng, 20 if big else 2)
        amount = _money(projects * rng.lognormvariate(12, 1.0), 2) if projects else 0
        t2["central_procurement"] = {"projects": projects, "amount": amount, "amount_unit": None}
        return t2
    for row in ("rules", "normdocs"):
        allowed = row != "rules" or makes_rules
        if row not in stock.in_force:
            base = stock.rules_published if row == "rules" else stock.normdocs_published
            stock.in_force[row] = (base or poisson(rng, 40 if big else 6)) if allowed else 0
        issued = poisson(rng, (1.5 if row == "rules" else (12 if big else 2))) if allowed else 0
        repealed = min(stock.in_force[row] + issued, poisson(rng, 3 if big else 0.5)) if allowed else 0
        stock.in_force[row] = stock.in_force[row] + issued - repealed
        t2[row] = {"issued": issued, "repealed": repealed, "in_force": stock.in_force[row]}
    for row in ("license", "penalty", "coercion"):
        t2[row] = {"decisions": poisson(rng, (900 if row == "license" else 200) if big else 6)}
    fee = _money(rng.lognormvariate(5, 2), 4) if big and rng.random() < 0.7 else 0
    t2["fee"] = {"amount_wan": fee}
    return t2


def report_title(organ: str, year: int, rng: random.Random | None = None) -> str:
    """A title as portals print it (with or without 度 after the year)."""
    du = "度" if rng is not None and rng.random() < 0.4 else ""
    return f"{organ}{year}年{du}政府信息公开工作年度报告"


def publication_date(rng: random.Random, organ_type: str, year: int, *, late: bool = False) -> dt.date:
    """A publication date before the statutory deadline (or 1–120 days after it when ``late``)."""
    deadline = T.publication_deadline(organ_type, year)
    if late:
        return deadline + dt.timedelta(days=rng.randint(1, 120))
    start = dt.date(year + 1, 1, 5)
    return start + dt.timedelta(days=rng.randint(0, (deadline - start).days))


def generate_series(organ: OrganSpec, years: Sequence[int], rng: random.Random) -> dict[int, Report]:
    """One clean report per year for ``organ`` (years consecutive and ascending), chained across years."""
    stock = _Stock()
    out: dict[int, Report] = {}
    for i, year in enumerate(sorted(years)):
        version = T.expected_version(year)
        if version is None:
            raise ValueError(f"year {year} is before the 2019 templates; synthetic reports start in 2019")
        carried = (
            stock.carried
            if stock.carried is not None
            else split(rng, poisson(rng, organ.scale * 0.04), _APPLICANT_WEIGHTS)
        )
        table3, stock.carried = _table3(rng, version, organ.scale, carried)
        table2 = _table2(rng, version, organ, stock, first=(i == 0))
        out[year] = Report(
            template_version=version,
            year=year,
            organ=organ.name,
            table3=table3,
            table4=_table4(rng, organ.scale),
            table2=table2,
            title=report_title(organ.name, year, rng),
            published_on=publication_date(rng, organ.type, year).isoformat(),
        )
    return out


# ---------------------------------------------------------------------------- narrative


def sections_text(report: Report) -> dict[str, list[str]]:
    """Narrative paragraphs per section key, consistent with the tables (T3-S4, T3-S5 hold)."""
    t3 = report.table3
    new = (t3.get("new_received") or {}).get("total") or 0
    done = (t3.get("total_processed") or {}).get("total") or 0
    fwd = (t3.get("carried_forward") or {}).get("total") or 0
    review = report.table4.get("review_total") or 0
    y = report.year
    overview = [
        (
            f"{y}年，{report.organ}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府"
            "信息公开条例》，扎实推进政府信息公开工作。"
        ),
        "（一）主动公开。通过门户网站、政务新媒体等渠道及时公开政策文件、财政预决算、行政执法等信息。",
        (
            f"（二）依申请公开。全年共收到政府信息公开申请{new}件，已全部按法定时限答复{done}件，"
            f"结转下年度继续办理{fwd}件。"
        ),
        "（三）政府信息管理。严格落实公开前保密审查机制，动态更新政府信息公开目录。",
        "（四）平台建设。持续优化政府信息公开专栏，规范栏目设置。",
        f"（五）监督保障。将政务公开纳入年度考核，全年因政府信息公开被申请行政复议{review}件。",
    ]
    unpaid = (t3.get("other_fee_unpaid") or {}).get("total") or 0
    if report.template_version == T.V2021:
        other = (
            [f"本年度发出收费通知{unpaid}件，收取信息处理费0元。"] if unpaid else ["本年度未收取信息处理费。"]
        )
    else:
        other = ["无。"]
    return {
        "overview": overview,
        "problems": [
            "一是政策解读形式较为单一；二是信息公开的及时性有待提高。",
            "下一步，我们将进一步丰富解读形式，严格公开时效，提升政府信息公开工作质量。",
        ],
        "other_matters": other,
    }


def preamble(report: Report) -> str:
    """The opening paragraph (legal basis and statistics period, which the parser reads the year from)."""
    return (
        f"本报告根据《中华人民共和国政府信息公开条例》编制。本报告中所列数据统计期限为{report.year}年1月1日至"
        f"{report.year}年12月31日。本报告电子版可在{report.organ}门户网站下载。"
    )


def diff_cells(truth: Report, got: Report) -> list[str]:
    """Every printed cell (tables 二/三/四, units and local labels included) where ``got`` differs."""
    out = []
    for name, a, b in (
        ("table2", truth.table2 or {}, got.table2 or {}),
        ("table3", truth.table3, got.table3),
    ):
        for row in sorted(set(a) | set(b)):
            ra, rb = a.get(row), b.get(row)
            if ra is None or rb is None:
                out.append(f"{name}.{row}: {'missing' if rb is None else 'unexpected'}")
                continue
            for col in sorted(set(ra) | set(rb)):
                if ra.get(col) != rb.get(col):
                    out.append(f"{name}.{row}.{col}: expected {ra.get(col)!r}, got {rb.get(col)!r}")
    for k in sorted(set(truth.table4) | set(got.table4)):
        if truth.table4.get(k) != got.table4.get(k):
            out.append(f"table4.{k}: expected {truth.table4.get(k)!r}, got {got.table4.get(k)!r}")
    return out
