"""The worker's /metrics: Prometheus text with what the worker did (real broker, real worker)."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.settings import Settings
from tests.support.histories import portfolio_history
from tests.support.stack import PipelineStack, running_stack
from tests.support.waiting import wait_for


@pytest.fixture
def stack(broker_settings: Settings, sqlite_url: str, tmp_path: Path) -> Iterator[PipelineStack]:
    with running_stack(broker_settings, sqlite_url, tmp_path, clock="wall") as running:
        yield running


def scrape(stack: PipelineStack) -> dict[str, list[tuple[dict[str, str], float]]]:
    url = f"http://127.0.0.1:{stack.settings.worker_web_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as resp:
        text = resp.read().decode()
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def test_worker_metrics_count_events_dead_letters_alerts_and_latency(
    stack: PipelineStack,
) -> None:
    history = portfolio_history(seed=3, accounts=4)
    stack.start("worker")
    stack.publish(history)
    stack.publish([("orders", b"acct-00", b"not json")])

    def counted() -> dict[str, list[tuple[dict[str, str], float]]] | None:
        try:
            samples = scrape(stack)
        except OSError:
            return None
        consumed = sum(v for _, v in samples.get("keypulse_events_consumed_total", []))
        dead = sum(v for _, v in samples.get("keypulse_dead_letters_total", []))
        return samples if consumed >= len(history) and dead >= 1 else None

    samples = wait_for(counted, timeout=90, what="the worker to count every event")
    consumed = {(lb["topic"], lb["type"]): v for lb, v in samples["keypulse_events_consumed_total"]}
    prefix = stack.settings.topic_prefix
    assert consumed[(f"{prefix}orders", "order.placed")] == sum(
        1 for e in history if e["type"] == "order.placed"
    )
    assert sum(consumed.values()) == len(history)
    assert samples["keypulse_dead_letters_total"] == [({"topic": f"{prefix}orders"}, 1.0)]
    opened = [v for lb, v in samples["keypulse_alerts_total"] if lb["status"] == "open"]
    assert sum(opened) >= 1
    count = dict(
        (lb.get("le"), v)
        for lb, v in samples["keypulse_processing_latency_from_event_seconds_bucket"]
    )
    assert count["+Inf"] == len(history)
    assert samples["keypulse_processing_latency_from_broker_seconds_count"][0][1] == len(history)
    # The history lies in the past: the newest event's age is positive.
    age = samples["keypulse_newest_event_age_seconds"][0][1]
    assert age > 0
