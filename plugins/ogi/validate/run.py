"""Validate a batch of reports: one GX run per suite for the whole batch, results mapped back to cells.

``validate_batch`` builds one wide frame per template version (``frame``), runs the stored suites
(``suites``, one Checkpoint per version that also renders Data Docs), and turns every expectation
× report into a ``RuleResult`` naming the cells, both sides of the identity and whether a blank was
counted as 0. The non-linear soft rules (``checks``) are added per report.

Status semantics (§2.6):
* ``passed`` / ``failed``: as GX found, with blanks counted as 0 when another cell of the
  identity is printed (``imputed_zero=True``);
* ``not_evaluable``: every cell of the identity is blank, or (detail starting ``blank_total``) the
  总计 cell is blank while its printed components do not sum to 0: an incomplete table, not a
  wrong total.

Report ids (file names for ``ogi validate``) come from outside: GX and its Data Docs only ever see
``docs_id(report id)``, with the characters that mean something in HTML replaced by full-width
look-alikes (GX renders some values unescaped); results are mapped back to the real ids. Nothing else
from a document reaches GX: the frame holds numbers, and titles, organs, labels and cell text stay
out of it.

GX is imported inside functions only.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ogi import config
from ogi.model import ERROR, FAILED, NOT_EVALUABLE, PASSED, ParsedReport, Report, RuleResult
from ogi.templates import CellRef
from ogi.validate import checks
from ogi.validate.frame import REPORT_COL, VersionFrame, as_report, build_frames, shape_cells
from ogi.validate.rules import RULE_BY_ID, RULES, Identity, TypeCheck, identities, type_checks
from ogi.validate.suites import SEVERITIES, gx_suite, load_suite_dict, suite_name

log = logging.getLogger(__name__)
DATA_DOCS_SITE = "ogi_site"
RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": [REPORT_COL]}


@dataclass
class ValidationRun:
    run_id: str
    results: list[RuleResult]
    data_docs_index: Path | None = None
    suites: tuple[str, ...] = ()
    #: GX's own verdict per suite name (True when every expectation of the suite passed)
    suite_success: dict[str, bool] = field(default_factory=dict)

    def failed(self, severity: str | None = None) -> list[RuleResult]:
        return [
            r for r in self.results if r.status == FAILED and (severity is None or r.severity == severity)
        ]

    def for_report(self, report_id: str) -> list[RuleResult]:
        return [r for r in self.results if r.report == report_id]

    def has_errors(self, report_id: str | None = None) -> bool:
        return any(
            r.severity == ERROR and (report_id is None or r.report == report_id) for r in self.failed()
        )


#: characters with a meaning in HTML, attributes or scripts → full-width look-alikes (still readable)
_INERT = str.maketrans({"<": "＜", ">": "＞", "&": "＆", '"': "＂", "'": "＇", "`": "｀", "\\": "＼"})


def docs_id(report_id: str) -> str:
    """How a report id is shown to GX and in Data Docs: inert text whatever the id holds.

    HTML-significant characters become full-width look-alikes (``<script>`` reads ``＜script＞``);
    control and format characters (tabs, newlines, bidi overrides) become U+FFFD.
    """
    s = str(report_id).translate(_INERT)
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in s)


def docs_ids(report_ids) -> dict[str, str]:
    """Real id → unique ``docs_id`` (a ``#n`` suffix when two ids look alike once made inert)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for rid in report_ids:
        shown = base = docs_id(rid)
        n = 1
        while shown in taken:
            n += 1
            shown = f"{base} #{n}"
        taken.add(shown)
        out[rid] = shown
    return out


def new_run_id() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def validate_batch(
    items: Mapping[str, Report | ParsedReport],
    *,
    data_docs_dir: Path | None = None,
    data_docs: bool = True,
    run_id: str | None = None,
) -> ValidationRun:
    """Validate every report of ``items`` (report id → report) in one GX run per suite.

    Data Docs are written to ``data_docs_dir`` (default ``ogi.config.datadocs_dir()/<run id>``)
    unless ``data_docs=False``.
    """
    run_id = run_id or new_run_id()
    frames = build_frames((rid, as_report(it)) for rid, it in items.items())
    docs_dir = None
    if data_docs and frames:
        docs_dir = Path(data_docs_dir) if data_docs_dir else config.datadocs_dir() / run_id
    gx_results = _run_gx(frames, docs_dir, run_id)
    results: list[RuleResult] = []
    for version, frame in frames.items():
        for severity in SEVERITIES:
            name = suite_name(version, severity)
            results += _map_suite(frame, gx_results[name][1])
    for rid, it in items.items():
        results += checks.report_checks(rid, it)
    order = {rid: i for i, rid in enumerate(items)}
    rule_order = {r.id: i for i, r in enumerate(RULES)}
    results.sort(key=lambda r: (order[r.report], rule_order[r.rule]))
    index = docs_dir / "index.html" if docs_dir and (docs_dir / "index.html").exists() else None
    if index:
        log.info("validation run %s: Data Docs at %s", run_id, index)
    return ValidationRun(
        run_id,
        results,
        index,
        tuple(gx_results),
        {name: ok for name, (ok, _) in gx_results.items()},
    )


# ----------------------------------------------------------------------------------- GX


def _quiet_gx() -> None:
    for name in ("great_expectations", "great_expectations.core", "great_expectations.data_context"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _run_gx(
    frames: dict[str, VersionFrame], docs_dir: Path | None, run_id: str
) -> dict[str, tuple[bool, dict]]:
    """Run the suites of each version on its frame; {suite name: (success, {(rule, where): failed ids})}."""
    if not frames:
        return {}
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig

    _quiet_gx()
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    if docs_dir is not None:
        docs_dir.mkdir(parents=True, exist_ok=True)
        ctx.add_data_docs_site(
            DATA_DOCS_SITE,
            {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    source = ctx.data_sources.add_pandas("ogi_reports")
    out: dict[str, tuple[bool, dict]] = {}
    for version, frame in frames.items():
        batch_def = source.add_dataframe_asset(f"reports_{version}").add_batch_definition_whole_dataframe(
            "batch"
        )
        vds = []
        for severity in SEVERITIES:
            suite = ctx.suites.add(gx_suite(load_suite_dict(version, severity)))
            vds.append(
                ctx.validation_definitions.add(
                    gx.ValidationDefinition(name=suite.name, data=batch_def, suite=suite)
                )
            )
        df = frame.to_pandas()
        shown = docs_ids(frame.report_ids)
        df[REPORT_COL] = [shown[rid] for rid in frame.report_ids]  # what GX and Data Docs see
        real = {v: k for k, v in shown.items()}
        if docs_dir is not None:
            checkpoint = ctx.checkpoints.add(
                gx.Checkpoint(
                    name=f"ogi_{version}",
                    validation_definitions=vds,
                    actions=[UpdateDataDocsAction(name="data_docs", site_names=[DATA_DOCS_SITE])],
                    result_format=RESULT_FORMAT,
                )
            )
            cp = checkpoint.run(batch_parameters={"dataframe": df}, run_id=RunIdentifier(run_name=run_id))
            validations = list(cp.run_results.values())
        else:
            validations = [
                vd.run(batch_parameters={"dataframe": df}, result_format=RESULT_FORMAT) for vd in vds
            ]
        for res in validations:
            out[res.suite_name] = (bool(res.success), _failed_ids(res, real))
    return out


def _failed_ids(validation_result, real: Mapping[str, str]) -> dict[tuple[str, str], set[str]]:
    """{(rule, where): real ids of the failing reports}; ``real`` maps the ids GX saw back."""
    failed: dict[tuple[str, str], set[str]] = {}
    for er in validation_result.results:
        meta = er.expectation_config.meta or {}
        key = (meta["rule_id"], meta["where"])
        if er.exception_info and er.exception_info.get("raised_exception"):
            raise RuntimeError(f"GX could not evaluate {key}: {er.exception_info.get('exception_message')}")
        rows = (er.result or {}).get("unexpected_index_list") or []
        shown = (str(r[REPORT_COL]) if isinstance(r, dict) else str(r) for r in rows)
        failed[key] = {real.get(s, s) for s in shown}
    return failed


# ----------------------------------------------------------------------------------- mapping


def _short(ref: CellRef) -> str:
    """A cell as written in details: ``t3.granted.total``, ``t4.review_total`` (no ``.value``)."""
    return str(ref).removesuffix(".value")


def _num(x: float) -> int | float:
    return int(x) if x.is_integer() else round(x, 6)


def _map_suite(frame: VersionFrame, failed: dict[tuple[str, str], set[str]]) -> list[RuleResult]:
    out: list[RuleResult] = []
    for ident in identities(frame.version):
        if (ident.rule, ident.where) in failed:
            out += _identity_results(frame, ident, failed[(ident.rule, ident.where)])
    for chk in type_checks(frame.version):
        if (chk.rule, chk.where) in failed:
            out += _type_results(frame, chk, failed[(chk.rule, chk.where)])
    return out


def _identity_results(frame: VersionFrame, ident: Identity, failed: set[str]) -> list[RuleResult]:
    """One result per report: GX's verdict, both sides, the cells, imputation and incomplete-table findings.

    Whole-batch numpy first (one pass per identity), then a plain loop that only builds results.
    """
    import numpy as np

    pos = {c: j for j, c in enumerate(frame.cells)}
    coef = np.array([k for k, _ in ident.terms], dtype=float)
    sub = frame.values[:, [pos[c] for c in ident.cells]]
    blank = np.isnan(sub)
    filled = np.where(blank, 0.0, sub)
    lhs = (filled @ np.clip(coef, 0, None)).tolist()
    rhs = (filled @ np.clip(-coef, 0, None)).tolist()
    # which of the identity's cells each report's table 三 shape prints, and which of those are 总计
    shapes = sorted(set(frame.shapes))
    printed = np.array([[c in shape_cells(frame.version, s) for c in ident.cells] for s in shapes])
    names = [tuple(str(c) for c, m in zip(ident.cells, row) if m) for row in printed]
    is_total = np.array([c in ident.totals for c in ident.cells])
    shape_idx = np.array([shapes.index(s) for s in frame.shapes], dtype=int)
    in_shape = printed[shape_idx]
    row_blank = blank & in_shape
    applies = in_shape.any(axis=1).tolist()
    imputed = row_blank.any(axis=1).tolist()
    all_blank = (row_blank | ~in_shape).all(axis=1).tolist()
    total_blank = (
        (row_blank & is_total).any(axis=1).tolist() if ident.comparison == "==" else [False] * len(lhs)
    )
    rule = RULE_BY_ID[ident.rule]
    out = []
    for i, rid in enumerate(frame.report_ids):
        if not applies[i]:
            continue  # e.g. T3-H3 on a （六） sub-row the report's table 三 shape does not have
        cells = names[shape_idx[i]]
        if all_blank[i]:
            out.append(
                RuleResult(
                    rid,
                    rule.id,
                    rule.severity,
                    NOT_EVALUABLE,
                    ident.where,
                    None,
                    None,
                    cells,
                    False,
                    "all cells blank",
                )
            )
            continue
        left, right = _num(lhs[i]), _num(rhs[i])
        if rid not in failed:
            out.append(
                RuleResult(rid, rule.id, rule.severity, PASSED, ident.where, left, right, cells, imputed[i])
            )
        elif total_blank[i]:
            blanks = [str(c) for c, b in zip(ident.cells, row_blank[i] & is_total) if b]
            shown = ", ".join(blanks[:3]) + (f" and {len(blanks) - 3} more" if len(blanks) > 3 else "")
            detail = (
                f"blank_total: 总计 {shown} blank while other cells are printed "
                f"({left} vs {right}): an incomplete table, not a wrong total"
            )
            out.append(
                RuleResult(
                    rid, rule.id, rule.severity, NOT_EVALUABLE, ident.where, left, right, cells, True, detail
                )
            )
        else:
            broken = "≠" if ident.comparison == "==" else "<"
            detail = (
                f"{' + '.join(_short(c) for c in ident.lhs)} = {left} {broken} "
                f"{' + '.join(_short(c) for c in ident.rhs) or '0'} = {right}"
                + (" (blanks counted as 0)" if imputed[i] else "")
            )
            out.append(
                RuleResult(
                    rid, rule.id, rule.severity, FAILED, ident.where, left, right, cells, imputed[i], detail
                )
            )
    return out


def _type_results(frame: VersionFrame, chk: TypeCheck, failed: set[str]) -> list[RuleResult]:
    import numpy as np

    pos = {c: j for j, c in enumerate(frame.cells)}
    sub = frame.values[:, [pos[c] for c in chk.cells]]
    blank = np.isnan(sub)
    counts = np.array([c not in chk.money for c in chk.cells])
    bad = ~blank & ((sub < 0) | (counts & (sub != np.round(sub))))
    all_blank = blank.all(axis=1)
    non_numeric: dict[str, list[tuple[CellRef, object]]] = {}
    members = set(chk.cells)
    for rid, ref, raw in frame.non_numeric:
        if ref in members:
            non_numeric.setdefault(rid, []).append((ref, raw))
    rule = RULE_BY_ID[chk.rule]
    out = []
    for i, rid in enumerate(frame.report_ids):
        odd = non_numeric.get(rid, [])
        if rid not in failed and not odd:
            status = NOT_EVALUABLE if all_blank[i] else PASSED
            out.append(
                RuleResult(
                    rid,
                    rule.id,
                    rule.severity,
                    status,
                    chk.where,
                    detail="all cells blank" if all_blank[i] else "",
                )
            )
            continue
        cells = [chk.cells[j] for j in np.flatnonzero(bad[i])]
        values = [_num(sub[i, j]) for j in np.flatnonzero(bad[i])]
        parts = [f"{c} = {v}" for c, v in zip(cells, values)] + [
            f"{c} = {raw!r} (not a number)" for c, raw in odd
        ]
        names = tuple(str(c) for c in cells) + tuple(str(c) for c, _ in odd)
        kind = "non-negative (counts: whole numbers)"
        out.append(
            RuleResult(
                rid,
                rule.id,
                rule.severity,
                FAILED,
                chk.where,
                values[0] if values else None,
                0,
                names,
                False,
                f"cells must be {kind}: " + "; ".join(parts),
            )
        )
    return out
