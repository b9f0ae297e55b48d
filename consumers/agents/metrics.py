"""The stream worker's Prometheus metrics, served at ``/metrics`` on its web port.

One registry per worker process (not the global default), so tests can run
several apps in one interpreter. The API's ``/metrics`` appends this text to
its own (see the README, "Metrics"); Prometheus may also scrape each worker
directly, which is what a multi-replica deployment should do.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

#: Buckets from 10 ms to 10 min: live processing is sub-second, a replay is old.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600)


class WorkerMetrics:
    """Counters and histograms the account stage updates as it works."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.events = Counter(
            "keypulse_events_consumed_total",
            "Input messages decoded and applied, by topic and event type.",
            ["topic", "type"],
            registry=r,
        )
        self.dead_letters = Counter(
            "keypulse_dead_letters_total",
            "Input messages rejected to the deadletter topic, by source topic.",
            ["topic"],
            registry=r,
        )
        self.forwarded = Counter(
            "keypulse_messages_forwarded_total",
            "Messages re-sent to the partition their key hashes to.",
            ["topic"],
            registry=r,
        )
        self.alerts = Counter(
            "keypulse_alerts_total",
            "Alert lifecycle steps published, by kind and status (open, resolved).",
            ["kind", "status"],
            registry=r,
        )
        self.event_latency = Histogram(
            "keypulse_processing_latency_from_event_seconds",
            "Seconds from an event's occurred_at to its processing (wall clock).",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.broker_latency = Histogram(
            "keypulse_processing_latency_from_broker_seconds",
            "Seconds from a message's broker timestamp to its processing.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.newest_event = Gauge(
            "keypulse_newest_event_timestamp_seconds",
            "occurred_at of the newest event processed (Unix time).",
            registry=r,
        )
        # Not "freshness": that is the API's figure, the age of what it serves
        # (README, "Metrics and freshness"); this is only the newest input's age.
        self.newest_event_age = Gauge(
            "keypulse_newest_event_age_seconds",
            "Now minus the occurred_at of the newest event processed.",
            registry=r,
        )
        self.newest_event_age.set_function(self._newest_event_age)
        self.accounts_due = Gauge(
            "keypulse_accounts_due",
            "Accounts whose evaluation time has come and that the timer has not evaluated yet.",
            registry=r,
        )
        self._newest: float | None = None

    def processed_batch(self, rows: Iterable[tuple[str, str, datetime, int | None]]) -> None:
        """Count a batch's applied events, each ``(topic, type, occurred_at, broker_ms)``.

        One counter increment per (topic, type) of the batch, not per event:
        looking a labelled child up takes a lock and a dict lookup each time.
        """
        now = time.time()
        counts: dict[tuple[str, str], int] = {}
        newest = self._newest
        observe_event, observe_broker = self.event_latency.observe, self.broker_latency.observe
        for topic, event_type, occurred_at, broker_ms in rows:
            key = (topic, event_type)
            counts[key] = counts.get(key, 0) + 1
            at = occurred_at.timestamp()
            observe_event(max(0.0, now - at))
            if broker_ms is not None and broker_ms > 0:
                observe_broker(max(0.0, now - broker_ms / 1000))
            if newest is None or at > newest:
                newest = at
        for (topic, event_type), n in counts.items():
            self.events.labels(topic, event_type).inc(n)
        if newest is not None and newest != self._newest:
            self._newest = newest
            self.newest_event.set(newest)

    def _newest_event_age(self) -> float:
        return 0.0 if self._newest is None else max(0.0, time.time() - self._newest)

    def exposition(self) -> bytes:
        """The registry in Prometheus text format."""
        return generate_latest(self.registry)
