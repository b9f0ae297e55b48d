"""Short consumer fetch waits for the Faust worker on the embedded (Tansu) broker.

Tansu 0.6.0 does not answer a parked Fetch when new records arrive: the
request returns only when ``fetch_max_wait_ms`` runs out. Faust hardcodes
1,500 ms for its worker consumer, so on Tansu every hop through a topic would
add ~0.75 s on average (measured here: 451 ms median produce→consume at
1,500 ms, 2.8 ms at 100 ms). Real Kafka wakes the fetch at once, so this
applies only with the Tansu workarounds on.
"""

from __future__ import annotations

from typing import Any

from faust.transport.drivers import aiokafka as faust_aiokafka

#: Fetch wait used on Tansu: the worst-case delay a record waits to be fetched.
TANSU_FETCH_MAX_WAIT_MS = 20

_PATCHED = "_keypulse_tansu_fetch_wait"


def shorten_fetch_wait(max_wait_ms: int = TANSU_FETCH_MAX_WAIT_MS) -> None:
    """Make Faust's worker consumers long-poll for at most ``max_wait_ms`` (idempotent)."""
    thread_cls: Any = faust_aiokafka.AIOKafkaConsumerThread
    if getattr(thread_cls, _PATCHED, None) == max_wait_ms:
        return
    original = getattr(thread_cls, "_keypulse_original_create", None)
    if original is None:
        original = thread_cls._create_worker_consumer
        thread_cls._keypulse_original_create = original

    def create_worker_consumer(self: Any, transport: Any) -> Any:
        consumer = original(self, transport)
        # aiokafka keeps the value until start() builds its Fetcher from it.
        consumer._fetch_max_wait_ms = max_wait_ms
        return consumer

    thread_cls._create_worker_consumer = create_worker_consumer
    setattr(thread_cls, _PATCHED, max_wait_ms)
