"""The embedded Airflow services on one machine: ``ogi airflow up|down|status|backfill|env``.

``up`` starts the three Airflow 3 services a backfill needs (scheduler with the LocalExecutor,
dag-processor, api-server — tasks talk to the api-server's Execution API) on a SQLite metadata DB
under ``$AIRFLOW_HOME`` (default ``OGI_HOME/airflow``), creates the fetch pool and unpauses the OGI
DAGs. Each service is its own process group, recorded in ``$AIRFLOW_HOME/ogi-services.json``; ``down``
stops exactly those, by pid. A module of its own because more than these commands build on its
environment (``airflow_env``) and ``airflow`` CLI runner: ``ogi demo`` (``ogi.demo``), the Celery
stack and the pipeline benchmark. Nothing heavy is imported at module level.
"""

from __future__ import annotations

import json
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


def port_open(port: int) -> bool:
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
        while not port_open(port):
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
            signal_group(pid, signal.SIGTERM)
            stopped.append(name)
    deadline = time.monotonic() + timeout
    for name, pid in state["pids"].items():
        while _alive(pid) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.2)
        signal_group(pid, signal.SIGKILL)  # the service's leftover workers, if any
        gone = time.monotonic() + 10  # SIGKILL is delivered asynchronously: wait until the pid is gone
        while True:
            _reap(pid)
            if not _alive(pid) or time.monotonic() > gone:
                break
            time.sleep(0.05)
    path.unlink(missing_ok=True)
    log(f"stopped {', '.join(stopped) or 'nothing (already gone)'}")
    return stopped


def signal_group(pid: int, sig: int) -> None:
    """Signal the process group the service leads (started with its own session: pgid == pid)."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _reap(pid: int) -> None:
    """Collect the exit status of ``pid`` if it is our child and has ended (no zombie left behind)."""
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


def register(sub) -> None:
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
