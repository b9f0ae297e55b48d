"""docker-compose.yml is consistent with the code (no Docker engine runs here to try it)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from services.settings import Settings, env_variable_names

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"
_VAR = re.compile(r"\$\{(?P<name>[A-Z_]+)(?:(?P<op>:[-?])(?P<arg>[^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} against ``env``."""

    def sub(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        if env.get(name):
            return env[name]
        if op == ":?":
            raise LookupError(f"{name}: {arg}")
        return arg or ""

    return _VAR.sub(sub, value)


def _keypulse_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: svc
        for name, svc in compose["services"].items()
        if any(str(k).startswith("KEYPULSE_") for k in svc.get("environment", {}))
    }


def test_app_services_are_worker_sink_api_and_demo_simulator(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(_keypulse_services(compose)) == {"worker", "sink", "api", "simulator"}
    assert services["worker"]["command"] == ["worker"]
    assert services["worker"]["deploy"]["replicas"] == 2
    # The API reads only the SQL read models, which only the sink writes.
    assert services["sink"]["command"] == ["sink"]
    assert services["api"]["command"] == ["api"]
    assert services["simulator"]["command"] == ["simulate"]
    assert services["simulator"]["profiles"] == ["demo"]
    for name in ("worker", "sink", "api"):
        assert "profiles" not in services[name], name


def test_every_keypulse_variable_exists_in_the_settings_class(compose: dict[str, Any]) -> None:
    known = env_variable_names()
    for name, svc in _keypulse_services(compose).items():
        unknown = {k for k in svc["environment"] if k.startswith("KEYPULSE_")} - known
        assert not unknown, f"{name} sets variables Settings does not read: {unknown}"


def test_each_service_environment_builds_valid_settings(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    shell = {"KEYPULSE_API_KEYS": '{"t-admin": {"role": "admin"}}'}
    for name, svc in _keypulse_services(compose).items():
        for key in list(os.environ):
            if key.startswith("KEYPULSE_"):
                monkeypatch.delenv(key)
        for key, value in svc["environment"].items():
            monkeypatch.setenv(key, _interpolate(str(value), shell))
        settings = Settings()
        assert not settings.uses_embedded_broker, name
        assert not settings.tansu_workarounds, f"{name}: real Kafka needs no Tansu workarounds"
        assert settings.api_principals()


def test_api_keys_are_required_not_defaulted(compose: dict[str, Any]) -> None:
    raw = compose["services"]["api"]["environment"]["KEYPULSE_API_KEYS"]
    with pytest.raises(LookupError, match="KEYPULSE_API_KEYS"):
        _interpolate(raw, {})


def test_app_points_at_the_compose_kafka_and_postgres(compose: dict[str, Any]) -> None:
    services = compose["services"]
    kafka_env = services["kafka"]["environment"]
    assert "controller" in kafka_env["KAFKA_PROCESS_ROLES"]
    advertised = kafka_env["KAFKA_ADVERTISED_LISTENERS"]
    pg_env = services["postgres"]["environment"]
    for name, svc in _keypulse_services(compose).items():
        env = svc["environment"]
        assert f"PLAINTEXT://{env['KEYPULSE_BROKER']}" in advertised, name
        url = sa.make_url(env["KEYPULSE_DATABASE_URL"])
        assert (url.host, url.username, url.password, url.database) == (
            "postgres",
            pg_env["POSTGRES_USER"],
            pg_env["POSTGRES_PASSWORD"],
            pg_env["POSTGRES_DB"],
        ), name
        assert set(svc["depends_on"]) >= {"kafka", "postgres"}, name
        assert {dep["condition"] for dep in svc["depends_on"].values()} == {"service_healthy"}


def test_simulator_waits_for_a_healthy_worker(compose: dict[str, Any]) -> None:
    # Kafka here does not auto-create topics; the worker creates them before it is healthy.
    assert compose["services"]["kafka"]["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    simulator = compose["services"]["simulator"]
    assert simulator["depends_on"]["worker"] == {"condition": "service_healthy"}
    assert compose["services"]["worker"]["healthcheck"]["test"]


def test_api_port_mapping_matches_its_settings(compose: dict[str, Any]) -> None:
    api = compose["services"]["api"]
    port = api["environment"]["KEYPULSE_API_PORT"]
    assert f"{port}:{port}" in api["ports"]
    assert api["environment"]["KEYPULSE_API_HOST"] == "0.0.0.0"
    assert f"{port}/healthz" in " ".join(api["healthcheck"]["test"])


def test_every_image_is_pinned_to_a_version(compose: dict[str, Any]) -> None:
    for name, svc in compose["services"].items():
        image = svc["image"]
        repo, _, tag = image.rpartition(":")
        assert repo, f"{name}: {image} has no tag"
        assert re.fullmatch(r"\d+(\.\d+)+[\w.-]*", tag), f"{name}: {image} is not pinned"
    assert compose["services"]["kafka"]["image"].startswith("apache/kafka:")


def test_infrastructure_and_api_have_healthchecks(compose: dict[str, Any]) -> None:
    for name in ("kafka", "postgres", "worker", "api"):
        assert compose["services"][name]["healthcheck"]["test"], name


def test_dockerfile_base_image_is_pinned() -> None:
    dockerfile = (COMPOSE.parent / "Dockerfile").read_text()
    base = re.search(r"^FROM (\S+)", dockerfile, re.M)
    assert base is not None
    assert re.search(r":\d+\.\d+\.\d+", base.group(1)), base.group(1)
