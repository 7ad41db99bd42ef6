"""Custom Great Expectations expectations for the statutory identities (GX 1.24).

GX has no built-in row-wise *weighted* sum check (``ExpectMulticolumnSumToEqual`` compares an
unweighted sum to a constant), so the identities of REPORT_FORMAT.md §2.6 get their own:

* ``ExpectLinearIdentity``: per row, Σ coefficient × column ``==`` 0 (or ``>=`` 0 for the soft
  inequalities). Blank cells count as 0 as long as one cell of the identity is printed; a row
  whose cells are all blank is skipped by GX (``ignore_row_if="all_values_are_missing"``), which
  ``ogi.validate.run`` reports as not evaluable (§2.6 NULL handling).
* ``ExpectColumnsNonNegative``: per row, every listed column is ≥ 0 and a whole number (except
  the money columns named in ``non_integer_columns``); blanks are fine. The type rules (T3-H4, T2-H1, T2bcd-H1) are one of these each.

Both run on pandas and SQLAlchemy execution engines. Importing this module imports GX: keep it
behind a function call (``ogi.validate.run`` imports it lazily).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from great_expectations.compatibility import pydantic
from great_expectations.compatibility.sqlalchemy import sqlalchemy as sa
from great_expectations.execution_engine import PandasExecutionEngine, SqlAlchemyExecutionEngine
from great_expectations.expectations.expectation import MulticolumnMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import MulticolumnMapMetricProvider
from great_expectations.expectations.metrics.map_metric_provider.multicolumn_condition_partial import (
    multicolumn_condition_partial,
)
from great_expectations.render import RenderedStringTemplateContent
from great_expectations.render.components import LegacyRendererType
from great_expectations.render.renderer.renderer import renderer


def _rendered(configuration, text: str) -> list:
    """One Data Docs line: "<rule id> <where>: <formula> — <Chinese description>" from the expectation meta."""
    meta = (configuration.meta if configuration else None) or {}
    head = f"{meta.get('rule_id', '')} {meta.get('where', '')}: ".lstrip(" :") if meta else ""
    tail = f" — {meta['description_zh']}" if meta.get("description_zh") else ""
    return [
        RenderedStringTemplateContent(
            content_block_type="string_template",
            string_template={"template": "$text", "params": {"text": head + text + tail}},
        )
    ]


#: identities hold exactly; the tolerance only absorbs float noise of decimal money columns
TOLERANCE = 1e-6


#: the domain of both row-wise metrics: the standard multicolumn map domain of GX
MULTICOLUMN_DOMAIN_KEYS = (
    "batch_id",
    "table",
    "column_list",
    "row_condition",
    "condition_parser",
    "ignore_row_if",
)


class MulticolumnLinearIdentity(MulticolumnMapMetricProvider):
    condition_metric_name = "multicolumn_values.linear_identity"
    condition_domain_keys = MULTICOLUMN_DOMAIN_KEYS
    condition_value_keys = ("coefficients", "comparison")

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list, coefficients, comparison, **kwargs):
        total = column_list.astype("float64").fillna(0.0).mul(list(coefficients), axis=1).sum(axis=1)
        if comparison == ">=":
            return total >= -TOLERANCE
        return total.abs() <= TOLERANCE

    @multicolumn_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column_list, coefficients, comparison, **kwargs):
        total = sum(
            (sa.func.coalesce(col, 0) * coef for col, coef in zip(column_list, coefficients)),
            start=sa.literal(0),
        )
        if comparison == ">=":
            return total >= -TOLERANCE
        return sa.and_(total <= TOLERANCE, total >= -TOLERANCE)


class ExpectLinearIdentity(MulticolumnMapExpectation):
    """Expect Σ coefficient × column to equal 0 (``comparison="=="``) or be ≥ 0 (``">="``) in each row.

    Blank cells count as 0; a row whose listed cells are all blank is not evaluated.
    """

    coefficients: list[float] = pydantic.Field(description="One coefficient per column of column_list.")
    comparison: Literal["==", ">="] = pydantic.Field(default="==", description="Σ c×x == 0 or Σ c×x >= 0.")
    ignore_row_if: Literal["all_values_are_missing", "any_value_is_missing", "never"] = (
        "all_values_are_missing"
    )

    map_metric = "multicolumn_values.linear_identity"
    success_keys = ("coefficients", "comparison", "mostly")
    args_keys = ("column_list", "coefficients", "comparison")
    library_metadata: ClassVar[dict] = {"maturity": "experimental", "tags": ["ogi"], "contributors": ["ogi"]}

    @classmethod
    @renderer(renderer_type=LegacyRendererType.PRESCRIPTIVE)
    def _prescriptive_renderer(cls, configuration=None, result=None, runtime_configuration=None, **kwargs):
        kw = configuration.kwargs if configuration else {}
        terms = " ".join(
            f"{'+' if k > 0 else '−'} {'' if abs(k) == 1 else f'{abs(k):g}×'}{c}"
            for c, k in zip(kw.get("column_list", []), kw.get("coefficients", []))
        ).lstrip("+ ")
        return _rendered(
            configuration, f"{terms} {kw.get('comparison', '==')} 0 (blank = 0 unless all blank)"
        )

    @pydantic.validator("coefficients")
    def _same_length(cls, v, values):
        cols = values.get("column_list")
        if cols is not None and len(cols) != len(v):
            raise ValueError(f"{len(v)} coefficients for {len(cols)} columns")
        return v


class MulticolumnNonNegative(MulticolumnMapMetricProvider):
    condition_metric_name = "multicolumn_values.non_negative"
    condition_domain_keys = MULTICOLUMN_DOMAIN_KEYS
    condition_value_keys = ("non_integer_columns",)

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list, non_integer_columns, **kwargs):
        values = column_list.astype("float64")
        ok = values.isna() | (values >= 0)
        counts = [c for c in values.columns if c not in set(non_integer_columns or ())]
        ok[counts] &= values[counts].isna() | (values[counts] == values[counts].round())
        return ok.all(axis=1)

    @multicolumn_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column_list, non_integer_columns, **kwargs):
        conds = []
        for col in column_list:
            ok = col >= 0
            if col.name not in set(non_integer_columns or ()):
                ok = sa.and_(ok, col == sa.func.round(col))
            conds.append(sa.or_(col.is_(None), ok))
        return sa.and_(*conds)


class ExpectColumnsNonNegative(MulticolumnMapExpectation):
    """Expect every listed column to be blank or ≥ 0 and, unless in ``non_integer_columns``, whole."""

    non_integer_columns: list[str] = pydantic.Field(default=[], description="Columns that may hold decimals.")
    ignore_row_if: Literal["all_values_are_missing", "any_value_is_missing", "never"] = (
        "all_values_are_missing"
    )

    @classmethod
    @renderer(renderer_type=LegacyRendererType.PRESCRIPTIVE)
    def _prescriptive_renderer(cls, configuration=None, result=None, runtime_configuration=None, **kwargs):
        kw = configuration.kwargs if configuration else {}
        cols = kw.get("column_list", [])
        money = kw.get("non_integer_columns") or []
        extra = f"; decimals allowed in {', '.join(money)}" if money else ""
        return _rendered(
            configuration, f"{len(cols)} cells ({cols[0]} … {cols[-1]}) blank or ≥ 0, whole numbers{extra}"
        )

    map_metric = "multicolumn_values.non_negative"
    success_keys = ("non_integer_columns", "mostly")
    args_keys = ("column_list", "non_integer_columns")
    library_metadata: ClassVar[dict] = {"maturity": "experimental", "tags": ["ogi"], "contributors": ["ogi"]}
