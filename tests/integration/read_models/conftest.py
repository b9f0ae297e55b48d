"""Fixtures for the read-model tests: migrated engines on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.read_models import create_engine_for, ensure_schema
from services.read_models.schema import DATA_TABLES
from tests.conftest import POSTGRES_ADMIN_URL


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated read-model engine with empty tables (the PostgreSQL schema is per session)."""
    engine = create_engine_for(database_url)
    ensure_schema(engine)
    with engine.begin() as conn:
        for table in reversed(DATA_TABLES):
            conn.execute(table.delete())
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def fresh_database_url(database_url: str, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """A factory of brand-new, empty databases of the same kind as ``database_url``."""
    schemas: list[str] = []
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")

    def make() -> str:
        if database_url.startswith("sqlite"):
            return f"sqlite:///{tmp_path / f'fresh-{uuid.uuid4().hex[:8]}.db'}"
        schema = f"kp_rm_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        schemas.append(schema)
        url = sa.make_url(POSTGRES_ADMIN_URL).update_query_dict(
            {"options": f"-csearch_path={schema}"}
        )
        return url.render_as_string(hide_password=False)

    try:
        yield make
    finally:
        if schemas:
            with admin.connect() as conn:
                for schema in schemas:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
