"""A throw-away PostgreSQL cluster for fault tests: its own data folder, port and socket, started and
stopped (or restarted) by the test, never the shared server other tests use.

``initdb`` and ``pg_ctl`` come from ``$OGI_TEST_PG_BIN``, else the ``pg_ctl`` on PATH, else the newest
``/usr/lib/postgresql/*/bin``. As root they run as the ``postgres`` user (PostgreSQL refuses root);
otherwise as the current user. Unavailable binaries or user: the test is skipped.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest


def _bin_dir() -> Path | None:
    if os.environ.get("OGI_TEST_PG_BIN"):
        return Path(os.environ["OGI_TEST_PG_BIN"])
    found = shutil.which("pg_ctl")
    if found and (Path(found).resolve().parent / "initdb").exists():
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One throw-away cluster. ``url(db)`` is a psycopg 3 URL; ``restart()``, ``stop()``, ``start()``
    wait until done (``pg_ctl -w``); ``remove()`` stops it and deletes its folder."""

    def __init__(self) -> None:
        bindir = _bin_dir()
        if bindir is None or not (bindir / "initdb").exists():
            pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) for a throw-away cluster")
        self.bin = bindir
        self.as_user: list[str] = []
        self.root = Path(tempfile.mkdtemp(prefix="ogi-pgfault-"))
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root without a postgres user: cannot run a throw-away cluster")
            runuser = shutil.which("runuser")
            if runuser is None:
                pytest.skip("running as root without runuser: cannot run a throw-away cluster")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self.as_user = [runuser, "-u", "postgres", "--"]
        self.data = self.root / "data"
        self.port = _free_port()
        self.log = self.root / "server.log"
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale=C", "--no-sync")  # fmt: skip
        opts = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root}"
            " -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=40"
        )
        self.opts = opts
        self.start()

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        cmd = [*self.as_user, str(self.bin / tool), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(
                f"{tool} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
            )

    def _ctl(self, action: str, *extra: str) -> None:
        self._run("pg_ctl", action, "-D", str(self.data), "-w", "-t", "30", *extra)

    def start(self) -> None:
        self._ctl("start", "-o", self.opts, "-l", str(self.log))

    def running(self) -> bool:
        cmd = [*self.as_user, str(self.bin / "pg_ctl"), "status", "-D", str(self.data)]
        return subprocess.run(cmd, capture_output=True, timeout=30, check=False).returncode == 0

    def ensure_running(self) -> None:
        """Start the server if an earlier test left it stopped."""
        if not self.running():
            self.start()

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def restart(self) -> None:
        """Stop (every session is terminated: 57P01) and start again, like a PostgreSQL restart."""
        self._ctl("restart", "-m", "fast", "-o", self.opts, "-l", str(self.log))

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import sqlalchemy as sa

        admin = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return self.url(name)

    def remove(self) -> None:
        try:
            self._ctl("stop", "-m", "immediate")
        except (RuntimeError, subprocess.TimeoutExpired):
            pass  # already stopped
        shutil.rmtree(self.root, ignore_errors=True)
