"""The KAM stage: one KAM's queue from the lines its accounts send (pure, no Faust).

The account stage computes each account's priority and next action (its
queue line, consumers/pipeline/projections.py); this stage, keyed by kam_id
after the repartition, only keeps the latest line per account
(:class:`KamQueueBook`) and ranks them (:func:`rank`): highest priority
first, ties by account_id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping
from datetime import datetime
from typing import Any

from schemas.internal import KamQueue, QueueItem, QueueLine


def rank(kam_id: str, lines: Mapping[str, QueueLine], as_of: datetime) -> KamQueue:
    """The ranked queue of one KAM as of the newest line that shaped it."""
    ordered = sorted(lines.values(), key=lambda e: (-e.priority, e.account_id))
    return KamQueue(
        kam_id=kam_id,
        items=[
            QueueItem(
                rank=i,
                account_id=e.account_id,
                priority=e.priority,
                health=e.health,
                open_alerts=e.open_alerts,
                next_action=e.next_action,
            )
            for i, e in enumerate(ordered, start=1)
        ],
        as_of=as_of,
    )


#: Separates kam_id and account_id in a queue line's table key.
LINE_KEY_SEPARATOR = "\x1f"


def line_key(kam_id: str, account_id: str) -> str:
    """Table key of one KAM's line for one account."""
    return f"{kam_id}{LINE_KEY_SEPARATOR}{account_id}"


def kam_of_line(key: str) -> str:
    """The kam_id part of a line key (what the line is partitioned by)."""
    return key.split(LINE_KEY_SEPARATOR, 1)[0]


class KamQueueBook:
    """Every owned KAM's queue lines: one store key per (KAM, account).

    One key per line (not one per KAM) keeps each change one small changelog
    record; the per-KAM view lives in memory and is rebuilt from the store
    after a rebalance. Publishing is separate (:meth:`take_dirty`), so that a
    burst of lines for one KAM produces one queue, not one per line.
    """

    def __init__(self, store: MutableMapping[str, Any]) -> None:
        self.store = store
        self.lines: dict[str, dict[str, QueueLine]] = {}
        self.as_of: dict[str, datetime] = {}
        self._dirty: set[str] = set()

    def apply(self, lines: Iterable[QueueLine]) -> None:
        """Take queue lines (newest ``as_of`` per line wins; ``present=False`` removes)."""
        for line in lines:
            kam_lines = self.lines.setdefault(line.kam_id, {})
            held = kam_lines.get(line.account_id)
            if held is not None and held.as_of > line.as_of:
                continue  # a late, older line must not undo a newer one
            key = line_key(line.kam_id, line.account_id)
            if line.present:
                kam_lines[line.account_id] = line
                self.store[key] = line.model_dump(mode="json")
            elif held is not None:
                del kam_lines[line.account_id]
                del self.store[key]
            previous = self.as_of.get(line.kam_id)
            self.as_of[line.kam_id] = max(previous, line.as_of) if previous else line.as_of
            self._dirty.add(line.kam_id)

    def take_dirty(self) -> list[KamQueue]:
        """The ranked queues of the KAMs changed since the last call."""
        dirty, self._dirty = sorted(self._dirty), set()
        return [rank(k, self.lines.get(k, {}), self.as_of[k]) for k in dirty if k in self.as_of]

    def rebuild(self, owns: Callable[[str], bool]) -> int:
        """Reload the lines of the KAMs ``owns`` accepts; all of them count as changed."""
        self.lines.clear()
        self.as_of.clear()
        for key, raw in list(self.store.items()):
            if raw and owns(kam_of_line(key)):
                line = QueueLine.model_validate(raw)
                self.lines.setdefault(line.kam_id, {})[line.account_id] = line
                previous = self.as_of.get(line.kam_id)
                self.as_of[line.kam_id] = max(previous, line.as_of) if previous else line.as_of
        self._dirty = set(self.as_of)
        return sum(len(v) for v in self.lines.values())
