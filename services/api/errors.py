"""Exception types of the HTTP API; handlers in :mod:`services.api.app` turn them into JSON."""

from __future__ import annotations

from services.errors import KeypulseError


class ApiError(KeypulseError):
    """Base class of the API's own errors; ``status`` is the HTTP status it maps to."""

    status: int = 400

    def __init__(self, detail: object) -> None:
        super().__init__(str(detail))
        self.detail = detail


class PayloadTooLarge(ApiError):
    """The request body, or the number of events in it, is over the configured limit."""

    status = 413


class PublishFailed(ApiError):
    """The broker did not acknowledge every event of an ingest request in time."""

    status = 503


class DatabaseNotReady(ApiError):
    """The read-model database could not be reached."""

    status = 503
