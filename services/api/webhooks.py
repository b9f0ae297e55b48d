"""Alert webhooks: a global URL and per-KAM URLs, with a body a Slack incoming webhook accepts.

The dispatcher runs inside the API process, fed by the same
:class:`~services.api.alert_feed.AlertFeed` as the SSE stream, so the stream
worker and the sink never wait on a slow receiver. Each delivery is its own
task (at most ``CONCURRENCY`` at once) retried with exponential backoff, so a
receiver that is down delays only its own messages. Failures are logged and
counted in :class:`WebhookStats`.

Caveats, by design: changes are detected while the API runs (an alert raised
and resolved while it is down is not announced), and several API replicas
with the same webhook settings would each deliver; run webhooks on one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import httpx

from services.api.alert_feed import AlertChange, AlertFeed, Listener
from services.read_models.queries import AlertView
from services.settings import Settings

log = logging.getLogger(__name__)

#: Deliveries in flight at once.
CONCURRENCY = 8

_ICON = {
    "critical": ":red_circle:",
    "warning": ":large_orange_circle:",
    "info": ":information_source:",
}


@dataclass
class WebhookStats:
    """Counters for operators (and the metrics endpoint)."""

    delivered: int = 0
    failed: int = 0  # gave up after every attempt
    retries: int = 0
    dropped: int = 0  # the dispatcher could not keep up


def slack_body(change: AlertChange) -> dict[str, Any]:
    """The JSON body: ``text`` for any Slack client, ``blocks`` with the alert's fields."""
    alert = change.alert
    verb = "resolved" if change.event == "resolved" else "raised"
    icon = ":white_check_mark:" if verb == "resolved" else _ICON.get(alert.severity, "")
    text = f"{icon} {alert.kind} {verb} on {alert.account_id}: {alert.reason}".strip()
    fields = [
        ("Account", alert.account_id),
        ("KAM", alert.kam_id or "-"),
        ("Kind", alert.kind),
        ("Severity", alert.severity),
        ("Status", alert.status),
        ("Subject", alert.subject or "-"),
        ("Raised", alert.raised_at.isoformat()),
        ("Alert", alert.alert_id),
    ]
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {
                "type": "section",
                "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in fields],
            },
        ],
    }


class WebhookDispatcher:
    """Delivers every alert change to the global URL and to its KAM's URL."""

    def __init__(self, settings: Settings) -> None:
        self.global_url, self.kam_urls = settings.webhook_targets()
        self.max_attempts = settings.webhook_max_attempts
        self.backoff = settings.webhook_backoff
        self.timeout = settings.webhook_timeout
        self.stats = WebhookStats()
        self._listener: Listener | None = None
        self._task: asyncio.Task[None] | None = None
        self._deliveries: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None
        self._slots = asyncio.Semaphore(CONCURRENCY)

    @property
    def enabled(self) -> bool:
        """Whether any webhook is configured."""
        return self.global_url is not None or bool(self.kam_urls)

    def targets(self, alert: AlertView) -> list[str]:
        """The URLs one alert goes to."""
        urls = [self.global_url] if self.global_url else []
        kam_url = self.kam_urls.get(alert.kam_id or "")
        if kam_url and kam_url not in urls:
            urls.append(kam_url)
        return urls

    async def start(self, feed: AlertFeed) -> None:
        """Subscribe to the feed and start dispatching (no-op without webhooks)."""
        if not self.enabled or self._task is not None:
            return
        self._client = httpx.AsyncClient(timeout=self.timeout)
        self._listener = feed.subscribe(lambda alert: bool(self.targets(alert)))
        self._task = asyncio.create_task(self._run(feed), name="keypulse-webhooks")
        await feed.start()

    async def stop(self) -> None:
        """Stop dispatching; deliveries still in flight are cancelled."""
        for task in [self._task, *self._deliveries]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _run(self, feed: AlertFeed) -> None:
        assert self._listener is not None
        while True:
            change = await self._listener.queue.get()
            if change is None:  # dropped as too slow: count it and listen again
                self.stats.dropped += 1
                log.error("webhooks: fell behind the alert feed; some changes were not sent")
                self._listener = feed.subscribe(lambda alert: bool(self.targets(alert)))
                continue
            for url in self.targets(change.alert):
                task = asyncio.create_task(self._deliver(url, change))
                self._deliveries.add(task)
                task.add_done_callback(self._deliveries.discard)

    async def _deliver(self, url: str, change: AlertChange) -> None:
        assert self._client is not None
        body = slack_body(change)
        headers = {
            "X-Keypulse-Event": change.event,
            "X-Keypulse-Alert-Id": change.alert.alert_id,
        }
        async with self._slots:
            for attempt in range(1, self.max_attempts + 1):
                try:
                    response = await self._client.post(url, json=body, headers=headers)
                    if response.status_code < 300:
                        self.stats.delivered += 1
                        return
                    problem = f"HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    problem = type(exc).__name__
                if attempt == self.max_attempts:
                    break
                self.stats.retries += 1
                delay = self.backoff * 2 ** (attempt - 1)
                # The URL is a secret (Slack webhook URLs carry a token): log the alert only.
                log.warning(
                    "webhook for alert %s failed (%s, attempt %d/%d); retrying in %.1f s",
                    change.alert.alert_id,
                    problem,
                    attempt,
                    self.max_attempts,
                    delay,
                )
                await asyncio.sleep(delay)
        self.stats.failed += 1
        log.error(
            "webhook for alert %s failed %d times (%s); giving up",
            change.alert.alert_id,
            self.max_attempts,
            problem,
        )
