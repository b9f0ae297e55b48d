"""Bench phase (f): the worker's resident memory per account, from a generated state.

    python -m services.ops.bench.memory ACCOUNTS [--variants V] [--events N] [--days D]

Prints one JSON line (a :class:`MemoryFigure`). Run in a process of its own
(:func:`memory_per_account` does that) so that nothing else lives in the
resident set it measures.

What is measured is what the worker holds per account: the value in its
account table (a memory store: a dict of the :func:`stored_to_bytes`
records, segmented compressed JSON), the parsed :class:`StoredAccount` that
the step engine caches beside it for the most recently stepped accounts (up
to ``PARSED_CACHE_BYTES`` of their values), and its due-index entry. (With
``KEYPULSE_ENGINE=process`` the cache lives in the worker's engine process
and the rest in the worker: the sum is what is measured here.) Publishing
100,000 histories is not needed for that: ``V``
template accounts are stepped through a deep-mix history event by event
with :func:`step` (as the worker steps a replayed history), and each account
is a copy of one template under its own id, its own bytes object encoded as
the worker encodes it (so no two accounts share objects, as after a
changelog recovery). The processor is filled by its own recovery
(:meth:`AccountProcessor.rebuild_index`) and then every account takes one
new touchpoint through :meth:`AccountProcessor.handle`, so that the table
holds the bytes the steps wrote and the cache the parsed records of the
last accounts stepped, with the caches of an evaluated state, as in a
running worker.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from consumers.pipeline.account_processor import AccountProcessor
from consumers.pipeline.clock import EventClock
from consumers.pipeline.codecs.record import rewrite_segments, segment_texts, stored_to_bytes
from consumers.pipeline.step import step
from consumers.pipeline.stored import StoredAccount
from services.feeds.simulator.builder import AccountEvents
from services.ops.bench.deep_mix import DEEP_START, deep_account_events

#: Account counts of the issue.
DEFAULT_ACCOUNTS = (10_000, 100_000)
#: The issue's target.
TARGET_KB_PER_ACCOUNT = 20.0
#: Accounts per call to AccountProcessor.handle while warming up (a worker's batch).
BATCH = 500


@dataclass(frozen=True)
class MemoryFigure:
    """Resident memory of ``accounts`` accounts of ``events`` events of history each."""

    accounts: int
    events_per_account: int
    variants: int
    rss_before_kb: int  # after imports and templates
    rss_table_kb: int  # + the account table's values (stored bytes)
    rss_parsed_kb: int  # + the parsed cache (bounded) and the due index
    rss_after_kb: int  # + one step of every account
    stored_json_bytes: int  # mean compact JSON size of one stored record
    stored_bytes: int = 0  # mean size of one table value (compressed; the changelog's record)
    parsed_entries: int = 0  # parsed records the cache holds at the end

    @property
    def kb_per_account(self) -> float:
        """Resident KB the accounts added, per account."""
        return (self.rss_after_kb - self.rss_before_kb) / self.accounts

    @property
    def table_kb_per_account(self) -> float:
        """Of :attr:`kb_per_account`: the table's values."""
        return (self.rss_table_kb - self.rss_before_kb) / self.accounts

    @property
    def parsed_kb_per_account(self) -> float:
        """Of :attr:`kb_per_account`: the parsed records (and due index) after recovery.

        The cache holds at most ``PARSED_CACHE_BYTES`` of values, so this
        share shrinks as the accounts grow beyond that.
        """
        return (self.rss_parsed_kb - self.rss_table_kb) / self.accounts

    def projected_mb(self, accounts: int = 100_000) -> float:
        """Resident MB of a worker holding ``accounts`` such accounts (its baseline included).

        Linear in the accounts; the parsed cache is bounded, so projected
        from fewer accounts than ``accounts`` this is an upper bound.
        """
        return (self.rss_before_kb + self.kb_per_account * accounts) / 1024

    def as_json(self) -> dict[str, Any]:
        """The figure with its derived values, for the bench's JSON."""
        return {
            **asdict(self),
            "kb_per_account": round(self.kb_per_account, 2),
            "table_kb_per_account": round(self.table_kb_per_account, 2),
            "parsed_kb_per_account": round(self.parsed_kb_per_account, 2),
            "projected_100k_mb": round(self.projected_mb(), 1),
        }


def proc_kb(path: Path, name: str) -> int:
    """The KB figure of the ``name:`` line of a /proc status file such as /proc/meminfo."""
    for line in path.read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {name} line in {path}")


def rss_kb() -> int:
    """This process's resident set size in KB (``VmRSS`` of /proc/self/status)."""
    return proc_kb(Path("/proc/self/status"), "VmRSS")


def available_kb() -> int:
    """Memory the kernel could give a new process now, in KB (``MemAvailable``)."""
    return proc_kb(Path("/proc/meminfo"), "MemAvailable")


def template_stored(account_id: str, events: int, days: float, seed: int) -> StoredAccount:
    """An account's stored record after stepping its deep history one event at a time."""
    stored: StoredAccount | None = None
    for event in deep_account_events(account_id, events, days, seed):
        stored = step(stored, account_id, [event], event.occurred_at).stored
    assert stored is not None  # a deep account has at least its master data
    return stored


def account_copy(template: bytes, template_id: str, account_id: str) -> bytes:
    """The template's table value under ``account_id``: a bytes object of its own.

    The template's id appears in the record wherever the account's id does
    (and in its stakeholder, order and ticket ids); replacing it in each
    segment's text renames all of them at once. Ids of the same length keep
    the size and the order of the pieces, so the copy is the very value the
    worker would write for that account (``encode_stored``).
    """
    old, new = template_id.encode(), account_id.encode()
    return rewrite_segments(template, lambda text: text.replace(old, new))


def templates(variants: int, events: int, days: float, seed: int = 12) -> list[tuple[str, bytes]]:
    """``variants`` template accounts: (account id, table value of the stored record) each."""
    return [
        (template_id, stored_to_bytes(template_stored(template_id, events, days, seed)))
        for template_id in (f"mem-{v:07d}" for v in range(variants))
    ]


def account_ids(accounts: int) -> list[str]:
    """The measured accounts' ids: as long as the templates' ids, so the records keep their size."""
    return [f"acc-{i:07d}" for i in range(accounts)]


def copy_store(ids: list[str], from_templates: list[tuple[str, bytes]]) -> dict[str, bytes]:
    """The account table: account ``i`` of ``ids`` is a copy of template ``i % len(templates)``."""
    store: dict[str, bytes] = {}
    for i, account_id in enumerate(ids):
        template_id, template = from_templates[i % len(from_templates)]
        store[account_id] = account_copy(template, template_id, account_id)
    return store


def warm(processor: AccountProcessor, ids: list[str], at: datetime) -> None:
    """One touchpoint at ``at`` for every account, in batches of :data:`BATCH` accounts."""
    for first in range(0, len(ids), BATCH):
        processor.handle(
            [
                AccountEvents(account_id, at, ids=lambda p: f"{p}-warm").contact(
                    0, f"{account_id}-s0", "call"
                )
                for account_id in ids[first : first + BATCH]
            ]
        )


def measure(
    accounts: int, events: int = 120, variants: int = 20, days: float = 150.0
) -> MemoryFigure:
    """Resident KB as this process comes to hold ``accounts`` accounts as the worker does.

    Read after the imports and the templates (before), once the table holds
    every account, once the processor's recovery has parsed them all (the
    parsed cache, at most ``PARSED_CACHE_BYTES`` of their values, and the due
    index), and once each account has been stepped (after; the warm-up's
    transient objects collected).
    """
    made = templates(variants, events, days)
    ids = account_ids(accounts)
    gc.collect()
    before = rss_kb()
    store = copy_store(ids, made)
    gc.collect()
    table = rss_kb()
    processor = AccountProcessor(store, EventClock())
    processor.rebuild_index(owns=lambda _account: True)
    gc.collect()
    parsed = rss_kb()
    warm(processor, ids, DEEP_START + timedelta(days=days, hours=1))
    gc.collect()
    after = rss_kb()
    return MemoryFigure(
        accounts=accounts,
        events_per_account=events,
        variants=variants,
        rss_before_kb=before,
        rss_table_kb=table,
        rss_parsed_kb=parsed,
        rss_after_kb=after,
        stored_json_bytes=sum(len(b"".join(segment_texts(raw))) for _, raw in made) // len(made),
        stored_bytes=sum(len(value) for value in store.values()) // len(store),
        parsed_entries=len(processor.engine.held_records()) if processor.engine else 0,
    )


def memory_per_account(
    accounts: int, events: int = 120, variants: int = 20, timeout: float = 1800
) -> MemoryFigure:
    """:func:`measure` in a fresh Python process: the resident set holds nothing else."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "services.ops.bench.memory",
            str(accounts),
            "--events",
            str(events),
            "--variants",
            str(variants),
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"memory measurement failed:\n{out.stderr[-2000:]}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return MemoryFigure(**{k: data[k] for k in MemoryFigure.__dataclass_fields__})


def main() -> None:
    """Measure and print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("accounts", type=int)
    parser.add_argument("--events", type=int, default=120, help="events per account (120)")
    parser.add_argument("--variants", type=int, default=20, help="template accounts (20)")
    parser.add_argument("--days", type=float, default=150.0, help="days of history (150)")
    args = parser.parse_args()
    figure = measure(args.accounts, args.events, args.variants, args.days)
    print(json.dumps(figure.as_json()), flush=True)


if __name__ == "__main__":
    main()
