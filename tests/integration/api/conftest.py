"""Fixtures for the API tests: real read models (SQLite and PostgreSQL) filled through the store."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from services.api.app import create_api
from services.ops.process import free_port
from services.read_models import create_engine_for, ensure_schema
from services.read_models.schema import DATA_TABLES
from services.settings import Settings
from tests.integration.api.data import NOW, TOKENS, ServedApi, seed


@pytest.fixture
def api_settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for an API on the test's read models; the broker is a closed port."""
    return Settings(
        database_url=database_url,
        data_dir=tmp_path,
        api_keys=json.dumps(TOKENS),
        embedded_broker_port=free_port(),
        api_publish_timeout=3.0,
        api_stream_poll_interval=0.1,
    )


@pytest.fixture
def engine(api_settings: Settings) -> Iterator[Engine]:
    """The migrated read-model engine with the seed data (PostgreSQL's schema is per session)."""
    engine = create_engine_for(api_settings)
    ensure_schema(engine)
    with engine.begin() as conn:
        for table in reversed(DATA_TABLES):
            conn.execute(table.delete())
    seed(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def app(api_settings: Settings, engine: Engine) -> FastAPI:
    """The API over the seeded read models, with NOW as its clock."""
    del engine
    return create_api(api_settings, clock=lambda: NOW)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A TestClient running the app's lifespan."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def serve() -> Callable[[FastAPI], ServedApi]:
    """Serve an app with real uvicorn: ``with serve(app) as api: ... api.url``."""
    return ServedApi
