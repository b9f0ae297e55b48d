"""The engine factory: URLs, SQLite set-up."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from services.errors import ConfigurationError
from services.read_models import create_engine_for
from services.settings import Settings


def test_plain_postgresql_urls_use_psycopg_and_keep_their_options() -> None:
    engine = create_engine_for("postgresql://kp@db.example/kp?options=-csearch_path%3Dkp_x")
    try:
        assert engine.url.drivername == "postgresql+psycopg"
        assert engine.url.query["options"] == "-csearch_path=kp_x"
    finally:
        engine.dispose()


def test_sqlite_from_settings_creates_its_directory_and_uses_wal(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "deep" / "data")
    engine = create_engine_for(settings)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert conn.execute(sa.text("PRAGMA busy_timeout")).scalar_one() > 0
        assert (tmp_path / "deep" / "data" / "keypulse.db").exists()
    finally:
        engine.dispose()


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url"])
def test_unsupported_or_invalid_urls_are_configuration_errors(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        create_engine_for(Settings(database_url=SecretStr(url)))
    assert "u@h" not in str(caught.value)  # URLs can hold passwords: never echoed
