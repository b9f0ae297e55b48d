"""Purchases and potential in the read models (schema version 2), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from schemas.internal import PurchaseRecord
from services.read_models import (
    LATEST_VERSION,
    apply_profile,
    create_engine_for,
    ensure_schema,
    writer,
)
from services.read_models.schema import account_purchases, account_team, accounts, schema_version
from tests.integration.read_models.records import at, profile


def _bought(line: str, unit: str, revenue: float) -> PurchaseRecord:
    return PurchaseRecord(
        product_line=line, business_unit=unit, revenue_12m=revenue, margin_12m=revenue / 4
    )


def _lines(engine: Engine) -> list[tuple[str, str, str, float]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(account_purchases).order_by(
                account_purchases.c.account_id, account_purchases.c.product_line
            )
        )
        return [(r.account_id, r.product_line, r.business_unit, r.revenue_12m) for r in rows]


def test_a_profile_replaces_the_purchase_lines_unless_older(engine: Engine) -> None:
    first = profile(
        "a1",
        1,
        [],
        annual_potential=400_000.0,
        revenue_12m=120_000.0,
        margin_12m=30_000.0,
        share_of_wallet=0.3,
        bought=[_bought("Drives", "Cars", 20_000.0), _bought("Sensors", "Cars", 100_000.0)],
    )
    second = profile(
        "a1", 2, [], revenue_12m=100_000.0, bought=[_bought("Sensors", "Cars", 100_000.0)]
    )
    with writer(engine.connect()) as conn, conn.begin():
        assert apply_profile(conn, first)
        assert apply_profile(conn, second)
        assert not apply_profile(conn, first)  # older: the Drives line stays gone
    assert _lines(engine) == [("a1", "Sensors", "Cars", 100_000.0)]
    with engine.connect() as conn:
        row = conn.execute(sa.select(accounts)).one()
    assert (row.revenue_12m, row.annual_potential, row.share_of_wallet) == (100_000.0, None, None)


def test_a_version_1_database_is_upgraded_and_keeps_its_rows(
    fresh_database_url: Callable[[], str],
) -> None:
    engine = create_engine_for(fresh_database_url())
    try:
        ensure_schema(engine)
        # Take the fresh database back to what version 1 created.
        with writer(engine.connect()) as conn, conn.begin():
            conn.execute(sa.text("DROP INDEX ix_accounts_parent_account_id"))
            account_purchases.drop(conn)
            account_team.drop(conn)  # version 3
            for column in (
                "annual_potential",
                "revenue_12m",
                "margin_12m",
                "share_of_wallet",
                "strategic_flags",  # version 4
            ):
                conn.execute(sa.text(f"ALTER TABLE accounts DROP COLUMN {column}"))
            conn.execute(schema_version.delete().where(schema_version.c.version > 1))
            conn.execute(
                sa.text(
                    "INSERT INTO accounts (account_id, name, kam_id, as_of) "
                    "VALUES ('old', 'Old GmbH', 'k1', :as_of)"
                ),
                {"as_of": at(0).replace(tzinfo=None)},
            )
        assert ensure_schema(engine) == LATEST_VERSION == 4
        with engine.connect() as conn:
            old = conn.execute(sa.select(accounts)).one()
        assert (old.name, old.revenue_12m, old.share_of_wallet) == ("Old GmbH", 0.0, None)
        with writer(engine.connect()) as conn, conn.begin():
            bought = [_bought("Sensors", "unspecified", 5_000.0)]
            assert apply_profile(conn, profile("old", 1, [], revenue_12m=5_000.0, bought=bought))
        assert _lines(engine) == [("old", "Sensors", "unspecified", 5_000.0)]
    finally:
        engine.dispose()
