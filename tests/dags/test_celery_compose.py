"""docker-compose.yaml, Dockerfile, .env.example and the init script, checked without a Docker engine:
Debian's ``docker-compose`` (1.29) validates and renders the file (``config``); the rendered services are
those of Airflow 3.3's reference topology with our changes (built image, secrets only from .env, shared
volumes, scalable workers, examples off); the init service's script runs for real against the local
PostgreSQL (a fresh metadata database and a fresh warehouse database) and is idempotent.

Needs ``docker-compose`` (``apt-get install docker-compose``; .ci/run installs it): skipped locally
without it, an error in CI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml
from testenv import REPO

COMPOSE = REPO / "docker-compose.yaml"
ENV_EXAMPLE = REPO / ".env.example"
AIRFLOW_SERVICES = (
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "airflow-init",
)
SECRETS = (
    "AIRFLOW_DB_PASSWORD",
    "OGI_WAREHOUSE_PASSWORD",
    "REDIS_PASSWORD",
    "AIRFLOW_FERNET_KEY",
    "AIRFLOW_JWT_SECRET",
    "OGI_ADMIN_PASSWORD",
)
OGI_VOLUMES = {
    "ogi-archive": "/opt/ogi/data/archive",
    "ogi-parsed": "/opt/ogi/data/parsed",
    "ogi-datadocs": "/opt/ogi/data/datadocs",
    "ogi-runs": "/opt/ogi/data/runs",
    "ogi-reports": "/opt/ogi/data/reports",
    "ogi-outputs": "/opt/ogi/data/outputs",
}


def _compose_bin() -> str:
    exe = shutil.which("docker-compose")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose not installed (.ci/run installs Debian's docker-compose)")
        pytest.skip("docker-compose not installed (apt-get install docker-compose)")
    return exe


def _compose(env_file: Path, *args: str) -> subprocess.CompletedProcess:
    """``docker-compose --env-file F -f docker-compose.yaml ARGS`` with none of this shell's variables."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root")}
    cmd = [_compose_bin(), "--env-file", str(env_file), "-f", str(COMPOSE), "--project-directory", str(REPO)]
    return subprocess.run([*cmd, *args], env=env, capture_output=True, text=True, check=False, timeout=120)


@pytest.fixture(scope="module")
def rendered() -> dict:
    p = _compose(ENV_EXAMPLE, "config")
    assert p.returncode == 0, p.stderr
    return yaml.safe_load(p.stdout)


def test_compose_config_validates_with_the_example_env():
    p = _compose(ENV_EXAMPLE, "config", "-q")
    assert p.returncode == 0, p.stderr


@pytest.mark.parametrize("missing", SECRETS)
def test_compose_refuses_to_render_without_each_secret(tmp_path, missing):
    """No secret has a default in the compose file: without it in .env, config fails naming it."""
    env_file = tmp_path / "env"
    lines = [line for line in ENV_EXAMPLE.read_text().splitlines() if not line.startswith(f"{missing}=")]
    env_file.write_text("\n".join(lines) + "\n")
    p = _compose(env_file, "config", "-q")
    assert p.returncode != 0
    assert f"set {missing} in .env" in p.stderr


def test_the_compose_file_and_example_hold_no_real_secret():
    text = COMPOSE.read_text()
    for name in SECRETS:
        for m in re.finditer(r"\$\{" + name + r"([^}]*)\}", text):
            assert m.group(1).startswith(":?"), f"{name} must be required (${{{name}:?…}}), not defaulted"
    example = dict(
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    )
    for name in SECRETS:
        assert example[name].startswith("change-me"), name
    # every variable the compose file reads is documented in .env.example
    used = set(re.findall(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)", text))  # not $${…}: the container's own
    assert used <= set(example), sorted(used - set(example))
    assert ".env" in (REPO / ".dockerignore").read_text().split()


def test_rendered_topology_is_the_reference_with_our_changes(rendered):
    services = rendered["services"]
    assert {"postgres", "warehouse-db", "redis", *AIRFLOW_SERVICES} <= set(services)
    images = {services[name]["image"] for name in AIRFLOW_SERVICES}
    assert len(images) == 1  # one project image …
    for name in AIRFLOW_SERVICES:
        svc = services[name]
        assert svc["build"]["dockerfile"] == "Dockerfile"  # … built from the Dockerfile
        env = svc["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"
        assert (
            env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
            and "@redis:6379" in env["AIRFLOW__CELERY__BROKER_URL"]
        )
        assert "@postgres/airflow" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/ogi/dags"  # the installed package's DAGs
        assert not env.get("_PIP_ADDITIONAL_REQUIREMENTS")  # nothing installed at container start
        mounts = {v.split(":")[0]: v.split(":")[1] for v in svc["volumes"]}
        for volume, target in OGI_VOLUMES.items():
            assert mounts.get(volume) == target, (name, volume)
        assert not any(src.startswith(("/", ".")) for src in mounts), (
            f"{name}: no bind mounts of the checkout"
        )
    # the warehouse is a database of its own, not the metadata DB
    assert services["warehouse-db"]["environment"]["POSTGRES_DB"] == "warehouse"
    assert "postgres-db-volume" in rendered["volumes"] and "warehouse-db-volume" in rendered["volumes"]
    # workers scale with --scale: no fixed name, no host port
    worker = services["airflow-worker"]
    assert "container_name" not in worker and "ports" not in worker
    assert worker["command"][:2] == ["celery", "worker"] or str(worker["command"]).startswith("celery worker")
    # the init service does the set-up
    init = services["airflow-init"]
    assert init["command"] == ["/opt/ogi/compose-init.sh"]
    for name in (
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-worker",
    ):
        assert services[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"


def test_the_dockerfile_installs_the_package_at_build_time():
    text = (REPO / "Dockerfile").read_text()
    assert text.startswith("#") and "FROM apache/airflow:3.3.2-python3.11" in text
    assert "pip install --no-cache-dir -r /opt/ogi/src/requirements.lock" in text
    assert re.search(r"pip install --no-cache-dir --no-deps /tmp/ogi-wheel/ogi_reports-\*\.whl", text)
    assert " -e " not in text  # a wheel, not an editable checkout
    assert "COPY --chown=airflow:0 scripts/compose-init.sh /opt/ogi/compose-init.sh" in text


# ----------------------------------------------------------------------------- the init script, for real


def _init_env(tmp_path: Path, pg_server: str, meta: str, warehouse: str, **extra: str) -> dict[str, str]:
    server = pg_server.rsplit("/", 1)[0]
    env = {
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", "/root"),
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"{server}/{meta}",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": f"{server}/{meta}",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(tmp_path / "config" / "passwords.json"),
        "AIRFLOW__CORE__FERNET_KEY": "",
        "AIRFLOW__API_AUTH__JWT_SECRET": "test-jwt",
        "AIRFLOW__CELERY__BROKER_URL": "redis://127.0.0.1:6379/0",
        "OGI_ADMIN_USER": "admin",
        "OGI_ADMIN_PASSWORD": "s3cret",
        "OGI_WAREHOUSE_USER": "postgres",
        "OGI_WAREHOUSE_PASSWORD": "unused-trust-auth",
        "OGI_WAREHOUSE_HOST": "127.0.0.1",
        "OGI_WAREHOUSE_DB": warehouse,
        "OGI_PORTAL_POOL_SLOTS": "3",
    }
    env.update(extra)
    return env


def test_the_init_script_sets_up_a_fresh_cluster_and_is_idempotent(tmp_path, pg_server):
    import json

    import sqlalchemy as sa

    tag = uuid.uuid4().hex[:10]
    meta, warehouse = f"ogi_init_meta_{tag}", f"ogi_init_wh_{tag}"
    admin = sa.create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{meta}"'))
        c.execute(sa.text(f'CREATE DATABASE "{warehouse}"'))
    try:
        script = str(REPO / "scripts" / "compose-init.sh")
        bad = subprocess.run(
            ["bash", script],
            env=_init_env(tmp_path, pg_server, meta, warehouse, OGI_ADMIN_PASSWORD="change-me-admin"),
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert bad.returncode == 1 and "placeholder" in bad.stderr
        env = _init_env(tmp_path, pg_server, meta, warehouse)
        for _ in range(2):  # idempotent: a second run changes nothing and succeeds
            p = subprocess.run(
                ["bash", script], env=env, capture_output=True, text=True, check=False, timeout=300
            )
            assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
            assert "airflow-init: done" in p.stdout
            assert "s3cret" not in p.stdout + p.stderr  # secrets never printed
        assert json.loads((tmp_path / "config" / "passwords.json").read_text()) == {"admin": "s3cret"}
        server = pg_server.rsplit("/", 1)[0]
        meta_engine = sa.create_engine(f"{server}/{meta}")
        with meta_engine.connect() as c:
            pool = c.execute(
                sa.text("select slots from slot_pool where pool = 'ogi_portal_requests'")
            ).scalar_one()
            conn = c.execute(
                sa.text("select conn_type, host, schema from connection where conn_id = 'ogi_warehouse'")
            ).one()
        meta_engine.dispose()
        assert pool == 3
        assert tuple(conn) == ("postgres", "127.0.0.1", warehouse)
        wh_engine = sa.create_engine(f"{server}/{warehouse}")
        with wh_engine.connect() as c:
            head = c.execute(sa.text("select version_num from alembic_version")).scalar_one()
            assert c.execute(sa.text("select count(*) from reports")).scalar_one() == 0
        wh_engine.dispose()
        assert head.startswith("000")
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{meta}" WITH (FORCE)'))
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{warehouse}" WITH (FORCE)'))
        admin.dispose()
