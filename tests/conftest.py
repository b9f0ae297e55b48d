"""Fixtures for every test tier: a real embedded broker, PostgreSQL and SQLite.

Markers are applied by directory: tests/unit → unit, tests/integration →
integration, tests/e2e → e2e.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from services.broker.embedded import EmbeddedBroker
from services.ops.process import free_port
from services.settings import Settings

POSTGRES_ADMIN_URL = os.environ.get(
    "KEYPULSE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_PG_START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its tier, taken from its directory."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        for tier in ("unit", "integration", "e2e"):
            if tier in parts:
                item.add_marker(getattr(pytest.mark, tier))


@pytest.fixture(scope="session")
def embedded_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    """A real Tansu broker on a free loopback port with the contract topics."""
    data_dir = tmp_path_factory.mktemp("broker")
    settings = Settings(embedded_broker_port=free_port(), data_dir=data_dir)
    with (data_dir / "tansu.log").open("wb") as log, EmbeddedBroker(settings, log=log) as broker:
        yield broker


@pytest.fixture(scope="session")
def broker_settings(embedded_broker: EmbeddedBroker) -> Settings:
    """Settings that point every client at the session's embedded broker."""
    return embedded_broker.settings


@pytest.fixture
def unique_topic(embedded_broker: EmbeddedBroker) -> str:
    """A fresh topic name for a test that must not see other tests' records."""
    from schemas.topics import TopicName, TopicSpec
    from services.broker.topics import ensure_topics

    name = f"t-{uuid.uuid4().hex[:12]}"
    ensure_topics(embedded_broker.bootstrap_servers, [TopicSpec(TopicName.ORDERS, name, 4)])
    return name


@contextmanager
def _fresh_schema(prefix: str) -> Iterator[str]:
    """A new PostgreSQL schema and a URL whose search_path is it; dropped afterwards.

    Fails (never skips) when PostgreSQL is unreachable: the read models must be
    tested on it for real.
    """
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({exc.orig}). "
            f"Start it with: {_PG_START}",
            pytrace=False,
        )
    url = sa.make_url(POSTGRES_ADMIN_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for this test session; dropped afterwards."""
    with _fresh_schema("kp_test") as url:
        yield url


@pytest.fixture
def isolated_postgres_url(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL schema of this test's own, for tests whose processes write freely."""
    with _fresh_schema("kp_iso") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def isolated_database_url(request: pytest.FixtureRequest) -> str:
    """Like ``database_url``, but PostgreSQL gets a schema per test."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("isolated_postgres_url"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite database file of this test's own."""
    return f"sqlite:///{tmp_path / 'keypulse.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each SQL read-model test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def keypulse_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a keypulse subprocess: free ports, a private data dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYPULSE_")}
    env.update(
        KEYPULSE_DATA_DIR=str(tmp_path / "data"),
        KEYPULSE_EMBEDDED_BROKER_PORT=str(free_port()),
        KEYPULSE_API_PORT=str(free_port()),
        KEYPULSE_WORKER_WEB_PORT=str(free_port()),
        KEYPULSE_LOG_LEVEL="info",
    )
    return env
