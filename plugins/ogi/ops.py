"""Running the pipeline on one machine: ``ogi airflow up|down|status`` and ``ogi demo``.

``up`` starts the three Airflow 3 services a backfill needs (scheduler with the LocalExecutor,
dag-processor, api-server — tasks talk to the api-server's Execution API) on a SQLite metadata DB
under ``$AIRFLOW_HOME`` (default ``OGI_HOME/airflow``), creates the fetch pool and unpauses the OGI
DAGs. Each service is its own process group, recorded in ``$AIRFLOW_HOME/ogi-services.json``; ``down``
stops exactly those, by pid. Nothing heavy is imported at module level.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from ogi import config

DAG_IDS = ("ogi_annual_reports", "ogi_annual_reports_late", "ogi_analyst_outputs")
YEARLY = DAG_IDS[:2]  # the DAGs a backfill is for
POOL = "ogi_portal_requests"
SERVICES = ("scheduler", "dag-processor", "api-server")
STATE_FILE = "ogi-services.json"


def airflow_bin() -> str:
    """The ``airflow`` executable of this interpreter's environment."""
    cand = Path(sys.executable).with_name("airflow")
    return str(cand) if cand.exists() else "airflow"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def airflow_env(
    home: Path | str | None = None, *, port: int = 8080, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Environment of the embedded set-up: SQLite metadata, LocalExecutor, this repo's DAGs and plugins,
    one JWT secret shared by all services (tasks authenticate to the Execution API with it)."""
    home = Path(home or os.environ.get("AIRFLOW_HOME") or config.home() / "airflow").resolve()
    home.mkdir(parents=True, exist_ok=True)
    secret_file = home / ".ogi-jwt-secret"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(32))
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(config.DAGS_DIR),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(config.PLUGINS_DIR or home / "plugins"),
            "AIRFLOW__CORE__PARALLELISM": env.get("AIRFLOW__CORE__PARALLELISM", "4"),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API_AUTH__JWT_SECRET": secret_file.read_text().strip(),
            "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager."
            "SimpleAuthManager",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "OGI_HOME": str(config.home()),
        }
    )
    env.pop("AIRFLOW__CORE__UNIT_TEST_MODE", None)
    env.update(extra or {})
    return env


def airflow(env: Mapping[str, str], *args: str, check: bool = True, timeout: float = 300) -> str:
    """Run one ``airflow`` CLI command in ``env``; its stdout (raises with stderr on failure)."""
    p = subprocess.run(
        [airflow_bin(), *args], check=False, env=dict(env), capture_output=True, text=True, timeout=timeout
    )
    if check and p.returncode != 0:
        raise RuntimeError(f"airflow {' '.join(args)} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return p.stdout


def backfill(
    env: Mapping[str, str],
    from_date: str,
    to_date: str,
    *,
    dag_id: str = DAG_IDS[0],
    attempts: int = 6,
    log=print,
) -> str:
    """``airflow backfill create`` (the scheduler then runs the queued runs). On SQLite the CLI can meet
    "database is locked" while the scheduler writes: retried a few times."""
    args = ("backfill", "create", "--dag-id", dag_id, "--from-date", from_date, "--to-date", to_date)
    for attempt in range(1, attempts + 1):
        try:
            out = airflow(env, *args)
            log(out.strip() or f"backfill of {dag_id} {from_date}..{to_date} created")
            return out
        except RuntimeError as e:
            if "database is locked" not in str(e) or attempt == attempts:
                raise
            time.sleep(2 * attempt)
    raise AssertionError("unreachable")


def _state_path(env: Mapping[str, str]) -> Path:
    return Path(env["AIRFLOW_HOME"]) / STATE_FILE


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def up(
    home: Path | str | None = None,
    *,
    port: int | None = None,
    pool_slots: int = 4,
    extra_env: Mapping[str, str] | None = None,
    timeout: float = 180,
    log=print,
) -> dict:
    """Start scheduler, dag-processor and api-server; create the pool; unpause the OGI DAGs once the
    dag-processor has stored them. Returns the state (pids, port, env home). Idempotent per home."""
    port = port or int(os.environ.get("OGI_AIRFLOW_PORT", "0")) or free_port()
    env = airflow_env(home, port=port, extra=extra_env)
    state_path = _state_path(env)
    if state_path.exists():
        state = json.loads(state_path.read_text())
        if all(_alive(pid) for pid in state["pids"].values()):
            log(f"already running: {state['pids']} on port {state['port']}")
            return state
        down(env["AIRFLOW_HOME"], log=log)
    log(f"AIRFLOW_HOME={env['AIRFLOW_HOME']}: migrating the metadata DB")
    airflow(env, "db", "migrate")
    airflow(env, "pools", "set", POOL, str(pool_slots), "OGI: concurrent fetch batches against the portals")
    logs = Path(env["AIRFLOW_HOME"]) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    pids, procs = {}, {}
    for name in SERVICES:
        args = [airflow_bin(), name] + (
            ["--port", str(port), "--host", "127.0.0.1"] if name == "api-server" else []
        )
        with open(logs / f"{name}.log", "ab") as out:
            proc = subprocess.Popen(
                args,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        pids[name], procs[name] = proc.pid, proc
    state = {"pids": pids, "port": port, "home": env["AIRFLOW_HOME"], "api_url": f"http://127.0.0.1:{port}"}
    state_path.write_text(json.dumps(state, indent=1))
    log(f"started {pids}; logs in {logs}")
    deadline = time.monotonic() + timeout
    try:
        while not _port_open(port):
            _check_alive(procs, logs)
            if time.monotonic() > deadline:
                raise RuntimeError(f"api-server did not open port {port} in {timeout:.0f} s (see {logs})")
            time.sleep(0.5)
        unpause(env, deadline=deadline, procs=procs, log=log)
    except BaseException:
        down(env["AIRFLOW_HOME"], log=log)
        raise
    log(f"Airflow is up: {state['api_url']} (stop with: ogi airflow down)")
    return state


def _check_alive(procs: Mapping[str, subprocess.Popen], logs: Path) -> None:
    for name, proc in procs.items():
        if proc.poll() is not None:
            raise RuntimeError(
                f"{name} (pid {proc.pid}) exited with {proc.returncode}; see {logs / (name + '.log')}"
            )


def unpause(
    env: Mapping[str, str], *, deadline: float, procs: Mapping[str, subprocess.Popen] = {}, log=print
) -> None:
    """Unpause the OGI DAGs as soon as the dag-processor has stored them (new DAGs start paused)."""
    todo = list(DAG_IDS)
    while todo:
        for dag_id in list(todo):
            if airflow(env, "dags", "unpause", dag_id, "-y", check=False).strip() and _unpaused(env, dag_id):
                todo.remove(dag_id)
        if todo:
            if time.monotonic() > deadline:
                raise RuntimeError(f"DAGs {todo} were not parsed in time (see dag-processor.log)")
            _check_alive(procs, Path(env["AIRFLOW_HOME"]) / "logs")
            time.sleep(1)
    log(f"unpaused {', '.join(DAG_IDS)}")


def _unpaused(env: Mapping[str, str], dag_id: str) -> bool:
    import sqlite3

    db = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].removeprefix("sqlite:///")
    with sqlite3.connect(db, timeout=30) as c:
        row = c.execute("select is_paused from dag where dag_id = ?", (dag_id,)).fetchone()
    return row is not None and not row[0]


def down(home: Path | str | None = None, *, timeout: float = 30, log=print) -> list[str]:
    """Stop the services ``up`` started, by their recorded pids (each with its own workers); returns
    what was stopped."""
    env = airflow_env(home)
    path = _state_path(env)
    if not path.exists():
        log("nothing to stop")
        return []
    state = json.loads(path.read_text())
    stopped = []
    for name, pid in state["pids"].items():
        if _alive(pid):
            _signal_group(pid, signal.SIGTERM)
            stopped.append(name)
    deadline = time.monotonic() + timeout
    for name, pid in state["pids"].items():
        while _alive(pid) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.2)
        _signal_group(pid, signal.SIGKILL)  # the service's leftover workers, if any
        _reap(pid)
    path.unlink(missing_ok=True)
    log(f"stopped {', '.join(stopped) or 'nothing (already gone)'}")
    return stopped


def _signal_group(pid: int, sig: int) -> None:
    """Signal the process group the service leads (started with its own session: pgid == pid)."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def status(home: Path | str | None = None) -> dict:
    env = airflow_env(home)
    path = _state_path(env)
    if not path.exists():
        return {}
    state = json.loads(path.read_text())
    state["alive"] = {name: _alive(pid) for name, pid in state["pids"].items()}
    return state


# ----------------------------------------------------------------------------- the demo


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
    from ogi_dev.portal import serve_portal

    from ogi import pipeline
    from ogi.fetch.registry import load_registry

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


def _cmd_up(args) -> int:
    try:
        up(args.home, port=args.port, pool_slots=args.pool_slots)
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


def _cmd_down(args) -> int:
    down(args.home)
    return 0


def _cmd_backfill(args) -> int:
    state = status(args.home)
    if not state or not all(state["alive"].values()):
        print("error: the services are not running; start them with: ogi airflow up", file=sys.stderr)
        return 1
    try:
        backfill(airflow_env(args.home, port=state["port"]), args.from_date, args.to_date, dag_id=args.dag_id)
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


def _cmd_env(args) -> int:
    """Shell lines that point a plain ``airflow`` CLI at the embedded set-up: eval "$(ogi airflow env)"."""
    import shlex

    state = status(args.home)
    env = airflow_env(args.home, port=state.get("port", 8080))
    for key in sorted(
        k for k in env if k.startswith(("AIRFLOW_HOME", "AIRFLOW__", "OGI_")) and k not in os.environ
    ):
        print(f"export {key}={shlex.quote(env[key])}")
    for key in ("AIRFLOW_HOME", "OGI_HOME"):
        if key in os.environ:
            print(f"export {key}={shlex.quote(env[key])}")
    return 0


def _cmd_status(args) -> int:
    state = status(args.home)
    if not state:
        print("not running")
        return 1
    for name, alive in state["alive"].items():
        print(f"{name:14} pid {state['pids'][name]:>7}  {'running' if alive else 'GONE'}")
    print(f"api: {state['api_url']}  AIRFLOW_HOME: {state['home']}")
    return 0 if all(state["alive"].values()) else 1


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
    p = sub.add_parser(
        "airflow", help="start/stop the embedded Airflow services (scheduler, dag-processor, api-server)"
    )
    asub = p.add_subparsers(dest="airflow_command", metavar="ACTION", required=True)
    for name, func, text in (
        ("up", _cmd_up, "start the services, create the pool, unpause the OGI DAGs (for backfills)"),
        ("down", _cmd_down, "stop the services 'up' started (by pid)"),
        ("status", _cmd_status, "show whether the services are running"),
        (
            "backfill",
            _cmd_backfill,
            "queue runs of past years (airflow backfill create) on the running services",
        ),
        ("env", _cmd_env, 'print the environment for plain airflow commands: eval "$(ogi airflow env)"'),
    ):
        q = asub.add_parser(name, help=text)
        q.add_argument("--home", help="AIRFLOW_HOME (default $AIRFLOW_HOME, else OGI_HOME/airflow)")
        if name == "up":
            q.add_argument("--port", type=int, default=None, help="api-server port (default: a free one)")
            q.add_argument("--pool-slots", type=int, default=4, help=f"slots of the {POOL} pool (default 4)")
        if name == "backfill":
            q.add_argument(
                "--from-date", required=True, help="first logical date, e.g. 2022-01-01 (report year 2021)"
            )
            q.add_argument(
                "--to-date", required=True, help="last logical date, e.g. 2024-12-31 (report year 2023)"
            )
            q.add_argument("--dag-id", default=YEARLY[0], choices=YEARLY)
        q.set_defaults(func=func)
