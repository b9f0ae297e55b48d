"""The broker phases of ``keypulse bench``, each on its own topics of one private broker.

(a) raw aiokafka consume, (b) an empty Faust agent, (c) the full pipeline
over a backlog (read off the worker's own counter of handled events), each
over a mix published beforehand, and (d) produce → alert latency at a
steady rate. The in-process phases (e) and (f) are step_cost.py and memory.py.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from kafka import KafkaConsumer, KafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from schemas import INPUT_TOPICS
from services.broker.clients import producer_config
from services.broker.topics import ensure_topics
from services.ops.bench.workloads import pipeline_mix
from services.ops.process import free_port, terminate
from services.settings import Settings

#: Seconds between progress lines of the long phases.
PROGRESS_SECONDS = 10.0


def publish(
    settings: Settings,
    events: Iterator[dict[str, Any]],
    progress: Callable[[str], None] | None = None,
) -> int:
    """Publish ``events`` (wire form) with keypulse's producer settings; return how many."""
    producer = KafkaProducer(**producer_config(settings, client_id="keypulse-bench"))
    n = 0
    told = time.monotonic()
    for event in events:
        producer.send(
            settings.topics.for_event_type(event["type"]),
            key=event["account_id"].encode(),
            value=json.dumps(event).encode(),
        )
        n += 1
        if progress is not None and n % 1000 == 0 and time.monotonic() - told >= PROGRESS_SECONDS:
            progress(f"published {n:,} events")
            told = time.monotonic()
    producer.flush()
    producer.close()
    return n


def raw_consume(settings: Settings, expected: int) -> float:
    """(a) Events per second of a bare aiokafka consumer with json.loads: the ceiling."""

    async def consume() -> float:
        consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers)
        await consumer.start()
        try:
            parts = [
                TopicPartition(settings.topics.name(t), p)
                for t in INPUT_TOPICS
                for p in range(settings.topic_partitions)
            ]
            consumer.assign(parts)
            await consumer.seek_to_beginning(*parts)
            seen, first = 0, 0.0
            while seen < expected:
                batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
                for records in batch.values():
                    if records and not first:
                        first = time.perf_counter()
                    for record in records:
                        json.loads(record.value)
                    seen += len(records)
            return expected / (time.perf_counter() - first)
        finally:
            await consumer.stop()

    return asyncio.run(consume())


def empty_agent(settings: Settings, expected: int) -> float:
    """(b) Events per second of a Faust agent that does nothing (empty_agent.py)."""
    topics = [settings.topics.name(t) for t in INPUT_TOPICS]
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "services.ops.bench.empty_agent",
            settings.bootstrap_servers,
            str(expected),
            *topics,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    # Faust routes print() through its logger, so the JSON may follow a log prefix.
    text = out.stdout + "\n" + out.stderr
    found = [line[line.index('{"events"') :] for line in text.splitlines() if '{"events"' in line]
    if not found:
        raise RuntimeError(f"empty agent failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    result = json.loads(found[-1].strip())
    return float(result["events"]) / float(result["seconds"])


def _worker_env(settings: Settings, data_dir: Path, web_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYPULSE_")}
    env.update(
        KEYPULSE_EMBEDDED_BROKER_PORT=str(settings.embedded_broker_port),
        KEYPULSE_TOPIC_PREFIX=settings.topic_prefix,
        KEYPULSE_DATA_DIR=str(data_dir),
        KEYPULSE_WORKER_WEB_PORT=str(web_port),
        KEYPULSE_CLOCK=settings.clock,
        KEYPULSE_ENGINE=settings.engine,
        KEYPULSE_LOG_LEVEL="warning",
        PYTHONUNBUFFERED="1",
    )
    return env


@contextmanager
def _worker(
    settings: Settings, data_dir: Path, web_port: int | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    log = (data_dir / "worker.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "worker"],
        env=_worker_env(settings, data_dir, web_port or free_port()),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield proc
    finally:
        terminate(proc, grace_seconds=15)
        log.close()


def _metric_families(web_port: int) -> list[Any] | None:
    """The worker's /metrics page, parsed (None: no answer)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/metrics", timeout=5) as page:
            text = page.read().decode()
    except OSError:
        return None
    return list(text_string_to_metric_families(text))


def accounts_due(web_port: int) -> int | None:
    """The worker's ``keypulse_accounts_due`` gauge, as of its last tick (None: no answer)."""
    families = _metric_families(web_port)
    if families is None:
        return None
    return int(
        sum(s.value for f in families if f.name == "keypulse_accounts_due" for s in f.samples)
    )


def _events_handled(web_port: int) -> int | None:
    """Input messages the worker has finished with, from its /metrics page (None: no answer).

    The counters move after a batch's outputs and changelog records are sent.
    """
    families = _metric_families(web_port)
    if families is None:
        return None
    handled = 0.0
    for family in families:
        if family.name in ("keypulse_events_consumed", "keypulse_dead_letters"):
            handled += sum(s.value for s in family.samples if s.name.endswith("_total"))
    return int(handled)


def pipeline(
    settings: Settings,
    events: int,
    data_dir: Path,
    progress: Callable[[str], None] | None = None,
    after: Callable[[int], None] | None = None,
) -> float:
    """Rate of the worker over a preloaded backlog: input events handled per second.

    Read off the worker's own counter of handled events (decoded, applied,
    evaluated, outputs and changelog sent), polled every 50 ms: from the first
    reading that shows progress to the one that shows the whole backlog done,
    counting only the events handled in between. Start-up and the first batch
    are left out. (The last health record is no end mark: in event-clock mode
    the timer goes on evaluating accounts that fall due after the backlog.)
    ``progress`` hears the count handled every :data:`PROGRESS_SECONDS`.
    ``after`` is called with the worker's web port once the rate is taken,
    while the worker still runs (the verify phase).
    """
    web_port = free_port()
    with _worker(settings, data_dir, web_port) as proc:
        deadline = time.monotonic() + 600
        first: tuple[float, int] | None = None
        told = time.monotonic()
        while time.monotonic() < deadline and proc.poll() is None:
            handled = _events_handled(web_port)
            now = time.perf_counter()
            if progress is not None and time.monotonic() - told >= PROGRESS_SECONDS:
                progress(f"(c) worker handled {handled or 0:,} of {events:,} events")
                told = time.monotonic()
            if handled:
                if first is None:
                    first = (now, handled)
                    if handled >= events:
                        raise RuntimeError(
                            "the backlog was done before it could be timed: use --events"
                        )
                elif handled >= events:
                    rate = (handled - first[1]) / (now - first[0])
                    if after is not None:
                        after(web_port)
                    return rate
            time.sleep(0.05)  # polling interval of a measurement, not a wait for a condition
    raise RuntimeError(
        f"the worker did not handle the {events:,} backlog events within the deadline "
        f"(exit code {proc.returncode})"
    )


def latency(settings: Settings, rate: int, seconds: int, data_dir: Path) -> list[float]:
    """Ms from produce to alert published, at a steady ``rate`` of realistic events.

    The stream is the bench mix (touchpoints, orders, stakeholders, tickets)
    over 2,000 accounts; every 20th event is a P1 ticket, whose
    ``critical_ticket`` alert is the one timed.
    """
    alerts = settings.topics.name_of("alerts")
    consumer = KafkaConsumer(
        alerts, bootstrap_servers=settings.bootstrap_servers, auto_offset_reset="latest"
    )
    consumer.poll(timeout_ms=1000)  # join: from now on
    sent: dict[str, float] = {}
    latencies: list[float] = []
    producer = KafkaProducer(**producer_config(settings, client_id="keypulse-bench-latency"))
    total = rate * seconds
    now = datetime.now(UTC)
    # pipeline_mix sends every account's master data even when `total` is
    # smaller; cut it, so that the phase lasts `seconds` and times what it says.
    mix = list(itertools.islice(pipeline_mix(total, 2_000, now - timedelta(minutes=total)), total))
    with _worker(settings, data_dir):
        # Warm up: wait until the worker answers one event.
        warm = {
            "event_id": "warm",
            "type": "ticket.opened",
            "account_id": "lat-warm",
            "occurred_at": now.isoformat(),
            "ticket_id": "warm",
            "severity": "P1",
        }
        producer.send(
            settings.topics.name_of("tickets"), key=b"lat-warm", value=json.dumps(warm).encode()
        )
        producer.flush()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not consumer.poll(timeout_ms=500):
            pass
        start = time.perf_counter()
        for i, event in enumerate(mix):
            due = start + i / rate
            while True:
                pause = due - time.perf_counter()
                if pause <= 0:
                    break
                for records in consumer.poll(timeout_ms=max(1, int(pause * 1000))).values():
                    _record_latency(records, sent, latencies)
            if i % 20 == 0:
                ticket = f"lat-{i}"
                event = {
                    "event_id": ticket,
                    "type": "ticket.opened",
                    "account_id": event["account_id"],
                    "ticket_id": ticket,
                    "occurred_at": datetime.now(UTC).isoformat(),
                    "severity": "P1",
                }
                sent[ticket] = time.time()
            producer.send(
                settings.topics.for_event_type(event["type"]),
                key=event["account_id"].encode(),
                value=json.dumps(event).encode(),
            )
        producer.flush()
        expected = len(sent) + len(latencies)
        deadline = time.monotonic() + 60
        while len(latencies) < expected and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                _record_latency(records, sent, latencies)
    producer.close()
    consumer.close()
    return latencies


def _record_latency(records: list[Any], sent: dict[str, float], out: list[float]) -> None:
    for record in records:
        alert = json.loads(record.value)
        produced = sent.pop(str(alert.get("subject")), None)
        if produced is not None and alert.get("status") == "open":
            # record.timestamp: when the worker's producer created the alert record.
            out.append(record.timestamp - produced * 1000)


def phase_settings(base: Settings, clock: str) -> Settings:
    """Settings for one phase: its own topic prefix (fresh topics) and clock."""
    settings = base.model_copy(update={"topic_prefix": f"b{uuid.uuid4().hex[:6]}.", "clock": clock})
    ensure_topics(settings.bootstrap_servers, settings.topics.all_specs())
    return settings
