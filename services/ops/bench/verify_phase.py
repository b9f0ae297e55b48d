"""After a mix's pipeline phase: fill read models from its outputs and run ``keypulse verify``.

The pipeline phase (c) runs the worker alone. Here the read-model sink
copies what that worker published into a SQLite database of the phase's
own, until its consumer group has committed every output partition's end
offset, and then :func:`~services.ops.verify.command.verify` folds the
phase's input topics with the reference engine and compares: the bench's
proof that the speed-ups changed no result (issue 12's acceptance).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from pydantic import SecretStr

from services.broker.clients import consumer_config
from services.ops.bench.report import VerifyFigure
from services.ops.verify.command import verify
from services.read_models.sink import run_sink, sink_group, sink_topics
from services.settings import Settings

#: Seconds the sink may take to catch up with a phase's outputs.
CATCH_UP_SECONDS = 600.0
#: How often the sink's committed offsets are compared with the ends.
POLL_SECONDS = 0.5


def verify_after_pipeline(
    settings: Settings, workdir: Path, progress: Callable[[str], None] | None = None
) -> VerifyFigure:
    """Sink the phase's outputs into ``workdir``/read-models.db, then verify against its inputs."""
    database = workdir / "read-models.db"
    sunk = settings.model_copy(update={"database_url": SecretStr(f"sqlite:///{database}")})
    stop = threading.Event()
    failure: list[BaseException] = []

    def sink() -> None:
        try:
            run_sink(sunk, stop)
        except BaseException as exc:  # reported by the waiting thread
            failure.append(exc)

    thread = threading.Thread(target=sink, name="bench-sink", daemon=True)
    started = time.monotonic()
    thread.start()
    try:
        _until_sink_caught_up(sunk, failure, progress)
        sink_seconds = time.monotonic() - started
    finally:
        stop.set()
        thread.join(timeout=30)
    if progress is not None:
        progress(f"verify: the sink had every output in {sink_seconds:,.1f} s; verifying ...")
    started = time.monotonic()
    result = verify(sunk, progress=None)
    points = {(d.account_id, d.field.split(".")[0]) for d in result.history_differences}
    return VerifyFigure(
        accounts_checked=result.accounts_checked,
        accounts_differing=result.accounts_differing,
        events_read=result.events_read,
        history_points_checked=result.history_points_checked,
        history_points_differing=len(points),
        sink_seconds=round(sink_seconds, 1),
        verify_seconds=round(time.monotonic() - started, 1),
    )


def _until_sink_caught_up(
    settings: Settings, failure: list[BaseException], progress: Callable[[str], None] | None
) -> None:
    """Return once the sink's group has committed the end offset of every output partition."""
    group = sink_group(settings)
    admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    consumer = KafkaConsumer(**consumer_config(settings, group_id=None, client_id="bench-verify"))
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in sink_topics(settings)
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        ends = {tp: int(end) for tp, end in consumer.end_offsets(partitions).items()}
        total = sum(ends.values())
        deadline = time.monotonic() + CATCH_UP_SECONDS
        told = time.monotonic()
        while True:
            if failure:
                raise RuntimeError(f"the sink failed: {failure[0]!r}") from failure[0]
            answer = admin.list_group_offsets({group: list(ends)}).get(group, {})
            # -1 (or None): no commit on that partition yet.
            committed = {tp: max(0, meta.offset or 0) for tp, meta in answer.items()}
            behind = sum(end - committed.get(tp, 0) for tp, end in ends.items())
            if behind <= 0:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the sink was still {behind:,} of {total:,} records behind after"
                    f" {CATCH_UP_SECONDS:.0f} s"
                )
            if progress is not None and time.monotonic() - told >= 5:
                progress(f"verify: the sink has {total - behind:,} of {total:,} output records")
                told = time.monotonic()
            time.sleep(POLL_SECONDS)  # polling interval while the sink works, not a guess
    finally:
        consumer.close()
        admin.close()
