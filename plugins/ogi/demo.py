"""``ogi demo``: the whole pipeline on one machine, nothing external, with a short console.

Apart from the services (``ogi.airflow_services``) because the demo starts none: it serves the demo
portal (the synthetic city, or a real corpus replayed on its URLs), runs ``ogi_annual_reports`` with
``dag.test()`` in this process, shows one line per stage (``DEMO_STAGES``) with Airflow's logs sent to a
file, then prints the run summary. From the services it borrows only the Airflow environment and the
``airflow`` CLI runner. Nothing heavy is imported at module level.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from pathlib import Path

from ogi import config
from ogi.airflow_services import DAG_IDS, airflow, airflow_env


def demo_sources(workdir: Path, corpus: Path | None = None) -> tuple[Path, Path, list[int]]:
    """(registry, portal root, report years) of the demo: the real corpus replayed on its real URLs
    (``portal.tsv`` + include/registry/pingtan.yaml), else the synthetic demo city (``ogi synth --demo``)."""
    if corpus is not None:
        from ogi_dev.portal import populate_from_tsv

        tsv = corpus / "portal.tsv"
        if not tsv.exists():
            raise FileNotFoundError(f"{tsv} not found: --corpus needs a folder with portal.tsv")
        root = workdir / "corpus-portal"
        populate_from_tsv(tsv, root)
        years = sorted({int(y) for y in _corpus_years(corpus)})
        return config.REGISTRY_DIR / "pingtan.yaml", root, years
    from ogi_dev.synth.city import generate_city
    from ogi_dev.synth.commands import DEMO

    city = workdir / "demo-city"
    first, last = (int(y) for y in DEMO["years"].split("-"))
    if not (city / "manifest.json").exists():
        generate_city(
            city,
            organs=DEMO["organs"],
            years=range(first, last + 1),
            seed=DEMO["seed"],
            defect_rate=DEMO["defect_rate"],
        )
    return city / "registry.yaml", city / "portal", list(range(first, last + 1))


def _corpus_years(corpus: Path) -> list[int]:
    return [json.loads(p.read_text("utf-8"))["year"] for p in corpus.glob("pingtan_*.truth.json")]


#: the stages ``ogi demo`` shows, one line each: (label, task ids of ogi_annual_reports counted in it)
DEMO_STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("plan", ("plan",)),
    ("fetch (batches)", ("collect.fetch_batch",)),
    ("parse (batches)", ("collect.parse_batch",)),
    ("validate (batches)", ("check_and_load.validate_batch",)),
    ("load", ("check_and_load.load",)),
    ("cross-year rules", ("check_and_load.cross_year",)),
    ("summarise", ("summarise",)),
)
_MAPPED = ("collect.fetch_batch", "collect.parse_batch", "check_and_load.validate_batch")


class _TaskProgress(logging.Handler):
    """Advances the demo's stage lines on ``dag.test``'s "[DAG TEST] end task task_id=… map_index=…" log
    records (logger ``airflow.sdk.definitions.dag``). If Airflow ever logs differently, the lines just
    do not move: the run itself is unaffected."""

    def __init__(self, stages, n_batches: int):
        super().__init__(logging.INFO)
        self.stages = stages
        self.task_of: dict[str, int] = {}
        for label, task_ids in DEMO_STAGES:
            sid = stages.stage(label, total=n_batches if task_ids[0] in _MAPPED else 1, start=False)
            self.task_of.update(dict.fromkeys(task_ids, sid))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            msg = str(record.msg)
            if msg.startswith(("[DAG TEST] starting task", "[DAG TEST] end task")) and record.args:
                sid = self.task_of.get(str(record.args[0]))
                if sid is not None and msg.startswith("[DAG TEST] end task"):
                    self.stages.advance(sid)
                elif sid is not None:
                    self.stages.start(sid)
        except Exception:  # noqa: BLE001, S110  (progress must never break the run)
            pass


class _NoStages:
    def stage(self, *a, **k) -> int:
        return -1

    def advance(self, *a, **k) -> None:
        pass

    def start(self, *a, **k) -> None:
        pass

    def finish(self, *a, **k) -> None:
        pass


def demo(*, corpus: Path | None = None, years: list[int] | None = None, log=print, stages=None) -> dict:
    """The whole pipeline on one machine, nothing external: serve the demo portal on 127.0.0.1, run
    ``ogi_annual_reports`` with ``dag.test()`` (Airflow metadata and warehouse on SQLite under OGI_HOME),
    then write the municipal report pages (what ``ogi_analyst_outputs`` does after a load) and return the
    run summary (``reports``: the pages; ``report``: the city's page of the last year). ``stages``: an
    ``ogi.progress.Stages`` to show one line per stage."""
    if corpus is None:  # the synthetic city needs the demo extra: say so before a minute of set-up
        from ogi_dev import require_reportlab

        require_reportlab()
    stages = stages or _NoStages()
    home = config.home()
    env = airflow_env(home / "airflow")
    os.environ.update({k: v for k, v in env.items() if k.startswith(("AIRFLOW", "OGI_"))})
    prep = stages.stage("prepare", total=3)
    log(f"OGI_HOME={home}\npreparing the Airflow metadata DB ({env['AIRFLOW__DATABASE__SQL_ALCHEMY_CONN']})")
    airflow(env, "db", "migrate")
    stages.advance(prep)
    registry, root, all_years = demo_sources(home / "demo", corpus)
    years = years or all_years
    stages.advance(prep)
    from airflow.dag_processing.dagbag import DagBag

    from ogi import pipeline
    from ogi.fetch.registry import load_registry
    from ogi_dev.portal import serve_portal

    dag = DagBag(dag_folder=str(config.DAGS_DIR)).dags[DAG_IDS[0]]
    stages.advance(prep)
    reg = load_registry(registry)
    handler = _TaskProgress(stages, len(pipeline.make_batches(reg, registry, years)))
    dag_log = logging.getLogger("airflow.sdk.definitions.dag")
    dag_log.addHandler(handler)
    try:
        with serve_portal(root) as portal:
            log(f"portal {root} on {portal.base_url}; registry {registry}; years {years}")
            conf = {"registry": str(registry), "via": portal.base_url, "years": years}
            dr = dag.test(run_conf=conf)
    finally:
        dag_log.removeHandler(handler)
    summary = json.loads((pipeline.run_dir(dr.run_id) / "summary.json").read_text("utf-8"))
    summary["state"] = str(dr.state)
    summary["reports"], summary["report"] = {}, None
    if summary["state"] == "success":
        from ogi.report import refresh_reports

        children = [r for r in reg.regions if r.parent == reg.city_id]
        pages = stages.stage("report pages", total=len(years) * (1 + len(children)))
        summary["reports"] = refresh_reports(
            regions=[reg.city_id], years=years, progress=lambda _page: stages.advance(pages)
        )
        summary["report"] = summary["reports"].get(f"{reg.city_id}/{max(years)}")
    return summary


@contextlib.contextmanager
def quiet_output(log_path: Path):
    """Send everything written to file descriptors 1 and 2 (Airflow's task logs, warnings, libraries'
    prints, subprocesses) to ``log_path``; yields a text stream on the original stdout for what the
    user should see."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    target = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    console = os.fdopen(os.dup(saved[0]), "w", buffering=1, encoding="utf-8", errors="replace")
    try:
        os.dup2(target, 1)
        os.dup2(target, 2)
        yield console
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in (*saved, target):
                os.close(fd)
            console.close()


# ----------------------------------------------------------------------------- CLI


#: at most this many per-organ failure lines in the demo's console summary (all are in summary.json)
DEMO_MAX_FAILURE_LINES = 8


def demo_console_lines(summary: dict) -> list[str]:
    """The run summary for the console, short: failures capped, one line for the Data Docs sites and
    one for the municipal summaries; the report's path last."""
    from ogi.pipeline import format_summary

    lines, failures, docs = [], 0, [str(p) for p in summary.get("data_docs") or []]
    for line in format_summary(summary):
        if line.startswith("data docs: "):
            continue
        if line.startswith("  failed "):
            failures += 1
            if failures > DEMO_MAX_FAILURE_LINES:
                continue
        lines.append(line)
    if failures > DEMO_MAX_FAILURE_LINES:
        lines.append(f"  … and {failures - DEMO_MAX_FAILURE_LINES} more failures (see the run summary)")
    if docs:
        lines.append(f"data docs: {len(docs)} site(s) under {Path(docs[0]).parent.parent}")
    if summary.get("summaries"):
        first = Path(next(iter(summary["summaries"].values())))
        lines.append(f"municipal summaries (JSON): {len(summary['summaries'])} files in {first.parent}")
    lines.append(f"run summary: {summary['path']}")
    lines.append(f"dag run state: {summary['state']}")
    if summary.get("reports"):
        lines.append(f"report pages: {len(summary['reports'])} under {config.home() / 'reports'}")
    if summary.get("report"):
        lines.append(f"report: {summary['report']}")
    return lines


def _cmd_demo(args) -> int:
    import datetime as dt

    corpus = Path(args.corpus) if args.corpus else None
    if args.verbose:  # everything on the console, as Airflow prints it
        try:
            summary = demo(corpus=corpus, years=args.year or None)
        except (FileNotFoundError, RuntimeError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        print("\n== OGI demo: run summary ==")
        for line in demo_console_lines(summary):
            print(line)
        return 0 if summary["state"] == "success" else 1

    from ogi.progress import Stages

    log_path = config.home() / "logs" / f"demo-{dt.datetime.now().strftime('%Y%m%dT%H%M%S')}.log"
    print(f"OGI demo in {config.home()}: Airflow task logs go to {log_path} (--verbose prints them)")
    error = None
    with quiet_output(log_path) as console:
        try:
            with Stages(enabled=True, file=console) as stages:
                summary = demo(corpus=corpus, years=args.year or None, stages=stages)
        except (FileNotFoundError, RuntimeError) as e:
            error = str(e)
        except Exception:  # noqa: BLE001  (any failure: its traceback is in the log, one line here)
            import traceback

            traceback.print_exc()  # into the log
            error = f"the demo failed; the traceback is at the end of {log_path}"
    if error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("== run summary ==")
    for line in demo_console_lines(summary):
        print(line)
    if summary["state"] != "success":
        print(f"the run did not succeed: see {log_path}", file=sys.stderr)
    return 0 if summary["state"] == "success" else 1


def register(sub) -> None:
    d = sub.add_parser(
        "demo",
        help="run the whole pipeline locally: demo portal, Airflow dag.test, SQLite warehouse, report; print the summary",
    )
    d.add_argument(
        "--corpus", help="replay a real-report corpus folder (with portal.tsv) instead of the demo city"
    )
    d.add_argument(
        "--year", type=int, action="append", help="report year (repeatable; default: all of the source)"
    )
    d.add_argument(
        "--verbose", action="store_true", help="print Airflow's task logs (default: a file in OGI_HOME/logs)"
    )
    d.set_defaults(func=_cmd_demo)
