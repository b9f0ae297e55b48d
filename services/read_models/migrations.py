"""Versioned schema management for the read models: an explicit list of steps, no Alembic.

A fresh database gets the current tables from :mod:`.schema` in one go and is
stamped with the newest version. A database at an older version runs the
steps after its version, in order. A database at a newer version than this
code knows is refused. Everything runs in one transaction under a lock, so
two processes starting at once (``keypulse up`` starts the sink and the API
together) cannot both create the tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from services.errors import DatabaseUnavailable, SchemaVersionError
from services.read_models.engine import writer
from services.read_models.schema import (
    account_purchases,
    account_team,
    accounts,
    metadata,
    schema_version,
)

#: Key of the PostgreSQL advisory lock held while the schema is checked or changed.
_PG_LOCK_KEY = 0x6B70_726D  # "kprm"


@dataclass(frozen=True)
class Migration:
    """One schema step: ``apply`` brings a database from ``version - 1`` to ``version``."""

    version: int
    description: str
    apply: Callable[[Connection], None]


def _create_tables(conn: Connection) -> None:
    metadata.create_all(conn)


def _create_account_team(conn: Connection) -> None:
    account_team.create(conn)


def _add_strategic_flags(conn: Connection) -> None:
    # Null until the account's next profile: read as no flags.
    conn.execute(sa.text("ALTER TABLE accounts ADD COLUMN strategic_flags JSON"))


def _add_purchases(conn: Connection) -> None:
    # Rows written before carry no figures: they read 0 / null until the
    # worker's next evaluation of the account publishes a profile with them.
    for column in ("annual_potential", "share_of_wallet"):
        conn.execute(sa.text(f"ALTER TABLE accounts ADD COLUMN {column} DOUBLE PRECISION"))
    for column in ("revenue_12m", "margin_12m"):
        conn.execute(
            sa.text(f"ALTER TABLE accounts ADD COLUMN {column} DOUBLE PRECISION NOT NULL DEFAULT 0")
        )
    # The schema's own Index object: a new one would attach itself to the table.
    (by_parent,) = (i for i in accounts.indexes if i.name == "ix_accounts_parent_account_id")
    by_parent.create(conn)
    account_purchases.create(conn)


#: Every step, oldest first. Version 1 creates the tables; a later change to a
#: table adds a step here (ALTER ...) as well as changing schema.py, which is
#: what a fresh database is created from.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "read models: accounts, stakeholders, health, alerts, KAM queues", _create_tables),
    Migration(2, "accounts: potential and 12-month figures; account_purchases", _add_purchases),
    Migration(3, "the account team (issue 15)", _create_account_team),
    Migration(4, "accounts: strategic_flags (issue 15)", _add_strategic_flags),
)

LATEST_VERSION = MIGRATIONS[-1].version


def ensure_schema(engine: Engine) -> int:
    """Create or upgrade the read-model tables; return the schema version. Idempotent.

    Safe when several processes call it at once: PostgreSQL serialises them
    on an advisory lock, SQLite on its write lock (``BEGIN IMMEDIATE``; the
    engine must come from :func:`create_engine_for`).
    """
    try:
        with writer(engine.connect()) as conn, conn.begin():
            if conn.dialect.name == "postgresql":
                # Held until the transaction ends; PostgreSQL DDL is transactional.
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_LOCK_KEY)))
            return _upgrade(conn)
    except sa.exc.OperationalError as exc:
        raise DatabaseUnavailable(f"read-model database unavailable: {exc.orig}") from exc


def current_version(conn: Connection) -> int:
    """The database's schema version; 0 when it has no read-model tables yet."""
    if not sa.inspect(conn).has_table(schema_version.name):
        return 0
    version = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar_one()
    return int(version or 0)


def _upgrade(conn: Connection) -> int:
    version = current_version(conn)
    if version > LATEST_VERSION:
        raise SchemaVersionError(
            f"the read-model database is at schema version {version}, newer than this "
            f"keypulse knows ({LATEST_VERSION}); upgrade keypulse"
        )
    now = datetime.now(UTC)
    if version == 0:
        metadata.create_all(conn)
        steps = MIGRATIONS
    else:
        steps = tuple(m for m in MIGRATIONS if m.version > version)
        for step in steps:
            step.apply(conn)
    if steps:
        conn.execute(
            schema_version.insert(),
            [
                {"version": m.version, "description": m.description, "applied_at": now}
                for m in steps
            ],
        )
    return LATEST_VERSION
