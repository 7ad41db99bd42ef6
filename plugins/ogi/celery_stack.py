"""Airflow's own distributed execution, natively on one machine: CeleryExecutor, Redis, PostgreSQL.

The topology of ``docker-compose.yaml`` as separate local processes: ``airflow api-server``,
``scheduler``, ``dag-processor`` and N ``airflow celery worker`` processes, the Airflow metadata and
the warehouse in two PostgreSQL databases, Redis as the Celery broker. An init step does what the
compose file's ``airflow-init`` does: migrate the metadata DB, the admin user (SimpleAuthManager users
with a password file), the ``ogi_portal_requests`` pool, the ``ogi_warehouse`` connection, the
warehouse schema. Runs are triggered and watched through the REST API v2 with a bearer token.

Used by ``tests/dags/test_celery_topology.py`` (a run, a worker killed mid-run) and by the benchmark
``ogi bench celery`` (``ogi_dev.bench.celery``: LocalExecutor vs Celery with 1 and 2 workers, same city).

Every process is started in its own session (process group) and recorded; ``stop`` ends exactly
those, and every process below them (task processes put themselves in groups of their own, so the
process tree is frozen with SIGSTOP before it is killed: nothing is orphaned). Linux only (/proc).
Nothing heavy is imported at module level (``hostname`` is Airflow's ``hostname_callable`` here).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ogi import airflow_services

DAG_ID = airflow_services.DAG_IDS[0]
ADMIN_USER = "ogi-admin"
#: Redis db numbers the native stack may claim (one per stack; a claim key marks it as taken)
REDIS_DBS = tuple(range(15, 7, -1))
REDIS_CLAIM_KEY = "ogi:celery-stack:claimed-by"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379"


def hostname() -> str:
    """``[core] hostname_callable`` of the native stack: ``OGI_WORKER_NAME`` (set per Celery worker, so a
    task instance's hostname names the worker that ran it), else the machine's FQDN (Airflow's default)."""
    return os.environ.get("OGI_WORKER_NAME") or socket.getfqdn()


# ----------------------------------------------------------------------------- databases and broker


def _pg_engine(admin_url: str):
    import sqlalchemy as sa

    return sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")


def create_database(admin_url: str, name: str) -> str:
    """A brand-new PostgreSQL database; its URL (same server and user as ``admin_url``)."""
    import sqlalchemy as sa

    engine = _pg_engine(admin_url)
    with engine.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, name: str) -> None:
    import sqlalchemy as sa

    engine = _pg_engine(admin_url)
    with engine.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def claim_redis_db(redis_url: str = REDIS_URL, dbs=REDIS_DBS, *, owner: str, ttl: int = 6 * 3600) -> int:
    """A Redis db number of its own: the first of ``dbs`` that is empty, claimed with SET NX (so two
    stacks on one machine never share a broker db). Released (flushed) by ``release_redis_db``."""
    import redis

    for db in dbs:
        r = redis.Redis.from_url(f"{redis_url}/{db}")
        try:
            if r.dbsize() == 0 and r.set(REDIS_CLAIM_KEY, owner, nx=True, ex=ttl):
                return db
        finally:
            r.close()
    raise RuntimeError(f"no free Redis db among {list(dbs)} on {redis_url}")


def release_redis_db(redis_url: str, db: int, *, owner: str) -> None:
    """Empty the claimed db (queues, unacknowledged messages, the claim), if it is still ours."""
    import redis

    r = redis.Redis.from_url(f"{redis_url}/{db}")
    try:
        if r.get(REDIS_CLAIM_KEY) in (owner.encode(), None):
            r.flushdb()
    finally:
        r.close()


# ----------------------------------------------------------------------------- processes


def _children() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        out.setdefault(ppid, []).append(int(entry))
    return out


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process below it (children, their children …), from /proc."""
    children, out, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def kill_tree(pid: int) -> list[int]:
    """SIGKILL ``pid`` and everything below it, as a machine or container dying would: the tree is
    frozen first (SIGSTOP until no new process appears), so no child is orphaned and missed."""
    frozen: set[int] = set()
    while True:
        tree = [p for p in process_tree(pid) if p not in frozen]
        if not tree:
            break
        for p in tree:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, signal.SIGSTOP)
            frozen.add(p)
    for p in frozen:
        with contextlib.suppress(ProcessLookupError):
            os.kill(p, signal.SIGKILL)
    return sorted(frozen)


@dataclass
class Stack:
    """A running native stack: its environment, its processes (name -> Popen) and the admin login."""

    home: Path
    env: dict[str, str]
    port: int
    password: str
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    #: every pid seen below a service (at kill/stop time): checked gone by ``stop``
    seen: set[int] = field(default_factory=set)

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[str]:
        return [name for name in self.procs if name.startswith("worker")]


def stack_env(
    home: Path,
    *,
    metadata_url: str,
    port: int,
    executor: str = "CeleryExecutor",
    broker_url: str | None = None,
    queue: str = "default",
    slots: int = 4,
    schedules: bool = False,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The services' environment: the embedded one (``airflow_services.airflow_env``: dags and plugins
    folders, one JWT secret for all, the api-server's address) with PostgreSQL metadata, the executor,
    the broker, the queue tasks go to, SimpleAuthManager with one admin user and a password file.
    ``schedules=False`` turns the cron schedules off (``use_job_schedule``): only triggered runs run
    (tests, benchmarks)."""
    env = airflow_services.airflow_env(home, port=port)
    env.pop("OGI_WAREHOUSE_URL", None)  # the warehouse is the Airflow connection ogi_warehouse
    env.update(
        {
            "AIRFLOW__CORE__EXECUTOR": executor,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
            # psycopg 3 for Airflow's async engine too (its default driver for postgresql is asyncpg)
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": metadata_url,
            "AIRFLOW__CORE__PARALLELISM": str(slots),
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": queue,
            "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager."
            "SimpleAuthManager",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(Path(home) / "passwords.json"),
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "ogi.celery_stack.hostname",
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": str(schedules),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        }
    )
    if executor == "CeleryExecutor":
        if not broker_url:
            raise ValueError("CeleryExecutor needs a broker_url")
        env.update(
            {
                "AIRFLOW__CELERY__BROKER_URL": broker_url,
                "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + metadata_url,
            }
        )
    env.update(extra or {})
    return env


def init(
    env: Mapping[str, str], *, warehouse_url: str, password: str, pool_slots: int = 4, log=print
) -> None:
    """What the compose file's ``airflow-init`` does: migrate the metadata DB, the admin user's password,
    the fetch pool, the ``ogi_warehouse`` connection, the warehouse schema (Alembic)."""
    t0 = time.perf_counter()
    airflow_services.airflow(env, "db", "migrate")
    Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]).write_text(
        json.dumps({ADMIN_USER: password})
    )
    airflow_services.airflow(
        env,
        "pools",
        "set",
        airflow_services.POOL,
        str(pool_slots),
        "OGI: concurrent fetch batches against the portals",
    )
    airflow_services.airflow(env, "connections", "delete", "ogi_warehouse", check=False)
    plain = warehouse_url.replace("postgresql+psycopg://", "postgresql://", 1)
    airflow_services.airflow(env, "connections", "add", "ogi_warehouse", "--conn-uri", plain)
    # the warehouse schema, by URL: outside a task (no Execution API) the connection in the metadata DB
    # is not visible to ogi.warehouse.db; tasks read it through the api-server
    from ogi.warehouse.db import get_engine, upgrade

    engine = get_engine(warehouse_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    log(
        f"init: metadata migrated, pool, connection ogi_warehouse, warehouse schema ({time.perf_counter() - t0:.1f} s)"
    )


def start(
    stack: Stack, name: str, *args: str, extra_env: Mapping[str, str] | None = None
) -> subprocess.Popen:
    """Start ``airflow ARGS`` as service ``name`` in its own session; output to ``logs/<name>.log``."""
    stack.logs.mkdir(parents=True, exist_ok=True)
    env = dict(stack.env)
    env.update(extra_env or {})
    with open(stack.logs / f"{name}.log", "ab") as out:
        proc = subprocess.Popen(
            [airflow_services.airflow_bin(), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    stack.procs[name] = proc
    return proc


def start_services(stack: Stack) -> None:
    """api-server, scheduler, dag-processor (the triggerer is left out: no deferrable task in the DAGs)."""
    start(stack, "api-server", "api-server", "--port", str(stack.port), "--host", "127.0.0.1")
    start(stack, "scheduler", "scheduler")
    start(stack, "dag-processor", "dag-processor")


def start_worker(stack: Stack, name: str, *, concurrency: int = 2) -> subprocess.Popen:
    """One ``airflow celery worker`` on the stack's queue; its task instances carry ``name`` as hostname."""
    queue = stack.env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"]
    host = f"{name}@{socket.gethostname()}"
    return start(
        stack,
        name,
        "celery",
        "worker",
        "--queues",
        queue,
        "--concurrency",
        str(concurrency),
        "--celery-hostname",
        host,
        "--pid",
        str(stack.home / f"{name}.pid"),
        "--skip-serve-logs",  # one machine: the api-server reads task logs from the shared logs folder
        extra_env={"OGI_WORKER_NAME": host},
    )


def check_running(stack: Stack) -> None:
    for name, proc in stack.procs.items():
        if proc.poll() is not None:
            tail = (stack.logs / f"{name}.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{name} (pid {proc.pid}) exited with {proc.returncode}:\n{tail}")


def wait_ready(stack: Stack, *, timeout: float = 180) -> None:
    """The api-server answers and every worker has connected to the broker ("ready" in its log)."""
    deadline = time.monotonic() + timeout
    pending = set(stack.workers())
    while not airflow_services.port_open(stack.port) or pending:
        check_running(stack)
        for name in list(pending):
            if " ready." in (stack.logs / f"{name}.log").read_text(errors="replace"):
                pending.discard(name)
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"not ready after {timeout:.0f} s: api port {stack.port}, workers {sorted(pending)}"
            )
        time.sleep(0.5)


def kill_worker(stack: Stack, name: str) -> list[int]:
    """SIGKILL worker ``name`` and every process below it (its tasks), by pid; returns the pids."""
    proc = stack.procs[name]
    pids = kill_tree(proc.pid)
    stack.seen.update(pids)
    proc.wait(timeout=30)
    return pids


def stop(stack: Stack, *, timeout: float = 30) -> list[str]:
    """Stop every service and worker: SIGTERM to each process group (workers shut down warm), then
    SIGKILL to whatever of their trees is left. Returns the names that were still running."""
    running = [name for name, proc in stack.procs.items() if proc.poll() is None]
    trees = {name: process_tree(stack.procs[name].pid) for name in running}
    for pids in trees.values():
        stack.seen.update(pids)
    for name in running:
        airflow_services.signal_group(stack.procs[name].pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for name in running:
        with contextlib.suppress(subprocess.TimeoutExpired):
            stack.procs[name].wait(timeout=max(0.1, deadline - time.monotonic()))
    for name in running:
        for pid in trees[name]:
            if alive(pid):
                stack.seen.update(kill_tree(pid))
        with contextlib.suppress(subprocess.TimeoutExpired):
            stack.procs[name].wait(timeout=10)
    return running


def strays(stack: Stack) -> list[int]:
    """Processes this stack started (services, workers and everything seen below them) still alive."""
    return sorted(p for p in stack.seen | {proc.pid for proc in stack.procs.values()} if alive(p))


# ----------------------------------------------------------------------------- REST API v2


class Api:
    """The Airflow 3 REST API v2 as the admin user: ``POST /auth/token`` (SimpleAuthManager) gives a JWT,
    sent as ``Authorization: Bearer``; renewed once on 401."""

    def __init__(self, base_url: str, username: str, password: str, *, timeout: float = 30):
        import httpx

        self.username, self.password = username, password
        self.http = httpx.Client(base_url=base_url, timeout=timeout)
        self._token: str | None = None

    def close(self) -> None:
        self.http.close()

    def token(self) -> str:
        r = self.http.post("/auth/token", json={"username": self.username, "password": self.password})
        r.raise_for_status()
        self._token = r.json()["access_token"]
        return self._token

    def request(self, method: str, path: str, **kwargs):
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self._token or self.token()}"}
            r = self.http.request(method, "/api/v2" + path, headers=headers, **kwargs)
            if r.status_code == 401 and attempt == 1:
                self._token = None
                continue
            return r
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, **kwargs) -> dict:
        r = self.request(method, path, **kwargs)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:2000]}")
        return r.json()

    def wait_for_dag(
        self, dag_id: str, *, timeout: float = 120, check: Callable[[], None] | None = None
    ) -> None:
        """Until the dag-processor has stored ``dag_id``."""
        deadline = time.monotonic() + timeout
        while self.request("GET", f"/dags/{dag_id}").status_code != 200:
            if check:
                check()
            if time.monotonic() > deadline:
                raise RuntimeError(f"DAG {dag_id} not parsed after {timeout:.0f} s")
            time.sleep(1)

    def unpause(self, dag_id: str) -> None:
        self.json("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    def trigger(self, dag_id: str, conf: dict, *, logical_date: str | None = None) -> str:
        body = {"logical_date": logical_date, "conf": conf}
        return self.json("POST", f"/dags/{dag_id}/dagRuns", json=body)["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.json("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.json("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 1000})[
            "task_instances"
        ]

    def tries(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> list[dict]:
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/{map_index}/tries"
        return self.json("GET", path)["task_instances"]

    def wait_for_run(
        self,
        dag_id: str,
        run_id: str,
        *,
        timeout: float,
        poll: float = 1.0,
        check: Callable[[], None] | None = None,
        on_poll: Callable[[], None] | None = None,
    ) -> str:
        """The run's final state (success or failed); raises after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.run_state(dag_id, run_id)
            if state in ("success", "failed"):
                return state
            if check:
                check()
            if on_poll:
                on_poll()
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} still {state} after {timeout:.0f} s")
            time.sleep(poll)


def run_conf(city: Path, via: str, year: int, batch_size: int) -> dict:
    """Params of a run over a generated city (``ogi synth``) served on ``via``."""
    return {
        "registry": str(Path(city) / "registry.yaml"),
        "via": via,
        "years": [year],
        "batch_size": batch_size,
    }


# ----------------------------------------------------------------------------- the whole stack


@dataclass
class Native:
    """What ``native_stack`` yields."""

    stack: Stack
    api: Api
    warehouse_url: str
    redis_db: int | None


@contextlib.contextmanager
def native_stack(
    work: Path,
    *,
    workers: int = 2,
    concurrency: int = 2,
    executor: str = "CeleryExecutor",
    pg_admin_url: str = PG_ADMIN_URL,
    redis_url: str = REDIS_URL,
    pool_slots: int = 4,
    extra_env: Mapping[str, str] | None = None,
    timeout: float = 180,
    log=print,
) -> Iterator[Native]:
    """A fresh metadata database and a fresh warehouse database on ``pg_admin_url``'s server, a Redis db
    of its own, the services and ``workers`` Celery workers (``executor="LocalExecutor"``: none, the
    scheduler runs the tasks), ``ogi_annual_reports`` unpaused; everything stopped and dropped after."""
    tag = uuid.uuid4().hex[:10]
    work = Path(work)
    home = work / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    meta_name, wh_name = f"ogi_airflow_{tag}", f"ogi_warehouse_{tag}"
    metadata_url = create_database(pg_admin_url, meta_name)
    warehouse_url = None
    redis_db = None
    stack = None
    api = None
    try:
        warehouse_url = create_database(pg_admin_url, wh_name)
        broker = None
        if executor == "CeleryExecutor":
            redis_db = claim_redis_db(redis_url, owner=tag)
            broker = f"{redis_url}/{redis_db}"
        slots = workers * concurrency if executor == "CeleryExecutor" else concurrency
        port = airflow_services.free_port()
        env = stack_env(
            home,
            metadata_url=metadata_url,
            port=port,
            executor=executor,
            broker_url=broker,
            queue=f"ogi-{tag}",
            slots=slots,
            extra={"OGI_HOME": str(work / "ogi"), **(extra_env or {})},
        )
        stack = Stack(home=home, env=env, port=port, password=secrets.token_urlsafe(16))
        init(env, warehouse_url=warehouse_url, password=stack.password, pool_slots=pool_slots, log=log)
        t0 = time.perf_counter()
        start_services(stack)
        if executor == "CeleryExecutor":
            for i in range(1, workers + 1):
                start_worker(stack, f"worker-{i}", concurrency=concurrency)
        wait_ready(stack, timeout=timeout)
        api = Api(stack.api_url, ADMIN_USER, stack.password)
        api.wait_for_dag(DAG_ID, timeout=timeout, check=lambda: check_running(stack))
        api.unpause(DAG_ID)
        log(
            f"{executor} stack up in {time.perf_counter() - t0:.1f} s: {', '.join(stack.procs)} "
            f"(api {stack.api_url}, metadata {meta_name}, warehouse {wh_name}, redis db {redis_db}, logs {stack.logs})"
        )
        yield Native(stack=stack, api=api, warehouse_url=warehouse_url, redis_db=redis_db)
    finally:
        if api is not None:
            api.close()
        if stack is not None:
            stop(stack)
        if redis_db is not None:
            release_redis_db(redis_url, redis_db, owner=tag)
        drop_database(pg_admin_url, meta_name)
        if warehouse_url is not None:
            drop_database(pg_admin_url, wh_name)
