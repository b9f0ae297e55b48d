"""Restart scenarios shared by the pipeline tests and the stress script (tests/stress/restarts.py).

Each scenario starts and kills real ``keypulse worker`` processes of a
:class:`PipelineStack` while it publishes a history; the caller then waits
for the read models to equal the reference replay.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from tests.support.stack import PipelineStack
from tests.support.waiting import wait_for

_REBUILT = re.compile(r"due index rebuilt for partitions \[([0-9, ]*)\]")


def owned_partitions(log: str) -> list[set[int]]:
    """Every partition set a worker's log says it rebuilt its due index for, oldest first."""
    return [{int(p) for p in m.group(1).split(",") if p.strip()} for m in _REBUILT.finditer(log)]


def wait_until_consuming(stack: PipelineStack, name: str, timeout: float = 90) -> None:
    """Until the latest start of ``name`` owns partitions (it then takes its first batch)."""
    wait_for(
        lambda: bool(owned_partitions(stack.latest_log(name))) or stack.procs[name].poll(),
        timeout=timeout,
        what=f"{name} to start consuming",
    )


def restart_at_once(stack: PipelineStack, history: Sequence[dict[str, Any]]) -> None:
    """Kill a consuming worker with SIGKILL and start the next one at once.

    The killed member stays registered in the group until its session times
    out, so the new worker joins twice; the rest of the history follows.
    """
    first = len(history) // 3
    stack.start("worker")
    stack.publish(history[:first])
    wait_until_consuming(stack, "worker")
    stack.kill("worker")
    stack.start("worker")
    stack.publish(history[first:])


def takeover_and_return(stack: PipelineStack, history: Sequence[dict[str, Any]]) -> None:
    """Two workers share the partitions; one is killed mid-stream, the survivor
    takes every partition over, then the killed one comes back at once."""
    third = len(history) // 3
    stack.start("worker-a", "worker")
    stack.start("worker-b", "worker")
    stack.publish(history[:third])

    def sharing() -> bool:
        a = owned_partitions(stack.latest_log("worker-a"))
        b = owned_partitions(stack.latest_log("worker-b"))
        return bool(a and b and a[-1] and b[-1] and not a[-1] & b[-1])

    wait_for(sharing, timeout=90, what="both workers to own partitions")
    seen = len(owned_partitions(stack.latest_log("worker-b")))
    stack.kill("worker-a")
    stack.publish(history[third : 2 * third])
    every = set(range(stack.settings.topic_partitions))

    def taken_over() -> bool:
        # once the dead member's session has expired and the group rebalanced
        after = owned_partitions(stack.latest_log("worker-b"))[seen:]
        return bool(after) and after[-1] == every

    wait_for(taken_over, timeout=90, what="worker-b to take every partition over")
    stack.start("worker-a", "worker")
    stack.publish(history[2 * third :])
    wait_for(sharing, timeout=90, what="the returned worker-a to get partitions back")
