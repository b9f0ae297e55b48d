"""The one error type the schema layer raises for bad input."""

from __future__ import annotations


class EventRejected(ValueError):
    """An input message is not a valid event; ``reason`` says why in plain words.

    ``problems`` lists one ``(field, message)`` pair per defect so that the HTTP
    ingest can report every problem of an item at once.
    """

    def __init__(self, reason: str, problems: list[tuple[str, str]] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.problems: list[tuple[str, str]] = problems or [("", reason)]
