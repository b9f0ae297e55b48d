"""Background sampling of consumer lag for ``GET /v1/ops/lag`` and ``/metrics``.

Time lag and Burrow statuses need a sliding window of samples, so the API
keeps one :class:`~services.ops.lag.LagMonitor` and samples it on a thread every
``KEYPULSE_LAG_SAMPLE_SECONDS``; requests read the latest report and never
wait for Kafka (except for the very first one, which samples once and starts
the thread: an API nobody asks about lag never talks to Kafka for it).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

from services.errors import KeypulseError
from services.ops.lag import GroupLag, KafkaOffsetReader, LagMonitor
from services.settings import Settings

log = logging.getLogger("keypulse.api.lag")


class LagSampler:
    """A lag monitor sampled in the background; thread-safe reads of its latest report."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.interval = settings.lag_sample_seconds
        self._reader: KafkaOffsetReader | None = None
        self._monitor: LagMonitor | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.sampled_at: datetime | None = None
        self.error: str | None = None
        self._last_attempt = 0.0

    def start(self) -> None:
        """Start the sampling thread (idempotent)."""
        if self._thread is None and not self._stop.is_set():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="lag-sampler", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread and close the Kafka clients.

        The thread is a daemon: if a sample is stuck on an unreachable broker,
        shutdown does not wait for it beyond a moment.
        """
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)
            self._thread = None
        with self._lock:
            reader, self._reader, self._monitor = self._reader, None, None
        if reader is not None:
            # Closing Kafka clients can wait on their network threads; never hold
            # the API's shutdown for that.
            threading.Thread(target=reader.close, name="lag-close", daemon=True).start()

    def report(self) -> tuple[GroupLag, ...]:
        """The latest report; samples once now (and starts sampling) if none was taken yet."""
        with self._lock:
            monitor = self._monitor
        recently_failed = time.monotonic() - self._last_attempt < self.interval
        if (monitor is None or monitor.samples_taken == 0) and not recently_failed:
            self.sample()
        self.start()
        with self._lock:
            return self._monitor.latest if self._monitor is not None else ()

    def sample(self) -> None:
        """Take one sample; a broker that does not answer is remembered, not raised."""
        self._last_attempt = time.monotonic()
        try:
            with self._lock:
                monitor = self._monitor
            if monitor is None:
                # Connecting may take seconds: not while holding the lock stop() needs.
                reader = KafkaOffsetReader(self.settings)
                monitor = LagMonitor(reader)
                with self._lock:
                    self._reader, self._monitor = reader, monitor
            monitor.sample()
            self.sampled_at = datetime.now(UTC)
            self.error = None
        except (KeypulseError, OSError) as exc:
            self.error = str(exc)
            log.warning("lag sample failed: %s", exc)
            with self._lock:  # rebuild the clients next time
                if self._reader is not None:
                    self._reader.close()
                self._reader = None
                self._monitor = None

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            self.sample()
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))
