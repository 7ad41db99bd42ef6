"""The custom GX expectations on their own: pandas and SQLAlchemy (SQLite through a GX SQL datasource)."""

from __future__ import annotations

import pytest

ROWS = [  # report, a, b, c  with a + b − c == 0 expected
    ("ok", 1.0, 2.0, 3.0),
    ("bad", 1.0, 2.0, 4.0),
    ("blank_as_zero", 5.0, None, 5.0),
    ("blank_breaks", None, 2.0, 5.0),
    ("all_blank", None, None, None),
    ("negative", -1.0, 1.0, 0.0),
    ("fraction", 0.5, 0.5, 1.0),
]


@pytest.fixture(scope="module")
def gx_ctx():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return ctx


def _suite(ctx, name):
    import great_expectations as gx

    from ogi.validate.expectations import ExpectColumnsNonNegative, ExpectLinearIdentity

    suite = gx.ExpectationSuite(name)
    suite.add_expectation(ExpectLinearIdentity(column_list=["a", "b", "c"], coefficients=[1, 1, -1]))
    suite.add_expectation(
        ExpectLinearIdentity(column_list=["a", "b"], coefficients=[1, 1], comparison=">=", meta={"k": "ge"})
    )
    suite.add_expectation(ExpectColumnsNonNegative(column_list=["a", "b", "c"]))
    suite.add_expectation(
        ExpectColumnsNonNegative(column_list=["a", "b", "c"], non_integer_columns=["a", "b"])
    )
    return ctx.suites.add(suite)


def _unexpected(result) -> list[set[str]]:
    return [{r["report"] for r in er.result["unexpected_index_list"]} for er in result.results]


EXPECTED = [
    {"bad", "blank_breaks"},  # identity (blank = 0 when another cell is printed; all-blank row skipped)
    set(),  # a + b >= 0 holds everywhere (negative: -1 + 1 = 0)
    {"negative", "fraction"},  # non-negative integers
    {"negative"},  # a, b may be decimals; c must be whole
]


def test_pandas_engine(gx_ctx):
    import great_expectations as gx
    import pandas as pd

    df = pd.DataFrame(ROWS, columns=["report", "a", "b", "c"])
    bd = (
        gx_ctx.data_sources.add_pandas("pd")
        .add_dataframe_asset("t")
        .add_batch_definition_whole_dataframe("b")
    )
    vd = gx.ValidationDefinition(name="pd_vd", data=bd, suite=_suite(gx_ctx, "pd_suite"))
    res = vd.run(
        batch_parameters={"dataframe": df},
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["report"]},
    )
    assert _unexpected(res) == EXPECTED
    assert res.results[0].result["element_count"] == len(ROWS)


def test_sqlalchemy_engine_on_sqlite(gx_ctx, tmp_path):
    import great_expectations as gx
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'e.db'}"
    eng = sa.create_engine(url)
    with eng.begin() as c:
        c.execute(sa.text("CREATE TABLE t (report TEXT PRIMARY KEY, a REAL, b REAL, c REAL)"))
        c.execute(sa.text("INSERT INTO t VALUES (:r, :a, :b, :c)"), [dict(zip("rabc", row)) for row in ROWS])
    eng.dispose()
    ds = gx_ctx.data_sources.add_sqlite("sq", connection_string=url)
    bd = ds.add_table_asset("t", table_name="t").add_batch_definition_whole_table("b")
    vd = gx.ValidationDefinition(name="sq_vd", data=bd, suite=_suite(gx_ctx, "sq_suite"))
    res = vd.run(result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["report"]})
    assert _unexpected(res) == EXPECTED


def test_coefficients_must_match_columns():
    from ogi.validate.expectations import ExpectLinearIdentity

    with pytest.raises(Exception, match="2 coefficients for 3 columns"):
        ExpectLinearIdentity(column_list=["a", "b", "c"], coefficients=[1, -1])


def test_stored_suite_gives_the_same_verdicts_on_sqlite_as_on_pandas(gx_ctx, tmp_path):
    """The v2021 error suite run on a SQL table of the frame finds exactly the rows pandas finds."""
    import great_expectations as gx
    import sqlalchemy as sa

    from ogi.templates import V2021
    from ogi.validate.frame import build_frames
    from ogi.validate.suites import gx_suite, load_suite_dict
    from ogi_dev.samples import perturbed, random_report

    reports = [random_report(i, V2021) for i in range(12)]
    reports = [perturbed(r, i) if i % 3 == 0 else r for i, r in enumerate(reports)]
    reports[1].table3["granted"]["total"] = None
    df = build_frames((f"r{i}", r) for i, r in enumerate(reports))[V2021].to_pandas()
    url = f"sqlite:///{tmp_path / 'frame.db'}"
    eng = sa.create_engine(url)
    df.to_sql("reports", eng, index=False)
    eng.dispose()
    rf = {"result_format": "COMPLETE", "unexpected_index_column_names": ["report"]}
    d = load_suite_dict(V2021, "error")
    pd_bd = (
        gx_ctx.data_sources.add_pandas("pd2")
        .add_dataframe_asset("f")
        .add_batch_definition_whole_dataframe("b")
    )
    sq_bd = (
        gx_ctx.data_sources.add_sqlite("sq2", connection_string=url)
        .add_table_asset("f", table_name="reports")
        .add_batch_definition_whole_table("b")
    )
    verdicts = []
    for tag, bd, params in (("pd", pd_bd, {"dataframe": df}), ("sq", sq_bd, None)):
        suite = gx_ctx.suites.add(gx_suite({**d, "name": f"{d['name']}_{tag}"}))
        vd = gx.ValidationDefinition(name=f"full_{tag}", data=bd, suite=suite)
        res = vd.run(batch_parameters=params, result_format=rf) if params else vd.run(result_format=rf)
        verdicts.append(
            [(er.expectation_config.meta["where"], u) for er, u in zip(res.results, _unexpected(res))]
        )
    assert verdicts[0] == verdicts[1]
    assert any(u for _, u in verdicts[0])  # the perturbed reports do fail somewhere
