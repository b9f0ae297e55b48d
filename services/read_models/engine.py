"""Build the read-model engine for SQLite or PostgreSQL (psycopg 3)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine

from services.errors import ConfigurationError
from services.settings import Settings

#: How long a SQLite writer waits for another writer's lock before failing.
SQLITE_BUSY_TIMEOUT_MS = 10_000

#: Execution option: open the transaction with ``BEGIN IMMEDIATE`` on SQLite.
SQLITE_IMMEDIATE = "keypulse_sqlite_immediate"


def create_engine_for(settings_or_url: Settings | str | URL) -> Engine:
    """Return an engine for the read-model database of ``settings_or_url``.

    SQLite: the parent directory is created, WAL is on (the API reads while
    the sink writes) and writers wait for each other instead of failing at
    once. A ``postgresql://`` URL is switched to the psycopg 3 driver; query
    parameters such as ``?options=-csearch_path=...`` are kept.
    """
    raw = (
        settings_or_url.sqlalchemy_url if isinstance(settings_or_url, Settings) else settings_or_url
    )
    try:
        url = sa.make_url(raw)
    except sa.exc.ArgumentError as exc:
        # Never echo the URL: it may hold a password.
        raise ConfigurationError("the read-model database URL is not a valid URL") from exc
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url)
    if backend == "postgresql":
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return sa.create_engine(url, pool_pre_ping=True)
    raise ConfigurationError(
        f"unsupported read-model database {backend!r}: use sqlite or postgresql"
    )


def _sqlite_engine(url: URL) -> Engine:
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    # pysqlite opens transactions lazily and only before DML, so DDL and
    # SAVEPOINTs would run outside them. Take over: no implicit BEGIN from the
    # driver, an explicit one from SQLAlchemy (the documented recipe), and
    # BEGIN IMMEDIATE where a writer must hold the lock from the start.
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            _use_wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, much faster
        finally:
            cursor.close()
        # SQLite's own lower() folds ASCII only, so a search for "müller" would miss
        # "Müller" (case-insensitive LIKE is lower() on both sides). Python's folds
        # every letter, as PostgreSQL's ILIKE does.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(SQLITE_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _use_wal(cursor: Any) -> None:
    """Switch the database to WAL, waiting for other connections doing the same.

    Changing the journal mode needs an exclusive lock, and SQLite reports
    "database is locked" at once instead of calling the busy handler when
    several connections open a new database together (measured: 23 of 200
    four-way races failed). WAL is stored in the file, so a database that
    already has it is left alone and only the first opening can contend.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            (mode,) = cursor.execute("PRAGMA journal_mode").fetchone()
            if str(mode).lower() in ("wal", "memory"):
                return
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def writer(conn: Connection) -> Connection:
    """Mark a not-yet-begun connection as a writer (``BEGIN IMMEDIATE`` on SQLite).

    A deferred SQLite transaction that reads first and writes later can fail
    with "database is locked" regardless of the busy timeout; taking the write
    lock at BEGIN makes it wait instead. No effect on PostgreSQL.
    """
    return conn.execution_options(**{SQLITE_IMMEDIATE: True})
