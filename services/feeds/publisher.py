"""Publish input events to keypulse's topics: the library every upstream adapter uses.

    with EventPublisher(Settings()) as publisher:
        publisher.publish(event)          # a schemas event model or a JSON-like dict

Each event is validated with :func:`schemas.decode.validate_event` before it
is sent, keyed by its ``account_id`` (murmur2, as the worker expects) and
sent to the topic that carries its type. The producer comes from
:func:`services.broker.clients.producer_config`, so on the embedded broker
every record travels in its own batch (the Tansu end-offset workaround).
Delivery failures are never swallowed: they surface as
:class:`~services.errors.PublishError` from ``publish`` (for an earlier
record), ``flush`` or ``close``.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from schemas.decode import validate_event
from schemas.errors import EventRejected
from schemas.events import BaseEvent
from services.broker.clients import producer_config
from services.errors import BrokerUnavailable, PublishError
from services.settings import Settings

#: Sends in flight before the publisher waits for the oldest to complete. It
#: bounds memory and makes a delivery failure surface soon after it happens.
MAX_IN_FLIGHT = 2_000


def wire_bytes(payload: Mapping[str, Any]) -> bytes:
    """The UTF-8 JSON a record carries; datetimes and dates as ISO 8601.

    A dict built in Python naturally holds ``datetime`` values, which pass
    validation; anything else JSON cannot carry is refused as invalid input.
    """
    try:
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_wire_value)
    except (TypeError, ValueError) as exc:
        raise EventRejected(f"the event cannot be sent as JSON: {exc}") from exc
    return text.encode("utf-8")


def _wire_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"a value of type {type(value).__name__} has no JSON form")


def event_json(event: BaseEvent) -> dict[str, Any]:
    """An event in wire form: the JSON object a producer sends (None fields left out)."""
    return event.model_dump(mode="json", exclude_none=True)


class EventPublisher:
    """A validating, account-keyed producer of input events; use it as a context manager.

    ``reject_future`` applies the wall-clock rule of the contract (an
    ``occurred_at`` more than 24 h ahead is invalid) before sending; by default
    it follows ``settings.clock`` (on for ``wall``).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        client_id: str = "keypulse-publisher",
        reject_future: bool | None = None,
        delivery_timeout: float = 30.0,
    ) -> None:
        self.settings = settings
        self.topics = settings.topics
        self.reject_future = settings.clock == "wall" if reject_future is None else reject_future
        self.delivery_timeout = delivery_timeout
        #: Records delivered (acknowledged by the broker), per topic.
        self.delivered: Counter[str] = Counter()
        self._client_id = client_id
        self._producer: Any = None
        self._pending: list[tuple[str, Any]] = []

    # --- lifecycle ------------------------------------------------------------

    def __enter__(self) -> EventPublisher:
        self.open()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        # On an error in the with-block, still try to deliver what was sent, but
        # never let a second failure hide the first.
        if exc_type is None:
            self.close()
        else:
            with contextlib.suppress(PublishError):
                self.close()

    def open(self) -> None:
        """Connect the producer (done by ``with``; idempotent)."""
        if self._producer is not None:
            return
        from kafka import KafkaProducer
        from kafka.errors import KafkaError

        try:
            self._producer = KafkaProducer(**producer_config(self.settings, self._client_id))
        except KafkaError as exc:
            raise BrokerUnavailable(
                f"cannot connect a producer to {self.settings.bootstrap_servers}: {exc}"
            ) from exc

    def close(self) -> None:
        """Flush (raising on any failed delivery), then close the producer."""
        if self._producer is None:
            return
        try:
            self.flush()
        finally:
            self._producer.close(timeout=self.delivery_timeout)
            self._producer = None

    # --- publishing -----------------------------------------------------------

    def validate(self, event: BaseEvent | Mapping[str, Any]) -> BaseEvent:
        """Check an event as the worker would; raises :class:`schemas.errors.EventRejected`."""
        now = datetime.now(UTC) if self.reject_future else None
        obj = event_json(event) if isinstance(event, BaseEvent) else event
        return validate_event(obj, now=now)

    def publish(self, event: BaseEvent | Mapping[str, Any]) -> str:
        """Validate and send one event; returns the topic it goes to.

        A dict is sent as given (unknown extra fields included, as the
        contract allows); a model is sent in its wire form. The send is
        asynchronous: call :meth:`flush` (or leave the ``with`` block) to wait
        for delivery.
        """
        typed = self.validate(event)
        payload = event_json(event) if isinstance(event, BaseEvent) else dict(event)
        topic = self.topics.for_event_type(type(typed).model_fields["type"].default)
        self._send(topic, typed.account_id, payload)
        return topic

    def _send(self, topic: str, key: str, payload: Mapping[str, Any]) -> None:
        from kafka.errors import KafkaError

        if self._producer is None:
            self.open()
        value = wire_bytes(payload)
        try:
            future = self._producer.send(topic, key=key.encode("utf-8"), value=value)
        except KafkaError as exc:
            raise PublishError(f"could not send to {topic}: {exc}") from exc
        self._pending.append((topic, future))
        if len(self._pending) >= MAX_IN_FLIGHT:
            self._settle(wait_for=len(self._pending) // 2)
        elif self._pending[0][1].is_done:
            self._settle(wait_for=0)

    def flush(self) -> None:
        """Wait until every record sent so far is delivered; raise on the first failure."""
        if self._producer is None:
            return
        from kafka.errors import KafkaError

        try:
            self._producer.flush(timeout=self.delivery_timeout)
        except KafkaError as exc:
            raise PublishError(f"records not delivered within the timeout: {exc}") from exc
        self._settle(wait_for=len(self._pending))

    def _settle(self, wait_for: int) -> None:
        """Check completed sends in order; block on the first ``wait_for`` of them."""
        from kafka.errors import KafkaError

        done = 0
        for index, (topic, future) in enumerate(self._pending):
            if not future.is_done and index >= wait_for:
                break
            try:
                future.get(timeout=self.delivery_timeout)
            except KafkaError as exc:
                del self._pending[: index + 1]
                raise PublishError(f"a record for {topic} was not delivered: {exc}") from exc
            self.delivered[topic] += 1
            done = index + 1
        del self._pending[:done]
