"""What ``GET /metrics`` serves: the API's own figures plus the stream worker's.

* consumer lag and lag seconds per partition, and each group's status, from
  the API's background lag sampler;
* webhook deliveries, failures, retries and drops;
* ``keypulse_freshness_seconds``, from the read models
  (:mod:`services.read_models.freshness`: the same figure as the dashboard's);
* the stream worker's metrics (events consumed, dead letters, alerts raised
  and resolved, processing latency), fetched from the worker's
  own ``/metrics`` on its web port and re-exposed here — so one scrape of the
  API sees everything on a one-machine install. With several worker
  replicas, scrape each worker's port directly instead.
"""

from __future__ import annotations

import logging
import math
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

from services.api.lag_sampler import LagSampler
from services.api.webhooks import WebhookDispatcher
from services.errors import KeypulseError
from services.settings import Settings

log = logging.getLogger("keypulse.api.metrics")

#: Prometheus text format, version 0.0.4.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

#: The freshness gauge. The API computes it from the read models; a worker of
#: an earlier release exported a gauge of this name that measured something
#: else (the newest event's age, now keypulse_newest_event_age_seconds), so a
#: family of this name from a worker is not re-exposed.
FRESHNESS = "keypulse_freshness_seconds"


class FreshnessCollector(Collector):
    """``keypulse_freshness_seconds``: now minus the newest ``as_of`` in the read models."""

    def __init__(self, measure: Callable[[], float | None]) -> None:
        self.measure = measure

    def collect(self) -> Iterator[Metric]:
        """The gauge; NaN while the read models hold nothing, absent when they cannot be read."""
        try:
            seconds = self.measure()
        except (KeypulseError, sa.exc.SQLAlchemyError) as exc:
            log.debug("freshness unavailable: %s", exc)
            return
        gauge = GaugeMetricFamily(
            FRESHNESS,
            "Seconds since the newest health, profile or queue in the read models was computed.",
        )
        gauge.add_metric([], math.nan if seconds is None else seconds)
        yield gauge


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
        for family in text_string_to_metric_families(text):
            if family.name != FRESHNESS:
                yield family


def build_registry(
    settings: Settings,
    sampler: LagSampler,
    webhooks: WebhookDispatcher,
    freshness: Callable[[], float | None],
) -> CollectorRegistry:
    """The registry ``/metrics`` renders (collectors read live state at scrape time).

    ``freshness`` measures :data:`FRESHNESS` in seconds (None without data).
    """
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LagCollector(sampler))
    registry.register(WebhookCollector(webhooks))
    registry.register(FreshnessCollector(freshness))
    url = settings.worker_metrics_url or f"http://127.0.0.1:{settings.worker_web_port}/metrics"
    registry.register(WorkerCollector(url))
    return registry


def exposition(registry: CollectorRegistry) -> bytes:
    """The registry in Prometheus text format."""
    return generate_latest(registry)
