"""How the warehouse is written: chunked and bulk statements, and the one retry policy every writer
(load, registry sync, cross-year, run outcomes) shares.

Races on PostgreSQL (a unique violation, a deadlock, a serialization failure) retry the whole
transaction a few times; on SQLite ``BEGIN IMMEDIATE`` serialises writers instead.

Connection loss (PostgreSQL restarted, failed over, a dropped socket): the transaction is rolled back
by the server, so the whole transaction is retried on a new connection, with backoff, for at most
``RECONNECT_SECONDS`` (``OGI_WAREHOUSE_RECONNECT_SECONDS``). Only idempotent work may be run this way
(re-running it gives the identical warehouse), which is what makes the retry safe even when the
connection dropped after the server committed.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

_CHUNK = 5000
_RETRY_PGCODES = {"23505", "40P01", "40001"}  # unique violation, deadlock, serialization failure
_ATTEMPTS = 5
#: server-side codes of a lost connection: admin/crash shutdown, server starting or stopping (class 08:
#: connection exceptions, is matched by prefix)
_CONNECTION_PGCODES = {"57P01", "57P02", "57P03"}
#: default of OGI_WAREHOUSE_RECONNECT_SECONDS: how long a batch keeps retrying after losing its connection
RECONNECT_SECONDS = 60.0
_RECONNECT_FIRST_WAIT, _RECONNECT_MAX_WAIT = 0.25, 4.0


# ----------------------------------------------------------------------------- statements


def chunks(seq: Sequence, n: int = _CHUNK) -> Iterable[Sequence]:
    """``seq`` in slices of ``n``: keeps IN lists and executemany batches within the drivers' limits."""
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _insert_stmt(conn: Connection, table):
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def upsert(
    conn: Connection, table, rows: list[dict], keys: list[str], update_cols: Iterable[str] = ()
) -> None:
    """Insert ``rows``; on a conflict on ``keys`` update ``update_cols`` (none: leave the row alone)."""
    if not rows:
        return
    stmt = _insert_stmt(conn, table)
    cols = list(update_cols)
    if cols:
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in cols})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    conn.execute(stmt, rows)


def bulk_insert(
    conn: Connection,
    table,
    rows: list[dict] | list[tuple],
    cols: Sequence[str] | None = None,
    pg_types: Sequence[str] | None = None,
) -> None:
    """Insert many rows fast, in the caller's transaction: COPY on PostgreSQL (binary when the column
    types are given), a driver-level executemany elsewhere. ``rows`` are dicts, or tuples in ``cols`` order."""
    if not rows:
        return
    if cols is None:
        cols = list(rows[0])
        rows = [tuple(r[c] for c in cols) for r in rows]
    names = ", ".join(cols)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        fmt = " (FORMAT BINARY)" if pg_types else ""
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({names}) FROM STDIN{fmt}") as cp:
            if pg_types:
                cp.set_types(list(pg_types))
            for r in rows:
                cp.write_row(r)
        return
    marks = ", ".join("?" for _ in cols)
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)


# ----------------------------------------------------------------------------- retries


def _retryable(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code in _RETRY_PGCODES


def _chain(exc: BaseException) -> Iterable[BaseException]:
    """The exception, what it wraps (``orig``), its cause and context: a lost connection may surface
    as the rollback's error, the raw driver's (COPY), or SQLAlchemy's wrapper of either."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [getattr(e, "orig", None), e.__cause__, e.__context__]


def connection_lost(exc: BaseException) -> bool:
    """True when ``exc`` means the PostgreSQL connection is gone (or could not be made), not that a
    statement failed: SQLAlchemy saw a disconnect, the server said it is shutting down or starting up
    (57P01-57P03) or sent a class 08 code, or libpq failed without a server code."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency; no driver, nothing to recognise
        psycopg = None
    for e in _chain(exc):
        if isinstance(e, DBAPIError) and e.connection_invalidated:
            return True
        if psycopg is not None and isinstance(e, psycopg.Error):
            code = e.sqlstate
            if code in _CONNECTION_PGCODES or (code or "").startswith("08"):
                return True
            if code is None and isinstance(e, psycopg.OperationalError):
                return True  # client side: refused, reset, "server closed the connection unexpectedly"
    return False


def reconnect_seconds() -> float:
    """``OGI_WAREHOUSE_RECONNECT_SECONDS`` (0 turns the retry off), else ``RECONNECT_SECONDS``."""
    raw = os.environ.get("OGI_WAREHOUSE_RECONNECT_SECONDS", "").strip()
    if not raw:
        return RECONNECT_SECONDS
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(
            f"OGI_WAREHOUSE_RECONNECT_SECONDS must be a number of seconds, not {raw!r}"
        ) from None
    if not 0 <= value <= 3600:
        raise ValueError(f"OGI_WAREHOUSE_RECONNECT_SECONDS must be between 0 and 3600, not {raw!r}")
    return value


def with_reconnect(engine: Engine, fn, *args, what: str = "batch"):
    """``fn(*args)``, run again from the start when the PostgreSQL connection is lost, for at most
    ``reconnect_seconds()`` (waits 0.25 s, 0.5 s, … 4 s between attempts). Only for idempotent work:
    the failed attempt's transaction was rolled back by the server, or committed whole."""
    if engine.dialect.name != "postgresql":
        return fn(*args)
    budget = reconnect_seconds()
    deadline = time.monotonic() + budget
    wait = _RECONNECT_FIRST_WAIT
    attempt = 1
    while True:
        try:
            return fn(*args)
        except Exception as exc:
            left = deadline - time.monotonic()
            if not connection_lost(exc) or left <= 0:
                if budget and connection_lost(exc):
                    log.error("warehouse: connection still lost after %.0f s; giving up the %s", budget, what)
                raise
            log.warning(
                "warehouse: connection lost during the %s (%s); retrying it whole (attempt %d, %.1f s left)",
                what, type(exc).__name__, attempt + 1, left,
            )  # fmt: skip
            engine.dispose()  # the pool's other connections died with the server's sessions
            time.sleep(min(wait, max(left, 0)))
            wait = min(wait * 2, _RECONNECT_MAX_WAIT)
            attempt += 1


def transaction(engine: Engine, fn, *args, what: str = "batch"):
    """Run ``fn(conn, *args)`` in one write transaction; retry on PostgreSQL races (whole batch), and
    on a lost connection (``with_reconnect``)."""

    def once():
        for attempt in range(_ATTEMPTS):
            try:
                with engine.connect() as conn:
                    conn = conn.execution_options(ogi_begin="IMMEDIATE")  # SQLite: take the write lock now
                    with conn.begin():
                        return fn(conn, *args)
            except DBAPIError as exc:
                if engine.dialect.name != "postgresql" or not _retryable(exc) or attempt == _ATTEMPTS - 1:
                    raise
                log.info(
                    "warehouse: retrying batch after %s (attempt %d)",
                    exc.orig.__class__.__name__,
                    attempt + 1,
                )
                time.sleep(0.05 * 2**attempt)
        raise AssertionError("unreachable")

    return with_reconnect(engine, once, what=what)
