"""Seeded random combinations of the deviations on one page: every printed cell must come back.

Each case draws a year (so a template), numbers, blanks and dashes, and a mix of label and
number spellings (quotes, 1、/1., traditional characters, <br> inside labels, full-width digits,
thousands separators), invented subtotal rows/columns, and GBK without a charset declaration.
"""

from __future__ import annotations

import random

import pytest
from reportbuilder import report_html, t3_html, t4_html

from ogi import templates as T
from ogi.parse import parse_bytes

_FULL = str.maketrans("0123456789", "０１２３４５６７８９")
_TRAD = str.maketrans(
    "开请数处属国规稳护类务项无关没现补确访举报诉复计继续机会组织议维审经",
    "開請數處屬國規穩護類務項無關沒現補確訪舉報訴複計繼續機會組織議維審經",
)


def _spell(n: int, rng: random.Random) -> str:
    s = f"{n:,}" if n >= 1000 and rng.random() < 0.5 else str(n)
    return s.translate(_FULL) if rng.random() < 0.2 else s


def _label(label: str, rng: random.Random) -> str:
    if rng.random() < 0.3:
        label = label.translate(_TRAD)
    if rng.random() < 0.3:
        label = label.replace("“", '"').replace("”", '"')
    if rng.random() < 0.3 and label[:1].isdigit():
        label = label[0] + "、" + label[2:]
    if rng.random() < 0.3 and len(label) > 6:
        i = rng.randrange(3, len(label) - 2)
        label = label[:i] + "<br/>" + label[i:]
    return label


@pytest.mark.parametrize("seed", range(24))
def test_random_variant_page_round_trips(seed):
    rng = random.Random(seed)
    year = rng.choice([2019, 2020, 2021, 2022, 2023, 2024, 2025])
    version = T.expected_version(year)
    expected: dict[str, dict[str, int | None]] = {}
    printed: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for row in T.t3_rows_for(version):
        vals: list[int | None] = []
        cells: list[str] = []
        for _ in T.T3_COL_KEYS:
            r = rng.random()
            if r < 0.15:
                vals.append(None)
                cells.append(rng.choice(["", "&nbsp;", " "]))
            elif r < 0.2:
                vals.append(None)
                cells.append(rng.choice(["—", "-", "/"]))
            else:
                n = rng.choice([0, 0, 0, rng.randrange(1, 30), rng.randrange(1000, 20000)])
                vals.append(n)
                cells.append(_spell(n, rng))
        expected[row.key] = dict(zip(T.T3_COL_KEYS, vals))
        printed[row.key] = cells
        labels[row.key] = _label(row.label, rng)
    t4 = [rng.choice([0, 1, 2, 15]) for _ in T.T4_KEYS]
    html = report_html(
        year=year,
        t3=t3_html(version, values=printed, labels=labels, subtotal_rows=rng.random() < 0.3),
        t4=t4_html([str(n) for n in t4]),
        charset=None if rng.random() < 0.5 else "utf-8",
    )
    data = html.encode("gb18030") if rng.random() < 0.5 else html.encode("utf-8")
    pr = parse_bytes(data)
    assert pr.report.year == year and pr.report.template_version == version
    assert pr.report.table3 == expected
    assert list(pr.report.table4.values()) == t4
    assert not [w for w in pr.warnings if "not recognised" in w], pr.warnings
