"""``ogi export``: the files read back equal to the warehouse (queried here with plain SQL), in csv,
parquet and xlsx, on SQLite and PostgreSQL; the data dictionary describes every column; text that a
spreadsheet would run stays text."""

from __future__ import annotations

import csv
import datetime as dt
import math

import pytest
import sqlalchemy as sa
from reportkit import CITY, DISTRICT, load_city, load_hostile

from ogi.warehouse.outputs import safe_cell

#: the warehouse side, independently of ogi.warehouse.export: all versions of the region's organs
_ORGANS = "SELECT organ_id FROM v_region_organs WHERE region_id = :r"
EXPECTED = {
    "facts": "SELECT r.id AS report_id, r.organ_id, r.year, r.version, r.is_current, f.table_no, f.row_key, f.col_key,"
    " f.value_num, f.raw_text, f.unit, f.imputed, f.read_as, f.src_table, f.src_row, f.src_col, f.page, f.bbox_x0,"
    " f.bbox_top, f.bbox_x1, f.bbox_bottom FROM facts f JOIN reports r ON r.id = f.report_id"
    f" WHERE r.year BETWEEN :a AND :b AND r.organ_id IN ({_ORGANS})",
    "report_versions": "SELECT r.id AS report_id, r.organ_id, o.name AS organ_name, o.type AS organ_type,"
    " o.region_id, r.year, r.version, r.is_current, r.superseded_by, r.sha256, r.status, r.status_reason,"
    " r.template_version, r.template_version_detected, r.template_version_expected, r.organ_name_printed, r.title,"
    " r.published_on, r.deadline, r.source_url, r.source_format, r.fetched_at, r.parser_version, r.t2_present,"
    " r.t3_present, r.t4_present, r.parse_complete, r.parse_unaccounted, r.fee_notices_count,"
    " r.fee_notices_amount_yuan, r.fee_collected_yuan, r.warnings, r.notes, r.run_id, r.loaded_at"
    " FROM reports r JOIN organs o ON o.id = r.organ_id"
    f" WHERE r.year BETWEEN :a AND :b AND r.organ_id IN ({_ORGANS})",
    "rule_results": "SELECT r.id AS report_id, r.organ_id, r.year, r.version, r.is_current, v.rule_id, v.severity,"
    " v.status, v.where_, v.lhs, v.rhs, v.cells, v.imputed_zero, v.detail, v.run_id"
    " FROM validation_results v JOIN reports r ON r.id = v.report_id"
    f" WHERE r.year BETWEEN :a AND :b AND r.organ_id IN ({_ORGANS})",
    "metrics": "SELECT * FROM v_metrics WHERE year BETWEEN :a AND :b AND ((scope = 'region' AND scope_id IN"
    " (SELECT region_id FROM v_region_ancestors WHERE ancestor_id = :r)) OR (scope = 'organ' AND scope_id IN"
    f" ({_ORGANS})))",
}
BOOLS = {"is_current", "imputed", "imputed_zero", "t2_present", "t3_present", "t4_present", "parse_complete"}
DATES = {"published_on", "deadline"}
STAMPS = {"fetched_at", "loaded_at"}


def _canon(col: str, v, *, text_rule=lambda s: s):
    """One value in a form both sides agree on (types differ between SQLite, PostgreSQL and the files)."""
    if v is None or v == "":
        return None
    if col in BOOLS:
        return (
            v if isinstance(v, bool) else (str(v).lower() in ("1", "true")) if isinstance(v, str) else bool(v)
        )
    if col in DATES:
        return str(v)[:10]
    if col in STAMPS:
        t = v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(str(v))
        t = t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)
        return t + dt.timedelta(microseconds=round(t.microsecond / 1000) * 1000 - t.microsecond)  # xlsx: ms
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float)) or hasattr(v, "is_integer"):
        f = float(v)
        return round(f, 9) if not math.isnan(f) else "nan"
    if isinstance(v, str):
        v = text_rule(v)
        try:
            return round(float(v), 9)
        except ValueError:
            return v
    return text_rule(str(v))


def _warehouse(url: str, region: str, a: int, b: int) -> dict[str, tuple[list[str], list[tuple]]]:
    engine = sa.create_engine(url)
    out = {}
    with engine.connect() as c:
        for name, sql in EXPECTED.items():
            res = c.execute(sa.text(sql), {"r": region, "a": a, "b": b})
            out[name] = (list(res.keys()), [tuple(r) for r in res])
    engine.dispose()
    return out


def _same(name, expected, header, rows, *, text_rule=lambda s: s):
    cols, exp_rows = expected
    assert header == cols, name
    want = sorted(
        (tuple(_canon(c, v, text_rule=text_rule) for c, v in zip(cols, r)) for r in exp_rows), key=repr
    )
    got = sorted((tuple(_canon(c, v) for c, v in zip(cols, r)) for r in rows), key=repr)
    assert len(got) == len(want), name
    for g, w in zip(got, want):
        diff = [(c, a, b) for c, a, b in zip(cols, g, w) if a != b]
        assert not diff, (name, diff, w[:3])


def _read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _export(url, region, fmt, out, years=(2020, 2022)):
    from ogi.warehouse.db import get_engine
    from ogi.warehouse.export import export

    engine = get_engine(url)
    try:
        return export(engine, region, years[0], years[1], fmt, out)
    finally:
        engine.dispose()


def _check_dictionary(header_by_dataset: dict[str, list[str]], dictionary: list[list]):
    described = {(d[0], d[1]): d[3] for d in dictionary}
    for name, header in header_by_dataset.items():
        for col in header:
            assert described.get((name, col)), f"{name}.{col} has no meaning in the data dictionary"


@pytest.mark.parametrize("region", [CITY, DISTRICT])
def test_exports_read_back_equal_to_the_warehouse(city, db_url, tmp_path, region):
    import openpyxl
    import pyarrow.parquet as pq

    load_city(db_url, city)
    expected = _warehouse(db_url, region, 2020, 2022)
    assert expected["facts"][1] and expected["rule_results"][1] and expected["metrics"][1]

    res = _export(db_url, region, "csv", tmp_path / "csv")
    headers = {}
    for name in expected:
        header, rows = _read_csv(tmp_path / "csv" / f"{name}.csv")
        _same(
            name, expected[name], header, rows, text_rule=safe_cell
        )  # CSV text: formula triggers neutralised
        headers[name] = header
        assert res["rows"][name] == len(rows)
    _check_dictionary(headers, _read_csv(tmp_path / "csv" / "data_dictionary.csv")[1])

    _export(db_url, region, "parquet", tmp_path / "pq")
    for name in expected:
        table = pq.read_table(tmp_path / "pq" / f"{name}.parquet")
        _same(name, expected[name], table.column_names, [tuple(r.values()) for r in table.to_pylist()])
    _check_dictionary(headers, _read_csv(tmp_path / "pq" / "data_dictionary.csv")[1])

    res = _export(db_url, region, "xlsx", tmp_path / "xlsx")
    wb = openpyxl.load_workbook(res["files"][0], read_only=True)
    for name in expected:
        rows = [tuple(r) for r in wb[name].iter_rows(values_only=True)]
        width = len(rows[0])  # a read-only sheet leaves out a row's trailing empty cells
        rows = [r + (None,) * (width - len(r)) for r in rows]
        _same(name, expected[name], list(rows[0]), rows[1:], text_rule=safe_cell)
    _check_dictionary(headers, [list(r) for r in wb["data_dictionary"].iter_rows(values_only=True)][1:])


def test_xlsx_and_csv_text_never_runs_as_a_formula(tmp_path):
    import openpyxl

    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    strings = load_hostile(url)
    res = _export(url, "evil", "xlsx", tmp_path / "xlsx", years=(2021, 2022))
    wb = openpyxl.load_workbook(res["files"][0])  # full mode: data types are visible
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith("'="):
                    seen.add(cell.value[1:])
    assert any(v.startswith("=HYPERLINK") for v in seen)  # the hostile warning, neutralised
    _export(url, "evil", "csv", tmp_path / "csv", years=(2021, 2022))
    _, rows = _read_csv(tmp_path / "csv" / "report_versions.csv")
    assert any(cell == "'" + strings["warning"] for r in rows for cell in r)


def test_ogi_export_cli(city_sqlite, tmp_path, capsys):
    from ogi.cli import main

    out = tmp_path / "x"
    assert main(["export", "--region", CITY, "--years", "2021-2022", "--format", "parquet", "--out", str(out),
                 "--warehouse", city_sqlite]) == 0  # fmt: skip
    printed = capsys.readouterr()
    assert printed.out.count("\n") == 1 and "data dictionary" in printed.out and printed.err == ""
    assert sorted(p.name for p in out.iterdir()) == [
        "data_dictionary.csv", "facts.parquet", "metrics.parquet", "report_versions.parquet", "rule_results.parquet",
    ]  # fmt: skip
    assert main(["export", "--region", "nowhere", "--years", "2021", "--warehouse", city_sqlite]) == 2
    assert "unknown region" in capsys.readouterr().err
