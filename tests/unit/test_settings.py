"""Settings: KEYPULSE_* variables, derived values, secrets kept secret."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.broker.clients import (
    consumer_config,
    faust_broker_config,
    producer_config,
)
from services.settings import Settings, env_variable_names
from tests.support.aiokafka_clients import (
    aiokafka_producer_config,
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("KEYPULSE_"):
            monkeypatch.delenv(key)


def test_defaults_are_the_contract_defaults() -> None:
    settings = Settings()
    assert settings.uses_embedded_broker
    assert settings.bootstrap_servers == "127.0.0.1:19092"
    assert settings.api_port == 8000
    assert settings.clock == "wall"
    assert settings.topic_prefix == ""
    assert settings.sqlalchemy_url.startswith("sqlite:///")
    assert settings.api_principals() == {}


def test_contract_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYPULSE_BROKER", "kafka-1:9092,kafka-2:9092")
    monkeypatch.setenv("KEYPULSE_EMBEDDED_BROKER_PORT", "29999")
    monkeypatch.setenv("KEYPULSE_API_PORT", "9000")
    monkeypatch.setenv("KEYPULSE_DATABASE_URL", "postgresql+psycopg://u:pw@db/kp")
    monkeypatch.setenv("KEYPULSE_CLOCK", "event")
    monkeypatch.setenv("KEYPULSE_TOPIC_PREFIX", "prod.")
    monkeypatch.setenv("KEYPULSE_API_KEYS", '{"tok": {"role": "kam", "kam_id": "k1"}}')
    settings = Settings()
    assert settings.bootstrap_servers == "kafka-1:9092,kafka-2:9092"
    assert not settings.uses_embedded_broker
    assert settings.embedded_broker_port == 29999
    assert settings.api_port == 9000
    assert settings.sqlalchemy_url == "postgresql+psycopg://u:pw@db/kp"
    assert settings.clock == "event"
    assert settings.topics.name_of("alerts") == "prod.alerts"
    principal = settings.api_principals()["tok"]
    assert (principal.role, principal.kam_id) == ("kam", "k1")


def test_every_contract_variable_is_known() -> None:
    contract = {
        "KEYPULSE_BROKER",
        "KEYPULSE_EMBEDDED_BROKER_PORT",
        "KEYPULSE_API_PORT",
        "KEYPULSE_DATABASE_URL",
        "KEYPULSE_CLOCK",
        "KEYPULSE_API_KEYS",
        "KEYPULSE_TOPIC_PREFIX",
        "KEYPULSE_TANSU_BIN",
    }
    assert contract <= env_variable_names()


def test_blank_broker_means_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYPULSE_BROKER", "  ")
    assert Settings().uses_embedded_broker


def test_secrets_do_not_show_in_repr_or_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYPULSE_API_KEYS", '{"super-secret-token": {"role": "admin"}}')
    monkeypatch.setenv("KEYPULSE_DATABASE_URL", "postgresql://u:hunter2@db/kp")
    shown = repr(Settings()) + str(Settings())
    assert "super-secret-token" not in shown
    assert "hunter2" not in shown
    monkeypatch.setenv("KEYPULSE_API_KEYS", '{"super-secret-token": {"role": "kam"}}')
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert "super-secret-token" not in str(caught.value)
    assert "kam_id" in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("not json", "not valid JSON"),
        ("[]", "must be a JSON object"),
        ('{"t": {"role": "root"}}', "invalid principal"),
        ('{"": {"role": "ops"}}', "empty token"),
    ],
)
def test_malformed_api_keys_are_refused(
    monkeypatch: pytest.MonkeyPatch, raw: str, message: str
) -> None:
    monkeypatch.setenv("KEYPULSE_API_KEYS", raw)
    with pytest.raises(ValidationError, match=message):
        Settings()


@pytest.mark.parametrize(
    ("var", "value"), [("KEYPULSE_CLOCK", "lunar"), ("KEYPULSE_API_PORT", "0")]
)
def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch, var: str, value: str) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ValidationError, match=var.removeprefix("KEYPULSE_").lower()):
        Settings()


def test_tansu_workarounds_apply_to_the_embedded_broker_only() -> None:
    embedded = Settings()
    assert producer_config(embedded)["batch_size"] == 0
    assert aiokafka_producer_config(embedded)["max_batch_size"] == 1
    assert faust_broker_config(embedded)["producer_max_batch_size"] == 1
    assert faust_broker_config(embedded)["broker_rebalance_timeout"] <= 10
    assert consumer_config(embedded, "g")["max_poll_interval_ms"] <= 10_000

    kafka = Settings(broker="kafka:9092")
    assert "batch_size" not in producer_config(kafka)
    assert "producer_max_batch_size" not in faust_broker_config(kafka)
    assert "max_poll_interval_ms" not in consumer_config(kafka, "g")


def test_workarounds_can_be_forced_for_an_external_tansu() -> None:
    settings = Settings(broker="tansu.internal:9092", broker_quirks="tansu")
    assert producer_config(settings)["batch_size"] == 0
