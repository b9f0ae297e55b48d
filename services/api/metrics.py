"""What ``GET /metrics`` serves: the API's own figures plus the stream worker's.

* consumer lag and lag seconds per partition, and each group's status, from
  the API's background lag sampler;
* webhook deliveries, failures, retries and drops;
* the stream worker's metrics (events consumed, dead letters, alerts raised
  and resolved, processing latency, freshness), fetched from the worker's
  own ``/metrics`` on its web port and re-exposed here — so one scrape of the
  API sees everything on a one-machine install. With several worker
  replicas, scrape each worker's port directly instead.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

from services.api.lag_sampler import LagSampler
from services.api.webhooks import WebhookDispatcher
from services.settings import Settings

log = logging.getLogger("keypulse.api.metrics")

#: Prometheus text format, version 0.0.4.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class LagCollector(Collector):
    """Lag, lag seconds and status per partition, from the latest lag sample."""

    def __init__(self, sampler: LagSampler) -> None:
        self.sampler = sampler

    def collect(self) -> Iterator[Metric]:
        """Gauges for every partition of every keypulse consumer group."""
        labels = ["group", "topic", "partition"]
        lag = GaugeMetricFamily(
            "keypulse_consumer_lag_messages",
            "Log-end offset minus committed offset.",
            labels=labels,
        )
        seconds = GaugeMetricFamily(
            "keypulse_consumer_lag_seconds",
            "Estimated time the committed offset is behind the log end (interpolated).",
            labels=labels,
        )
        status = GaugeMetricFamily(
            "keypulse_consumer_group_status",
            "1 for the group's current Burrow-style status.",
            labels=["group", "status"],
        )
        for group in self.sampler.report():
            status.add_metric([group.group, str(group.status)], 1.0)
            for p in group.partitions:
                key = [group.group, p.topic, str(p.partition)]
                if p.lag is not None:
                    lag.add_metric(key, float(p.lag))
                if p.lag_seconds is not None:
                    seconds.add_metric(key, float(p.lag_seconds))
        yield from (lag, seconds, status)


class WebhookCollector(Collector):
    """The webhook dispatcher's counters."""

    def __init__(self, webhooks: WebhookDispatcher) -> None:
        self.webhooks = webhooks

    def collect(self) -> Iterator[Metric]:
        """Counters of deliveries, failures, retries and drops."""
        stats = self.webhooks.stats
        for name, text, value in (
            ("keypulse_webhook_deliveries", "Webhook posts a receiver accepted.", stats.delivered),
            (
                "keypulse_webhook_failures",
                "Webhook posts given up after every retry.",
                stats.failed,
            ),
            (
                "keypulse_webhook_retries",
                "Webhook posts tried again after a failure.",
                stats.retries,
            ),
            (
                "keypulse_webhook_dropped",
                "Alert changes the dispatcher could not keep up with.",
                stats.dropped,
            ),
        ):
            counter = CounterMetricFamily(name, text)
            counter.add_metric([], float(value))
            yield counter


class WorkerCollector(Collector):
    """The stream worker's metrics, fetched from its ``/metrics`` at scrape time."""

    def __init__(self, url: str) -> None:
        self.url = url

    def collect(self) -> Iterator[Metric]:
        """Re-expose the worker's families; ``keypulse_worker_up`` says whether that worked."""
        up = GaugeMetricFamily("keypulse_worker_up", "1 if the worker's /metrics answered.")
        try:
            with urllib.request.urlopen(self.url, timeout=2) as resp:  # noqa: S310 - configured URL
                text = resp.read().decode("utf-8")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            log.debug("worker metrics unavailable at %s: %s", self.url, exc)
            up.add_metric([], 0.0)
            yield up
            return
        up.add_metric([], 1.0)
        yield up
        yield from text_string_to_metric_families(text)


def build_registry(
    settings: Settings, sampler: LagSampler, webhooks: WebhookDispatcher
) -> CollectorRegistry:
    """The registry ``/metrics`` renders (collectors read live state at scrape time)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LagCollector(sampler))
    registry.register(WebhookCollector(webhooks))
    url = settings.worker_metrics_url or f"http://127.0.0.1:{settings.worker_web_port}/metrics"
    registry.register(WorkerCollector(url))
    return registry


def exposition(registry: CollectorRegistry) -> bytes:
    """The registry in Prometheus text format."""
    return generate_latest(registry)
