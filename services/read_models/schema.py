"""The read-model tables (SQLAlchemy Core): flat rows the API reads, written by the sink.

There are no foreign keys between the tables on purpose: the sink receives
health, alerts, profiles and queues on different topics in no global order,
so a health row may exist before its account's master data does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

#: Natural identifiers are at most 128 characters (schemas._types.Identifier).
ID_LENGTH = 128


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware timestamp stored in UTC; always read back aware, in UTC.

    PostgreSQL keeps ``timestamptz``. SQLite has no timestamp type and
    SQLAlchemy stores naive ISO text there, so the value is normalised to
    UTC and stored without an offset; since every stored value is UTC in the
    same fixed-width format, SQLite's text comparison orders them correctly.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Normalise to UTC before writing; refuse naive values (their zone is unknown)."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: read-model timestamps need an offset")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime whatever the database handed back."""
        if value is None:
            return None
        if not isinstance(value, datetime):  # pragma: no cover - drivers return datetimes
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _id(name: str, **kwargs: Any) -> sa.Column[str]:
    return sa.Column(name, sa.String(ID_LENGTH), **kwargs)


metadata = sa.MetaData()

#: Account master data, from the latest AccountProfile (``as_of`` orders profiles).
accounts = sa.Table(
    "accounts",
    metadata,
    _id("account_id", primary_key=True),
    # Profile fields other than account_id have no length limit in
    # schemas.internal.AccountProfile: Text, so PostgreSQL never refuses one.
    sa.Column("name", sa.Text),
    sa.Column("tier", sa.Text),
    sa.Column("kam_id", sa.Text),
    sa.Column("parent_account_id", sa.Text),
    sa.Column("annual_revenue_target", sa.Double),
    sa.Column("currency", sa.Text),
    sa.Column("as_of", UtcDateTime, nullable=False),
    # Schema version 2 (issue 14): potential and the trailing-12-month figures.
    sa.Column("annual_potential", sa.Double),
    sa.Column("revenue_12m", sa.Double, nullable=False, server_default="0"),
    sa.Column("margin_12m", sa.Double, nullable=False, server_default="0"),
    sa.Column("share_of_wallet", sa.Double),
    # Schema version 4 (issue 15): the strategic criteria of the portfolio review.
    sa.Column("strategic_flags", sa.JSON),
    sa.Index("ix_accounts_kam_id", "kam_id"),
    sa.Index("ix_accounts_parent_account_id", "parent_account_id"),
)

#: What an account bought in the 12 months before its latest profile, per product
#: line × business unit; replaced as a whole per profile (schema version 2).
account_purchases = sa.Table(
    "account_purchases",
    metadata,
    _id("account_id", primary_key=True),
    sa.Column("product_line", sa.Text, primary_key=True),
    sa.Column("business_unit", sa.Text, primary_key=True),
    sa.Column("revenue_12m", sa.Double, nullable=False),
    sa.Column("margin_12m", sa.Double, nullable=False),
)

#: An account's stakeholders as of its latest profile; replaced as a whole per profile.
stakeholders = sa.Table(
    "stakeholders",
    metadata,
    _id("account_id", primary_key=True),
    _id("stakeholder_id", primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("title", sa.Text),
    sa.Column("department", sa.Text),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("last_contact", UtcDateTime),
    sa.Column("warmth", sa.Double, nullable=False),
)


def _health_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("score", sa.Double, nullable=False),
        sa.Column("band", sa.String(16), nullable=False),
        sa.Column("relationship", sa.Double, nullable=False),
        sa.Column("commercial", sa.Double, nullable=False),
        sa.Column("support", sa.Double, nullable=False),
        sa.Column("stability", sa.Double, nullable=False),
        sa.Column("drivers", sa.JSON, nullable=False),
    ]


#: The newest health snapshot per account.
account_health = sa.Table(
    "account_health",
    metadata,
    _id("account_id", primary_key=True),
    *_health_columns(),
    sa.Column("as_of", UtcDateTime, nullable=False),
)

#: Every health snapshot ever published, one row per (account, as_of).
health_history = sa.Table(
    "health_history",
    metadata,
    _id("account_id", primary_key=True),
    sa.Column("as_of", UtcDateTime, primary_key=True),
    *_health_columns(),
)

#: Alerts: the stream's lifecycle columns plus acked_*/snoozed_until, owned by the API.
alerts = sa.Table(
    "alerts",
    metadata,
    _id("alert_id", primary_key=True),
    _id("account_id", nullable=False),
    _id("kam_id", nullable=True),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    _id("subject", nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("raised_at", UtcDateTime, nullable=False),
    sa.Column("resolved_at", UtcDateTime),
    # The time of the lifecycle step the row reflects (resolved_at, else
    # raised_at), not the wall-clock write time: replaying the topic must
    # give identical rows.
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("acked_at", UtcDateTime),
    sa.Column("acked_by", sa.Text),
    sa.Column("snoozed_until", UtcDateTime),
    sa.Index("ix_alerts_status_raised_at", "status", "raised_at"),
    sa.Index("ix_alerts_kind", "kind"),
    sa.Index("ix_alerts_account_id", "account_id"),
    sa.Index("ix_alerts_kam_id_status", "kam_id", "status"),
)

#: One row per KAM: when its current queue was computed.
kam_queues = sa.Table(
    "kam_queues",
    metadata,
    _id("kam_id", primary_key=True),
    sa.Column("as_of", UtcDateTime, nullable=False),
)

#: A KAM's ranked queue lines; replaced as a whole per queue record.
kam_queue_items = sa.Table(
    "kam_queue_items",
    metadata,
    _id("kam_id", primary_key=True),
    sa.Column("rank", sa.Integer, primary_key=True),
    _id("account_id", nullable=False),
    sa.Column("priority", sa.Double, nullable=False),
    sa.Column("health", sa.Double, nullable=False),
    sa.Column("open_alerts", sa.Integer, nullable=False),
    sa.Column("next_action", sa.Text, nullable=False),
    sa.Index("ix_kam_queue_items_account_id", "account_id"),
)

#: The account team as of the account's latest profile: one row per internal person;
#: replaced as a whole per profile, like the stakeholders.
account_team = sa.Table(
    "account_team",
    metadata,
    _id("account_id", primary_key=True),
    # internal_owner is free text (up to 512 characters), so Text, not an id column.
    sa.Column("internal_owner", sa.Text, primary_key=True),
    sa.Column("stakeholders", sa.JSON, nullable=False),  # stakeholder ids, sorted
    sa.Column("last_contact", UtcDateTime, nullable=False),
    sa.Column("touchpoints_90d", sa.Integer, nullable=False),
)

#: Which schema version the database is at (see services.read_models.migrations).
schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("applied_at", UtcDateTime, nullable=False),
)

#: The tables holding read-model data (everything but schema_version).
DATA_TABLES: tuple[sa.Table, ...] = (
    accounts,
    stakeholders,
    account_purchases,
    account_health,
    health_history,
    alerts,
    kam_queues,
    kam_queue_items,
    account_team,
)
