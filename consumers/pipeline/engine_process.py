"""The step engine in a process of its own, on the other core.

Python runs one thread at a time, so in the worker's process Faust's
delivery of each message and the engine's steps took turns on one core:
py-spy on a replayed history showed the steps and their encoding at 54 %
of the samples, the event loop at 37 % (README "Benchmark"). Here a child
process holds a :class:`~consumers.pipeline.step_engine.StepEngine`; the
worker sends each :class:`StepPlan` over a pipe (pickled: events are a few
µs each) and gets back the :class:`EngineRun`, every step's table value
and its records already encoded, while its event loop goes on fetching.

The child holds no state the worker needs: the account table, the clock
and the due index stay in the worker, which tells the child per account
whether the value it holds parsed is still the table's (``held``). If the
child fails, its parsed records are dropped and the worker is told to
send every value afresh; if it dies, :class:`EngineProcessError` says so and
the batch is not acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import signal
import traceback
from multiprocessing.connection import Connection
from typing import Any

from consumers.domain.policy import Policy
from consumers.pipeline.collector import tune_collector
from consumers.pipeline.out_records import OutputTopics
from consumers.pipeline.step_engine import EngineRun, StepEngine, StepPlan

#: Seconds :meth:`EngineProcess.close` waits for the child to exit before killing it.
CLOSE_SECONDS = 5.0


class EngineProcessError(RuntimeError):
    """The engine process failed a plan or is gone; the plan's batch must be read again.

    Either way the child holds no parsed record any more: the caller must
    send every account's value afresh (:meth:`AccountProcessor.forget_held`).
    """


def serve(conn: Connection, policy: Policy, topics: OutputTopics, cache_bytes: int | None) -> None:
    """The child's loop: run each plan received, answer ("ok", run) or ("error", text)."""
    # Ctrl-C in a terminal reaches the whole process group: the worker stops
    # and closes the pipe, which ends this loop; no traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tune_collector()  # the parsed records live here
    engine = StepEngine(policy, topics, cache_bytes)
    while True:
        try:
            plan = conn.recv()
        except (EOFError, OSError):
            return  # the worker is gone
        if plan is None:
            return
        try:
            answer: tuple[str, Any] = ("ok", engine.run(plan))
        except Exception:
            # A plan that failed halfway left some accounts' parsed records
            # newer than the table: start afresh, the worker re-sends values.
            engine = StepEngine(policy, topics, cache_bytes)
            answer = ("error", traceback.format_exc())
        conn.send(answer)


class EngineProcess:
    """The worker's side of the engine process: start, run plans, close."""

    def __init__(
        self, policy: Policy, topics: OutputTopics, cache_bytes: int | None = None
    ) -> None:
        # spawn, not fork: the worker has threads (aiokafka, Faust's), and a
        # forked child would inherit their locks in whatever state they were.
        context = multiprocessing.get_context("spawn")
        self._conn, child_end = context.Pipe()
        self._process = context.Process(
            target=serve,
            args=(child_end, policy, topics, cache_bytes),
            name="keypulse-engine",
            daemon=True,
        )
        self._child_end = child_end

    def start(self) -> None:
        """Start the child (:meth:`run` does at its first plan).

        About a second until it answers: a fresh interpreter imports the
        engine. It is a daemon: it ends with the worker (and, should the
        worker be killed, at the end of its pipe).
        """
        self._process.start()
        self._child_end.close()  # the child's copy; EOF reaches us if it dies

    @property
    def pid(self) -> int | None:
        """The child's process id (None before :meth:`start`)."""
        return self._process.pid

    @property
    def alive(self) -> bool:
        """Whether the child runs."""
        return self._process.is_alive()

    async def run(self, plan: StepPlan) -> EngineRun:
        """Run ``plan`` in the child; the event loop goes on meanwhile.

        One plan at a time: the caller serialises (the account stage's engine lock).
        """
        if self._process.pid is None:
            self.start()
        return await asyncio.to_thread(self.run_blocking, plan)

    def run_blocking(self, plan: StepPlan) -> EngineRun:
        """Run ``plan`` in the child and wait for it (in a thread beside the event loop)."""
        try:
            self._conn.send(plan)
            status, value = self._conn.recv()
        except (EOFError, OSError) as exc:
            raise EngineProcessError(
                f"the engine process (pid {self.pid}) is gone: exit code {self._process.exitcode}"
            ) from exc
        if status != "ok":
            raise EngineProcessError(f"the engine process failed a plan:\n{value}")
        return value  # type: ignore[no-any-return]  # an EngineRun, as serve() answers

    def close(self) -> None:
        """Ask the child to exit, wait a little, then kill it if it has not."""
        if self._process.pid is None:
            return
        with contextlib.suppress(OSError):  # already gone
            self._conn.send(None)
        self._process.join(CLOSE_SECONDS)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(CLOSE_SECONDS)
        self._conn.close()
