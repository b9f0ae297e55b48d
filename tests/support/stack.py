"""Run the stream worker and the sink as real processes against the test broker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from kafka import KafkaConsumer, KafkaProducer

from schemas import INPUT_TOPICS
from services.broker.clients import producer_config
from services.broker.topics import ensure_topics
from services.ops.process import free_port, terminate
from services.read_models import create_engine_for
from services.settings import Settings


class PipelineStack:
    """A private topic prefix, a database and worker/sink processes on the session broker."""

    def __init__(
        self,
        broker: Settings,
        database_url: str,
        workdir: Path,
        clock: str = "event",
        engine: str | None = None,
    ):
        self.settings = broker.model_copy(
            update={
                "topic_prefix": f"p{uuid.uuid4().hex[:8]}.",
                "data_dir": workdir,
                "worker_web_port": free_port(),
                "clock": clock,
                **({"engine": engine} if engine is not None else {}),
            }
        )
        self.database_url = database_url
        self.workdir = workdir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.starts: dict[str, int] = {}
        self.ports: dict[str, int] = {}
        ensure_topics(self.settings.bootstrap_servers, self.settings.topics.all_specs())
        self._producer: KafkaProducer | None = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEYPULSE_")}
        s = self.settings
        env.update(
            KEYPULSE_EMBEDDED_BROKER_PORT=str(s.embedded_broker_port),
            KEYPULSE_TOPIC_PREFIX=s.topic_prefix,
            KEYPULSE_DATA_DIR=str(s.data_dir),
            KEYPULSE_WORKER_WEB_PORT=str(s.worker_web_port),
            KEYPULSE_CLOCK=s.clock,
            KEYPULSE_ENGINE=s.engine,
            KEYPULSE_DATABASE_URL=self.database_url,
            PYTHONUNBUFFERED="1",
        )
        return env

    def start(self, name: str, command: str | None = None) -> subprocess.Popen[bytes]:
        """Start ``keypulse worker`` or ``keypulse sink``; output goes to a log file.

        ``name`` tells processes apart (``worker-b``: a second worker, run as
        ``command`` ``worker``, with a web port of its own).
        """
        self.starts[name] = self.starts.get(name, 0) + 1
        log = (self.workdir / f"{name}-{self.starts[name]}.log").open("wb")
        env = self.env()
        if name not in ("worker", "sink"):
            port = self.ports.setdefault(name, free_port())
            env["KEYPULSE_WORKER_WEB_PORT"] = str(port)
        proc = subprocess.Popen(
            [sys.executable, "-m", "services.cli", command or name],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.procs[name] = proc
        return proc

    def kill(self, name: str) -> None:
        """SIGKILL a process: no shutdown, no commit, no flush."""
        proc = self.procs[name]
        proc.kill()
        proc.wait(timeout=10)

    def latest_log(self, name: str) -> str:
        """What the latest start of ``name`` wrote."""
        return (self.workdir / f"{name}-{self.starts[name]}.log").read_text(errors="replace")

    def logs(self, name: str) -> str:
        """Everything a process wrote, over all its starts."""
        return "\n".join(
            p.read_text(errors="replace") for p in sorted(self.workdir.glob(f"{name}-*.log"))
        )

    def publish(self, events: Iterable[dict[str, Any] | tuple[str, bytes, bytes]]) -> int:
        """Publish wire-format events to their topics (or raw (topic, key, value) tuples)."""
        if self._producer is None:
            self._producer = KafkaProducer(**producer_config(self.settings))
        sent = []
        for item in events:
            if isinstance(item, tuple):
                topic, key, value = item
                sent.append(
                    self._producer.send(self.settings.topics.name_of(topic), key=key, value=value)
                )
            else:
                topic = self.settings.topics.for_event_type(item["type"])
                sent.append(
                    self._producer.send(
                        topic, key=item["account_id"].encode(), value=json.dumps(item).encode()
                    )
                )
        self._producer.flush()
        for future in sent:
            future.get(timeout=0)  # raises the delivery error of a record that failed
        return len(sent)

    def event_ids_on_inputs(self) -> list[str]:
        """The event_id of every valid JSON record on the input topics (for diagnostics)."""
        topics = [self.settings.topics.name(t) for t in INPUT_TOPICS]
        consumer = KafkaConsumer(
            *topics,
            bootstrap_servers=self.settings.bootstrap_servers,
            auto_offset_reset="earliest",
            consumer_timeout_ms=3000,
        )
        ids: list[str] = []
        try:
            for record in consumer:
                try:
                    ids.append(str(json.loads(record.value)["event_id"]))
                except (ValueError, KeyError, TypeError):
                    continue
        finally:
            consumer.close()
        return ids

    def stop(self) -> None:
        """Stop every process and the producer."""
        for proc in self.procs.values():
            terminate(proc, grace_seconds=15)
        if self._producer is not None:
            self._producer.close()


@contextmanager
def running_stack(
    broker: Settings,
    database_url: str,
    workdir: Path,
    clock: str = "event",
    engine: str | None = None,
) -> Iterator[PipelineStack]:
    """A :class:`PipelineStack` that stops every process it started on the way out.

    ``engine``: the workers' ``KEYPULSE_ENGINE`` (default: the settings' default).
    """
    stack = PipelineStack(broker, database_url, workdir, clock=clock, engine=engine)
    try:
        yield stack
    finally:
        stack.stop()


@contextmanager
def read_model_engine(database_url: str) -> Iterator[sa.Engine]:
    """An engine on the stack's read-model database, disposed on the way out."""
    engine = create_engine_for(database_url)
    try:
        yield engine
    finally:
        engine.dispose()
