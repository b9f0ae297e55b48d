"""Read the read-model rows ``keypulse verify`` compares, with SELECTs only.

The database is never written: no schema is created or upgraded (a database
without the read-model schema is refused), a SQLite file that does not exist
is refused instead of being created, and the one transaction that reads is
read-only (``SET TRANSACTION READ ONLY`` on PostgreSQL, ``PRAGMA query_only``
on SQLite). The rows come from that one transaction, so they are one
consistent snapshot while the sink goes on writing (REPEATABLE READ on
PostgreSQL; a SQLite read transaction in WAL mode).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from consumers.domain.history import is_history_instant
from services.errors import DatabaseUnavailable, ReadModelError, SchemaVersionError
from services.ops.verify.compare import ReadModelRows
from services.read_models import create_engine_for
from services.read_models import schema as t
from services.read_models.migrations import LATEST_VERSION, current_version
from services.settings import Settings

#: How long verify waits for PostgreSQL to accept the connection.
CONNECT_TIMEOUT_SECONDS = 10


def open_read_models(settings: Settings) -> Engine:
    """An engine for the read-model database, checked to answer and to have the schema."""
    url = sa.make_url(settings.sqlalchemy_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database).expanduser()
        if not url.database.startswith("file:") and not path.is_file():
            raise DatabaseUnavailable(
                f"the SQLite read-model database {path} does not exist "
                "(has the sink run with this KEYPULSE_DATABASE_URL?)"
            )
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        # libpq waits forever for a host that drops packets; verify must answer (exit 2).
        url = url.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_SECONDS)})
    engine = create_engine_for(url)
    try:
        with _read_only(engine) as conn:
            version = current_version(conn)
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        # exc.orig says why (refused, unknown database, ...) without the URL's password.
        raise DatabaseUnavailable(f"read-model database unavailable: {exc.orig}") from exc
    if version == 0:
        engine.dispose()
        raise ReadModelError(
            "the read-model database has no keypulse schema (has the sink run with this "
            "KEYPULSE_DATABASE_URL?)"
        )
    if version > LATEST_VERSION:
        engine.dispose()
        raise SchemaVersionError(
            f"the read-model database is at schema version {version}, newer than this "
            f"keypulse knows ({LATEST_VERSION})"
        )
    return engine


def read_rows(engine: Engine) -> ReadModelRows:
    """Accounts, stakeholders, account teams, health, open alerts, each account's newest
    alert change, and the health history's points in event time (its rows at a Monday 00:00 UTC)."""
    try:
        with _read_only(engine) as conn:
            accounts = _rows(conn, sa.select(t.accounts))
            stakeholders = _rows(conn, sa.select(t.stakeholders))
            team = _rows(conn, sa.select(t.account_team))
            health = _rows(conn, sa.select(t.account_health))
            history = [
                r
                for r in _rows(conn, sa.select(t.health_history))
                if is_history_instant(r["as_of"])
            ]
            open_alerts = _rows(conn, sa.select(t.alerts).where(t.alerts.c.status == "open"))
            changed = conn.execute(
                sa.select(t.alerts.c.account_id, sa.func.max(t.alerts.c.updated_at)).group_by(
                    t.alerts.c.account_id
                )
            ).all()
    except sa.exc.DBAPIError as exc:
        raise DatabaseUnavailable(f"reading the read models failed: {exc.orig}") from exc
    # max() keeps the column's type, so these are aware UTC datetimes as well.
    last_change: dict[str, datetime] = {a: newest for a, newest in changed if newest is not None}
    grouped = ReadModelRows.group(accounts, stakeholders, health, open_alerts, last_change, team)
    points: dict[str, list[dict[str, Any]]] = {}
    for row in history:
        points.setdefault(row["account_id"], []).append(row)
    return replace(grouped, history=points)


def _rows(conn: Connection, query: sa.Select[Any]) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(query).mappings()]


@contextmanager
def _read_only(engine: Engine) -> Iterator[Connection]:
    """A connection inside one read-only transaction, rolled back at the end."""
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA query_only = ON")  # this connection refuses writes
        else:
            # The isolation level is reset when the connection goes back to the pool.
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")  # the transaction's first statement
        try:
            yield conn
        finally:
            conn.rollback()
            if sqlite:  # the pragma outlives the transaction: leave the pooled connection as found
                conn.exec_driver_sql("PRAGMA query_only = OFF")
                conn.rollback()
