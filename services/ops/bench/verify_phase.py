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
#: Differences the figure describes, at most.
FIRST_DIFFERENCES = 10
#: Seconds the outputs' end offsets must stay put, with nothing due, before verifying.
QUIET_SECONDS = 2.0
#: How often the sink's committed offsets are compared with the ends.
POLL_SECONDS = 0.5


def verify_after_pipeline(
    settings: Settings,
    workdir: Path,
    accounts_due: Callable[[], int | None],
    progress: Callable[[str], None] | None = None,
) -> VerifyFigure:
    """Sink the phase's outputs into ``workdir``/read-models.db, then verify against its inputs.

    Called while the phase's worker still runs: with the event clock, the
    accounts that fell due during the backlog are evaluated by its timer
    after the last event, and verify compares with the replay at that clock.
    ``accounts_due`` reads the worker's ``keypulse_accounts_due`` gauge.
    """
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
        _until_settled(sunk, failure, accounts_due, progress)
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
        first_differences=tuple(d.describe() for d in result.differences[:FIRST_DIFFERENCES]),
    )


def _until_settled(
    settings: Settings,
    failure: list[BaseException],
    accounts_due: Callable[[], int | None],
    progress: Callable[[str], None] | None,
) -> None:
    """Return once the worker has nothing due, its outputs stopped growing and the sink has them.

    The outputs' end offsets must stay the same across :data:`QUIET_SECONDS`
    with the worker's gauge at 0 (a tick still evaluating would send), and
    the sink's group must have committed every one of them.
    """
    group = sink_group(settings)
    admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    consumer = KafkaConsumer(**consumer_config(settings, group_id=None, client_id="bench-verify"))
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in sink_topics(settings)
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        deadline = time.monotonic() + CATCH_UP_SECONDS
        told = time.monotonic()
        quiet_since: tuple[float, dict[TopicPartition, int]] | None = None
        while True:
            if failure:
                raise RuntimeError(f"the sink failed: {failure[0]!r}") from failure[0]
            ends = {tp: int(end) for tp, end in consumer.end_offsets(partitions).items()}
            answer = admin.list_group_offsets({group: partitions}).get(group, {})
            # -1 (or None): no commit on that partition yet.
            committed = {tp: max(0, meta.offset or 0) for tp, meta in answer.items()}
            behind = sum(end - committed.get(tp, 0) for tp, end in ends.items())
            due = accounts_due()
            if due != 0 or quiet_since is None or quiet_since[1] != ends:
                quiet_since = (time.monotonic(), ends)
            elif behind <= 0 and time.monotonic() - quiet_since[0] >= QUIET_SECONDS:
                return
            total = sum(ends.values())
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"after {CATCH_UP_SECONDS:.0f} s the sink was {behind:,} of {total:,} output"
                    f" records behind and the worker had {due} accounts due"
                )
            if progress is not None and time.monotonic() - told >= 5:
                progress(
                    f"verify: the sink has {total - behind:,} of {total:,} output records;"
                    f" {due} accounts due in the worker"
                )
                told = time.monotonic()
            time.sleep(POLL_SECONDS)  # polling interval while the sink works, not a guess
    finally:
        consumer.close()
        admin.close()
