"""Operators on the real embedded broker: /v1/ops/lag follows a stopped and restarted
worker, and /metrics carries every metric operators rely on (Prometheus text format)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from kafka import KafkaConsumer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from services.api.app import create_api
from services.settings import Settings
from tests.support.histories import portfolio_history
from tests.support.stack import PipelineStack, running_stack
from tests.support.waiting import wait_for

OPS = {"Authorization": "Bearer ops-token"}


@pytest.fixture
def stack(broker_settings: Settings, sqlite_url: str, tmp_path: Path) -> Iterator[PipelineStack]:
    with running_stack(broker_settings, sqlite_url, tmp_path, clock="wall") as running:
        yield running


@pytest.fixture
def api(stack: PipelineStack) -> Iterator[TestClient]:
    settings = Settings.model_validate(
        stack.settings.model_dump()
        | {
            "database_url": stack.database_url,
            "api_keys": json.dumps({"ops-token": {"role": "ops"}}),
            "lag_sample_seconds": 0.3,
        }
    )
    with TestClient(create_api(settings)) as client:
        yield client


_ids = itertools.count()


def contact(account: str = "acct-00") -> dict[str, Any]:
    """A touchpoint happening now."""
    return {
        "event_id": f"live-{next(_ids)}",
        "type": "contact.logged",
        "account_id": account,
        "occurred_at": datetime.now(UTC).isoformat(),
        "stakeholder_id": f"{account}-p0",
        "channel": "call",
        "direction": "outbound",
    }


PARTITION_FIELDS = {"topic", "partition", "committed", "end", "lag", "lag_seconds", "status"}


def independent(stack: PipelineStack, group: dict[str, Any]) -> list[dict[str, Any]]:
    """The group's partitions as reported, with committed, end and lag replaced by what
    kafka-python's own consumer API says for the same group now."""
    tps = [TopicPartition(p["topic"], p["partition"]) for p in group["partitions"]]
    consumer = KafkaConsumer(
        bootstrap_servers=stack.settings.bootstrap_servers,
        group_id=group["group"],
        enable_auto_commit=False,
    )
    try:
        ends = consumer.end_offsets(tps)
        committed = {tp: consumer.committed(tp) for tp in tps}
    finally:
        consumer.close()
    return [
        p
        | {
            "committed": committed[tp],
            "end": ends[tp],
            "lag": None if committed[tp] is None else ends[tp] - committed[tp],
        }
        for p, tp in zip(group["partitions"], tps, strict=True)
    ]


def worker_group(api: TestClient, stack: PipelineStack) -> dict[str, Any] | None:
    body = api.get("/v1/ops/lag", headers=OPS).json()
    name = f"{stack.settings.topic_prefix}keypulse-worker"
    return next((g for g in body["groups"] if g["group"] == name), None)


def test_lag_status_leaves_ok_when_the_worker_stops_and_recovers(
    stack: PipelineStack, api: TestClient
) -> None:
    stack.start("worker")
    stack.publish(portfolio_history(seed=5, accounts=3))

    def caught_up() -> dict[str, Any] | None:
        group = worker_group(api, stack)
        ok = group and group["total_lag"] == 0 and group["status"] == "OK"
        return group if ok else None

    group = wait_for(caught_up, timeout=90, what="the worker group to be OK with no lag")
    for p in group["partitions"]:
        assert p["lag"] == p["end"] - p["committed"] == 0

    stack.kill("worker")
    seen: list[tuple[int, str]] = []

    def falling_behind() -> bool:
        stack.publish([contact(f"acct-0{n % 3}") for n in range(12)])
        group = worker_group(api, stack)
        if group is None:
            return False
        seen.append((group["total_lag"], group["status"]))
        return group["status"] not in ("OK", "UNKNOWN") and group["total_lag"] >= 24

    wait_for(
        falling_behind, timeout=90, what="the stopped worker's group to leave OK", interval=0.4
    )
    lags = [lag for lag, _ in seen]
    assert lags == sorted(lags), f"lag must only grow while the worker is down: {seen}"
    assert seen[-1][1] in ("ERR", "WARN")

    # Nothing moves now: the API's figures must equal kafka-python's own for the group.
    def matches_kafka_python() -> dict[str, Any] | None:
        group = worker_group(api, stack)
        assert group is not None
        return group if group["partitions"] == independent(stack, group) else None

    group = wait_for(matches_kafka_python, timeout=30, what="/v1/ops/lag to equal kafka-python")
    assert set(group) == {"group", "status", "total_lag", "partitions"}
    assert all(set(p) == PARTITION_FIELDS for p in group["partitions"])
    assert group["total_lag"] == sum(p["lag"] for p in group["partitions"]) >= 24

    stack.start("worker")
    wait_for(caught_up, timeout=120, what="the restarted worker to catch up (lag 0, OK)")


def test_metrics_parse_and_carry_every_operator_metric(
    stack: PipelineStack, api: TestClient
) -> None:
    stack.start("worker")
    history = portfolio_history(seed=9, accounts=3)
    stack.publish(history)
    stack.publish([("tickets", b"acct-01", b"{broken")])

    def scraped() -> dict[str, list[Any]] | None:
        response = api.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        parsed = list(text_string_to_metric_families(response.text))
        families = {f.name: f.samples for f in parsed}
        types.update({f.name: f.type for f in parsed})
        consumed = sum(s.value for s in families.get("keypulse_events_consumed", []))
        lagging = families.get("keypulse_consumer_lag_messages", [])
        return families if consumed >= len(history) and lagging else None

    types: dict[str, str] = {}
    families = wait_for(scraped, timeout=90, what="metrics from the worker and the lag sampler")
    expected = {
        "keypulse_events_consumed": "counter",
        "keypulse_dead_letters": "counter",
        "keypulse_alerts": "counter",
        "keypulse_processing_latency_from_event_seconds": "histogram",
        "keypulse_processing_latency_from_broker_seconds": "histogram",
        "keypulse_consumer_lag_messages": "gauge",
        "keypulse_consumer_lag_seconds": "gauge",
        "keypulse_consumer_group_status": "gauge",
        "keypulse_freshness_seconds": "gauge",
        "keypulse_webhook_deliveries": "counter",
        "keypulse_webhook_failures": "counter",
        "keypulse_worker_up": "gauge",
    }
    missing = set(expected) - set(families)
    assert not missing, f"missing metrics: {sorted(missing)}"
    kinds = {name: types[name] for name in expected}
    assert kinds == expected
    # Prometheus conventions: counters end in _total, durations in _seconds.
    for name, kind in expected.items():
        sample_names = {s.name for s in families[name]}
        if kind == "counter":
            assert f"{name}_total" in sample_names, name
        if kind == "histogram":
            assert name.endswith("_seconds"), name
            assert f"{name}_bucket" in sample_names, name
    assert [s.value for s in families["keypulse_worker_up"]] == [1.0]
    dead = {s.labels["topic"]: s.value for s in families["keypulse_dead_letters"]}
    assert dead == {f"{stack.settings.topic_prefix}tickets": 1.0}
    statuses = {s.labels["status"] for s in families["keypulse_alerts"]}
    assert "open" in statuses
    lag_topics = {s.labels["topic"] for s in families["keypulse_consumer_lag_messages"]}
    assert f"{stack.settings.topic_prefix}contacts" in lag_topics
