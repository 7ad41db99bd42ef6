"""The batch stage functions the Airflow tasks call (and ``ogi demo`` / the benchmark through them).

Task glue around the stage core (``ogi.stages``: parse a document, validate, give load items their own
results, load), which ``ogi load`` and the national benchmark call too; this module adds the run folder,
the parse store and the per-batch hand-offs.

Keys in, keys out: tasks hand each other organ ids, archive keys (sha256) and paths under ``OGI_HOME``,
never parsed reports. Every run keeps its working files in ``OGI_HOME/runs/<run id>/``:

- ``plan.json``: what the run does (years, registries, flags, the organ batches), written by ``plan_run``;
- ``results/<batch>.json``: rule results of one batch; ``items.json``: one row per organ-year with its
  fetch / parse / validation outcome; ``summary.json``: the run summary.

Parsed reports are stored once per document and parser version by the parse store
(``ogi.parse.store``: ``OGI_HOME/parsed/<parser version>/<sha256>.json``, or ``<sha256>.error.json`` when
the document is quarantined). Failures are per organ: one organ's fetch or parse failure never raises.

Only the standard library and light ``ogi`` modules are imported here (``config``, ``model`` with the
status vocabulary, ``stages``, ``parse.store``: each imports only the standard library, ``ogi.templates``
and each other); every stage imports its libraries inside the function, so the DAG file and
``ogi --help`` stay fast.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ogi import config, stages
from ogi.model import FAILURE_OUTCOMES, Batch, BatchItem, FetchStatus, ParseStatus, RuleStatus, document_key
from ogi.parse import store

log = logging.getLogger(__name__)

TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_BATCH_SIZE = 25
FETCH_OK = FetchStatus.FOUND
#: parse outcomes of a found document
PARSED, PARTIAL, QUARANTINED = ParseStatus.PARSED, ParseStatus.PARTIAL, ParseStatus.QUARANTINED


# ----------------------------------------------------------------------------- the plan


def report_year_for(logical_date: dt.datetime | dt.date | None) -> int:
    """The report year a scheduled run covers: the year before its logical date, in China time.

    In Airflow 3 a cron schedule has a zero-length data interval (start = end = logical date), so
    nothing "covers" the previous year implicitly: the 1 February and 1 April runs of year Y both
    process reports about year Y−1. A date without time is taken as a local date.
    """
    if logical_date is None:
        logical_date = dt.datetime.now(tz=TZ)
    if isinstance(logical_date, dt.datetime):
        if logical_date.tzinfo is None:
            logical_date = logical_date.replace(tzinfo=dt.UTC)
        logical_date = logical_date.astimezone(TZ)
    return logical_date.year - 1


def run_dir(run_id: str) -> Path:
    """Working folder of one DAG run (run ids contain ':' and '+': made file-safe)."""
    return config.home() / "runs" / re.sub(r"[^A-Za-z0-9._-]+", "_", run_id)


def registry_paths(param: str | None = None) -> list[Path]:
    """The registry files of a run: the Param, else ``$OGI_REGISTRY`` (os.pathsep-separated), else
    every ``include/registry/*.yaml``."""
    value = param or os.environ.get("OGI_REGISTRY")
    if value:
        return [Path(p) for p in value.split(os.pathsep) if p]
    return sorted(config.REGISTRY_DIR.glob("*.yaml"))


def _region_closure(registry, wanted: Iterable[str]) -> set[str]:
    """The regions asked for plus every region below them (a city includes its districts)."""
    chosen = set(wanted)
    changed = True
    while changed:
        changed = False
        for r in registry.regions:
            if r.parent in chosen and r.id not in chosen:
                chosen.add(r.id)
                changed = True
    return chosen


def make_batches(
    registry,
    registry_path: Path | str,
    years: Sequence[int],
    *,
    regions: Sequence[str] = (),
    organs: Sequence[str] = (),
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> list[dict[str, Any]]:
    """Batches of at most ``batch_size`` organs of one year (in region order): the unit of one mapped
    task, so a 300-organ city is a dozen task instances per stage, not 900, however many townships it
    has. Loading regroups the organs by region-year (one transaction each)."""
    from ogi.fetch.run import select_organs

    region_set = _region_closure(registry, regions) if regions else None
    order = {r.id: i for i, r in enumerate(registry.regions)}
    batches: list[dict[str, Any]] = []
    for year in years:
        if organs:
            chosen = []
            for key in organs:
                try:
                    chosen.append(registry.organ(key))
                except KeyError:
                    continue  # another registry's organ
        else:
            chosen = select_organs(registry, year)
        chosen = [o for o in chosen if region_set is None or o.region in region_set]
        ids = [o.id for o in sorted(chosen, key=lambda o: order.get(o.region, len(order)))]
        for i in range(0, len(ids), batch_size):
            batches.append(
                {
                    "batch_id": f"{registry.city_id}-{year}-{i // batch_size:03d}",
                    "registry": str(registry_path),
                    "city": registry.city_id,
                    "year": year,
                    "organs": ids[i : i + batch_size],
                }
            )
    return batches


def plan_run(
    params: Mapping[str, Any],
    logical_date: dt.datetime | None,
    *,
    run_id: str,
    dag_id: str | None = None,
) -> dict[str, Any]:
    """Decide what the run does and write ``plan.json``. Params as in the DAG (validated there)."""
    from ogi.fetch.registry import load_registry

    years = sorted({int(y) for y in params.get("years") or []}) or [report_year_for(logical_date)]
    paths = registry_paths(params.get("registry"))
    if not paths:
        raise ValueError(
            f"no registry: set the 'registry' Param, $OGI_REGISTRY, or add {config.REGISTRY_DIR}/*.yaml"
        )
    batches = []
    for path in paths:
        batches += make_batches(
            load_registry(path),
            path,
            years,
            regions=params.get("regions") or (),
            organs=params.get("organs") or (),
            batch_size=int(params.get("batch_size") or DEFAULT_BATCH_SIZE),
        )
    if not batches:  # an empty map would skip every later task: say why instead
        raise ValueError(
            f"nothing to do: no organ of {', '.join(map(str, paths))} matches years {years}"
            f", regions {list(params.get('regions') or [])}, organs {list(params.get('organs') or [])}"
        )
    plan = {
        "run_id": run_id,
        "dag_id": dag_id,
        "logical_date": logical_date.isoformat() if logical_date else None,
        "started_at": dt.datetime.now(dt.UTC).isoformat(),
        "years": years,
        "registries": [str(p) for p in paths],
        "regions": list(params.get("regions") or []),
        "organs": list(params.get("organs") or []),
        "dry_run": bool(params.get("dry_run")),
        "force_fetch": bool(params.get("force_fetch")),
        "force_parse": bool(params.get("force_parse")),
        "via": params.get("via") or os.environ.get("OGI_FETCH_VIA") or None,
        "run_dir": str(run_dir(run_id)),
        "batches": batches,
    }
    store.write_json(Path(plan["run_dir"]) / "plan.json", plan)
    log.info(
        "plan %s: years %s, %d organ-years in %d batches%s",
        run_id,
        years,
        sum(len(b["organs"]) for b in batches),
        len(batches),
        " (dry run)" if plan["dry_run"] else "",
    )
    return plan


def load_plan(run_id: str) -> dict[str, Any]:
    return json.loads((run_dir(run_id) / "plan.json").read_text("utf-8"))


# ----------------------------------------------------------------------------- fetch


def _archive():
    """The content-addressed archive."""
    from ogi.fetch.archive import Archive

    return Archive(config.archive_dir())


def fetch_batch(run: Mapping[str, Any], batch: Mapping[str, Any]) -> Batch:
    """Discover and archive each organ's report of the batch's year. Raw bytes are archived before
    anything parses them; per-organ failures are outcomes (``fetch_failed``, ``blocked``), not errors."""
    from ogi.fetch.registry import load_registry
    from ogi.fetch.run import fetch_reports

    registry = load_registry(batch["registry"])
    outcomes = fetch_reports(
        registry,
        int(batch["year"]),
        organs=batch["organs"],
        archive=_archive(),
        conditional=not run.get("force_fetch"),  # forced: ignore stored ETag/Last-Modified, download all
        via=run.get("via"),
        allow_private_hosts=True if run.get("via") else None,  # via is a local portal by definition
    )
    items = []
    for o in outcomes:
        d = o.to_dict()
        d.pop("listing_pages", None)
        organ = registry.organ(o.organ_id)
        d.update(organ_name=organ.name, region_id=organ.region)
        items.append(d)
        log.info("fetch %s/%s: %s %s", o.organ_id, o.year, o.status, o.reason or o.url or "")
    return {**_batch_keys(batch), "items": items}


def _batch_keys(batch: Mapping[str, Any]) -> dict[str, Any]:
    return {k: batch[k] for k in ("batch_id", "registry", "city", "year")}


# ----------------------------------------------------------------------------- parse


#: the parse store's functions, where the tasks and tests have always found them


def parse_document(sha: str, *, filename: str | None, url: str | None, force: bool = False) -> dict[str, Any]:
    """Parse one archived document through the parse store (``ogi.parse.store.parse_archived``)."""
    return store.parse_archived(sha, filename=filename, url=url, force=force)


def parse_batch(run: Mapping[str, Any], fetched: Batch) -> Batch:
    """Parse every found document of a fetched batch; failures are quarantined with their reason."""
    items = []
    for item in fetched["items"]:
        item = dict(item)
        if item["status"] == FETCH_OK and item.get("sha256"):
            item["parse"] = parse_document(
                item["sha256"],
                filename=item.get("filename"),
                url=item.get("document_url") or item.get("url"),
                force=bool(run.get("force_parse")),
            )
            p = item["parse"]
            log.info("parse %s/%s: %s %s", item["organ_id"], item["year"], p["status"], p.get("reason") or "")
        items.append(item)
    return {**_batch_keys(fetched), "items": items}


# ----------------------------------------------------------------------------- validate


def _parsed_items(batch: Batch) -> list[BatchItem]:
    return [i for i in batch["items"] if i.get("parse", {}).get("path")]


def _document_key(item: BatchItem) -> str | None:
    """The id a document's rule results carry (``organ/year@sha256``): results are stored and looked up
    by document, so two documents of one organ-year never get each other's results."""
    return document_key(item["organ_id"], int(item["year"]), item["sha256"]) if item.get("sha256") else None


def validate_batch(run: Mapping[str, Any], parsed: Batch) -> Batch:
    """One Great Expectations run for the batch's parsed reports; results stored under the run folder,
    Data Docs under ``OGI_HOME/datadocs/<batch>/``. Reports are validated, and their results stored,
    under their document key (organ/year@sha256), never their organ-year alone."""
    out = {**parsed, "results_path": None, "data_docs_index": None}
    items = _parsed_items(parsed)
    if not items:
        return out
    reports = {_document_key(i): store.read_parsed(i["parse"]["path"]) for i in items}
    vr = stages.validate_documents(reports, data_docs_dir=config.datadocs_dir() / parsed["batch_id"])
    path = Path(run["run_dir"]) / "results" / f"{parsed['batch_id']}.json"
    store.write_json(path, [r.to_dict() for r in vr.results])
    failed = Counter((r.report, r.severity) for r in vr.results if r.status == RuleStatus.FAILED)
    for item in out["items"]:
        key = _document_key(item)
        item["rules_failed"] = {"error": failed[(key, "error")], "warning": failed[(key, "warning")]}
    out["results_path"] = str(path)
    out["data_docs_index"] = str(vr.data_docs_index) if vr.data_docs_index else None
    return out


def _read_results(path: str | None) -> dict[str, list]:
    """A batch's stored rule results, by document key."""
    from ogi.model import RuleResult

    if not path:
        return {}
    stored = json.loads(Path(path).read_text("utf-8"))
    return stages.results_by_document(RuleResult.from_dict(d) for d in stored)


# ----------------------------------------------------------------------------- load


def _run_info(run: Mapping[str, Any]):
    from ogi.warehouse.load import RunInfo

    return RunInfo(
        run_id=run["run_id"],
        dag_id=run.get("dag_id"),
        logical_date=_parse_dt(run.get("logical_date")),
        started_at=_parse_dt(run.get("started_at")),
    )


def _load_item(item: BatchItem, results: Sequence) -> Any:
    """The warehouse row set of one organ-year: a parsed report, or why there is none."""
    from ogi.warehouse.load import LoadItem

    p = item["parse"]
    parsed = store.read_parsed(p["path"]) if p.get("path") else None
    reason = None if parsed is not None else f"{p.get('reason')}: {p.get('message')}"
    return LoadItem(
        organ_id=item["organ_id"],
        year=int(item["year"]),
        parsed=parsed,
        source_url=item.get("document_url") or item.get("url"),
        sha256=item.get("sha256"),
        fetched_at=_parse_dt(item.get("fetched_at")),
        results=tuple(results),
        quarantine_reason=reason,
        organ_name=item.get("organ_name"),
        region_id=item.get("region_id"),
    )


def load(run: Mapping[str, Any], validated: Sequence[Batch]) -> dict[str, Any]:
    """Write every region-year of the run to the warehouse, one transaction each; on a dry run load
    nothing and report what would change. Also writes ``items.json`` (the run's outcome table)."""
    from ogi.model import report_key

    groups: dict[tuple[str, str, int], list[tuple[dict, list]]] = defaultdict(list)
    table = []
    for batch in validated:
        results = _read_results(batch.get("results_path"))
        for item in batch["items"]:
            table.append(_outcome_row(item))
            if item.get("sha256") and item.get("parse"):  # a document: loaded parsed or quarantined
                group = (batch["registry"], item["region_id"], int(batch["year"]))
                own = results.get(_document_key(item), [])  # its own results, never its organ-year's
                if not own and item["parse"].get("path") and batch.get("results_path"):
                    log.warning("load %s: no rule results for document %s in %s (validated before results were "
                                "keyed by document?): loaded without them; clear validate_batch to re-run it",
                                _document_key(item), item["sha256"][:12], batch["results_path"])  # fmt: skip
                groups[group].append((item, own))
    store.write_json(Path(run["run_dir"]) / "items.json", table)

    from ogi.fetch.registry import load_registry
    from ogi.warehouse import db
    from ogi.warehouse.registry_sync import sync_registry
    from ogi.warehouse.runs import record_run_outcomes
    from ogi.warehouse.write import with_reconnect

    engine = db.get_engine()
    with_reconnect(engine, db.upgrade, engine, what="migration")  # every step below retries the same way
    out: dict[str, Any] = {"groups": [], "report_keys": [], "dry_run": bool(run.get("dry_run"))}
    if not run.get("dry_run"):  # the run's outcome table, failures with reasons, in the warehouse too
        out["outcomes_recorded"] = record_run_outcomes(engine, run["run_id"], table)
    out["data_docs"] = sorted(b["data_docs_index"] for b in validated if b.get("data_docs_index"))
    if run.get("dry_run"):
        out["would_change"] = would_change(engine, [i for g in groups.values() for i, _ in g])
        for line in out["would_change"]:
            log.info("dry run: %s", line)
        return out
    for registry_path in run["registries"]:  # also when nothing was found: summaries need the regions
        sync_registry(engine, load_registry(registry_path))
    info = _run_info(run)
    for (_reg, region, year), members in sorted(groups.items()):
        res = stages.load_documents(engine, [_load_item(i, r) for i, r in members], run=info)
        counts = {k: len(v) for k, v in _jsonable(res).items() if isinstance(v, list)}
        out["groups"].append({"region": region, "year": year, **counts, "n_facts": res.n_facts})
        out["report_keys"] += [
            report_key(i["organ_id"], i["year"]) for i, _ in members if i.get("parse", {}).get("path")
        ]
        log.info("load %s %s: %s", region, year, out["groups"][-1])
    engine.dispose()
    return out


def would_change(engine, items: Sequence[BatchItem]) -> list[str]:
    """What a load of the run's ``items`` would do (``ogi.warehouse.load.would_change``)."""
    from ogi.warehouse.load import would_change as plan

    docs = []
    for item in items:
        p = item.get("parse") or {}
        new = item.get("sha256") if p.get("path") else None
        docs.append((item["organ_id"], int(item["year"]), new, _outcome_row(item)["outcome"]))
    return plan(engine, docs)


def cross_year(run: Mapping[str, Any], loaded: Mapping[str, Any]) -> dict[str, Any]:
    """X-1…X-3 for every report this run loaded, against the same organ's previous year."""
    if loaded.get("dry_run") or not loaded.get("report_keys"):
        return {**loaded, "cross_year": {}}
    from ogi.warehouse import db
    from ogi.warehouse.crossyear import run_cross_year

    engine = db.get_engine()
    results = run_cross_year(engine, loaded["report_keys"], run=_run_info(run))
    engine.dispose()
    counts = Counter(f"{r.rule}:{r.status}" for r in results)
    log.info("cross-year: %s", dict(counts))
    return {**loaded, "cross_year": dict(counts)}


# ----------------------------------------------------------------------------- summaries


def _outcome_row(item: BatchItem) -> dict[str, Any]:
    """One organ-year's outcome: fetch status, or the parse status of a found document."""
    p = item.get("parse") or {}
    outcome = p.get("status") or item["status"]
    reason = p.get("reason") and f"{p['reason']}: {p.get('message')}" or (None if p else item.get("reason"))
    return {
        "organ_id": item["organ_id"],
        "organ_name": item.get("organ_name"),
        "region": item.get("region_id"),
        "year": int(item["year"]),
        "fetch": item["status"],
        "outcome": outcome,
        "reason": reason,
        "sha256": item.get("sha256"),
        "url": item.get("document_url") or item.get("url"),
        "rules_failed": item.get("rules_failed"),
        "unaccounted": p.get("unaccounted"),
    }


#: outcomes that are failures of the pipeline or of the source (listed with reasons in the summary):
#: ``ogi.model.FAILURE_OUTCOMES``, imported above


def summarise(run: Mapping[str, Any], checked: Mapping[str, Any]) -> dict[str, Any]:
    """Municipal summaries per region-year and the run summary: counts per outcome, failures with
    reasons, hard-rule failures. Printed to the log and written to ``summary.json``; notifies when
    configured (``ogi.notify``) and hard rules failed."""
    rdir = Path(run["run_dir"])
    rows = json.loads((rdir / "items.json").read_text("utf-8")) if (rdir / "items.json").exists() else []
    summary: dict[str, Any] = {
        "run_id": run["run_id"],
        "dag_id": run.get("dag_id"),
        "years": run["years"],
        "dry_run": bool(run.get("dry_run")),
        "organ_years": len(rows),
        "outcomes": dict(Counter(r["outcome"] for r in rows)),
        "failures": [
            {k: r[k] for k in ("organ_id", "year", "outcome", "reason", "url")}
            for r in rows
            if r["outcome"] in FAILURE_OUTCOMES
        ],
        "hard_rule_failures": [
            {"organ_id": r["organ_id"], "year": r["year"], "failed": r["rules_failed"]["error"]}
            for r in rows
            if (r.get("rules_failed") or {}).get("error")
        ],
        "incomplete_parses": [
            {"organ_id": r["organ_id"], "year": r["year"], "unaccounted": r["unaccounted"]}
            for r in rows
            if r.get("unaccounted")
        ],
        "loaded": checked.get("groups", []),
        "cross_year": checked.get("cross_year", {}),
        "would_change": checked.get("would_change"),
        "warehouse": _safe_url(),
        "data_docs": checked.get("data_docs") or [],
        "summaries": {},
    }
    if not run.get("dry_run") and rows:
        summary["summaries"] = write_municipal_summaries(run, {(r["region"], r["year"]) for r in rows})
    summary["finished_at"] = dt.datetime.now(dt.UTC).isoformat()
    summary["path"] = str(rdir / "summary.json")
    store.write_json(rdir / "summary.json", summary)
    for line in format_summary(summary):
        log.info("%s", line)
    if summary["hard_rule_failures"]:
        from ogi.notify import notify_hard_rule_failures

        notify_hard_rule_failures(summary)
    return {k: summary[k] for k in ("run_id", "organ_years", "outcomes", "path")}


def write_municipal_summaries(
    run: Mapping[str, Any], region_years: Iterable[tuple[str, int]]
) -> dict[str, str]:
    """``ogi.warehouse.summary.municipal_summary`` per region-year, saved as JSON under the run."""
    from ogi.warehouse import db
    from ogi.warehouse.summary import municipal_summary

    engine = db.get_engine()
    out = {}
    for region, year in sorted(region_years):
        path = Path(run["run_dir"]) / "summaries" / f"{region}-{year}.json"
        store.write_json(path, municipal_summary(engine, region, year))
        out[f"{region}/{year}"] = str(path)
    engine.dispose()
    return out


def format_summary(summary: Mapping[str, Any]) -> list[str]:
    """The run summary as lines for the task log and the console."""
    lines = [
        f"run {summary['run_id']}: years {summary['years']}, {summary['organ_years']} organ-years"
        + (" (dry run: nothing loaded)" if summary.get("dry_run") else ""),
        "outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(summary["outcomes"].items())),
    ]
    if summary.get("loaded"):
        keys = ("inserted", "superseded", "reparsed", "unchanged", "quarantined")
        totals = {k: sum(g.get(k, 0) for g in summary["loaded"]) for k in keys}
        lines.append("loaded: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    for f in summary["failures"]:
        lines.append(f"  failed {f['organ_id']}/{f['year']}: {f['outcome']}: {f['reason'] or ''}")
    if summary["hard_rule_failures"]:
        lines.append(f"hard-rule failures in {len(summary['hard_rule_failures'])} reports")
    for r in summary.get("incomplete_parses") or []:
        lines.append(
            f"  incomplete parse {r['organ_id']}/{r['year']}: {r['unaccounted']} printed table number(s) "
            "not read into a cell (loaded as partial; see the report's warnings)"
        )
    for line in summary.get("would_change") or []:
        lines.append(f"  would: {line}")
    lines.append(f"warehouse: {summary['warehouse']}")
    for index in summary["data_docs"]:
        lines.append(f"data docs: {index}")
    return lines


# ----------------------------------------------------------------------------- analyst outputs


def export_views(out_dir: Path | str | None = None) -> dict[str, str]:
    """The analyst-outputs DAG's task: ``ogi.warehouse.outputs.export_views``."""
    from ogi.warehouse.outputs import export_views as export

    return export(out_dir)


# ----------------------------------------------------------------------------- helpers


def _parse_dt(value: Any) -> dt.datetime | None:
    if not value:
        return None
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def _jsonable(obj: Any) -> Any:
    import dataclasses

    if dataclasses.is_dataclass(obj):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(obj).items()}
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    return obj if isinstance(obj, str | int | float | bool | type(None)) else str(obj)


def _safe_url() -> str:
    """The warehouse URL without a password (for logs and the summary)."""
    from ogi.warehouse import db

    url = db.resolve_url()
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)
