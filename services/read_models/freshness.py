"""How fresh the read models are: the clock time of the newest record the sink wrote.

One definition for every place that shows freshness (``/metrics``
``keypulse_freshness_seconds``, ``GET /v1/freshness`` and the dashboard's
"N s behind"): ``now`` minus the newest ``as_of`` among the current health
snapshots, the account profiles and the KAM queues. ``as_of`` is the
worker's clock when it computed the record (wall time, or with
``KEYPULSE_CLOCK=event`` the newest ``occurred_at`` it had seen), so the figure
says how long ago the data the API serves was computed. Alerts are left out:
their times are when a condition began, which may lie long before.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.read_models.schema import account_health, accounts, kam_queues


def newest_as_of(conn: Connection) -> datetime | None:
    """The newest ``as_of`` in the read models; None while they hold nothing."""
    found = [
        conn.execute(sa.select(sa.func.max(table.c.as_of))).scalar_one()
        for table in (account_health, accounts, kam_queues)
    ]
    present = [t for t in found if t is not None]
    return max(present) if present else None


def freshness_seconds(as_of: datetime | None, now: datetime) -> float | None:
    """Seconds from ``as_of`` to ``now`` (never negative); None without data."""
    if as_of is None:
        return None
    return max(0.0, (now - as_of).total_seconds())
