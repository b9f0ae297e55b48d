"""The PostgreSQL / SQLite fixtures themselves (lag tests: tests/integration/ops/lag/)."""

from __future__ import annotations

import sqlalchemy as sa


def test_postgres_fixture_gives_a_private_schema(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE probe (id int primary key)"))
            schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
            where = conn.execute(
                sa.text(
                    "SELECT table_schema FROM information_schema.tables WHERE table_name='probe'"
                )
            ).scalar_one()
            conn.execute(sa.text("DROP TABLE probe"))
    finally:
        engine.dispose()
    assert schema.startswith("kp_test_")
    assert where == schema


def test_database_url_runs_on_both_engines(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()
