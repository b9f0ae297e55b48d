"""Bench phase (f): the generated accounts are held as the worker holds them; the figure's sums."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from consumers.pipeline import step_engine
from consumers.pipeline.account_processor import AccountProcessor
from consumers.pipeline.clock import EventClock
from consumers.pipeline.codecs.record import (
    segment_texts,
    stored_dict_from_bytes,
    stored_from_bytes,
    stored_to_bytes,
)
from schemas import validate_event
from schemas.events import BaseEvent
from services.ops.bench.deep_mix import DEEP_START, DeepMix, deep_account_events
from services.ops.bench.memory import (
    MemoryFigure,
    account_copy,
    account_ids,
    copy_store,
    measure,
    memory_per_account,
    proc_kb,
    template_stored,
    templates,
    warm,
)
from services.ops.bench.run import BenchConfig
from services.ops.bench.workloads import pipeline_mix


def kind(event: BaseEvent) -> str:
    """The event's ``type`` tag (declared per model, not on BaseEvent)."""
    return str(type(event).model_fields["type"].default)


def test_proc_kb_reads_the_named_line(tmp_path: Path) -> None:
    status = tmp_path / "status"
    status.write_text("Name:\tpython\nVmPeak:\t  9000 kB\nVmRSS:\t  1234 kB\n")
    assert proc_kb(status, "VmRSS") == 1234
    with pytest.raises(RuntimeError, match="no MemAvailable"):
        proc_kb(status, "MemAvailable")


def test_a_template_is_its_history_stepped_event_by_event() -> None:
    history = list(deep_account_events("mem-0000001", 30))
    stored = template_stored("mem-0000001", 30, 150.0, 12)
    kinds = Counter(kind(e) for e in history)
    assert stored.state.latest_at == history[-1].occurred_at
    assert len(stored.state.tickets) == kinds["ticket.opened"]
    assert len(stored.state.orders) == kinds["order.placed"]
    assert stored.evaluated_at == history[-1].occurred_at


def test_a_copy_is_the_template_under_the_new_id_everywhere() -> None:
    [(template_id, template)] = templates(1, 30, 150.0)
    copy = account_copy(template, template_id, "acc-0000042")
    data = stored_dict_from_bytes(copy)
    assert template_id not in json.dumps(data)
    parsed = stored_from_bytes(copy)
    assert parsed.state.account_id == "acc-0000042"
    assert all(sid.startswith("acc-0000042-") for sid in parsed.state.stakeholders)
    original = json.dumps(stored_dict_from_bytes(template), separators=(",", ":"))
    assert len(json.dumps(data, separators=(",", ":"))) == len(original)  # ids of the same length


def test_a_copy_is_the_value_the_worker_writes_for_that_account() -> None:
    [(template_id, template)] = templates(1, 30, 150.0)
    copy = account_copy(template, template_id, "acc-0000042")
    assert isinstance(copy, bytes)
    assert copy is not template
    assert stored_to_bytes(stored_from_bytes(copy)) == copy
    assert len(copy) < len(b"".join(segment_texts(copy)))  # compressed


def test_the_processor_holds_every_account_in_table_cache_and_due_index() -> None:
    made = templates(2, 20, 150.0)
    ids = account_ids(5)
    processor = AccountProcessor(copy_store(ids, made), EventClock())
    processor.rebuild_index(owns=lambda _account: True)
    warm(processor, ids, DEEP_START + timedelta(days=151))
    assert sorted(processor.store) == ids
    assert processor.engine is not None
    held = {a: (raw, parsed) for a, raw, parsed in processor.engine.held_records()}
    assert sorted(held) == ids
    assert len(processor.due) == 5
    for account_id in ids:
        raw, parsed = held[account_id]
        assert isinstance(raw, bytes)
        assert raw is processor.store[account_id]  # the cache is valid: no reparse needed
        assert parsed.state.account_id == account_id
        assert parsed.evaluated_at == DEEP_START + timedelta(days=151)


def test_measure_reports_every_reading_of_the_accounts_asked_for() -> None:
    figure = measure(4, events=10, variants=2)
    assert figure.accounts == 4
    assert figure.events_per_account == 10
    assert figure.rss_before_kb > 0
    assert figure.rss_after_kb > 0
    assert 0 < figure.stored_bytes < figure.stored_json_bytes
    assert figure.parsed_entries == 4


def test_measure_holds_the_parsed_cache_to_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    size = len(templates(1, 10, 150.0)[0][1])
    monkeypatch.setattr(step_engine, "PARSED_CACHE_BYTES", 3 * size + size // 2)
    figure = measure(5, events=10, variants=1)
    assert figure.accounts == 5
    assert figure.parsed_entries == 3


def test_the_parsed_cache_holds_every_account_of_both_bench_mixes() -> None:
    # Beyond the cache every step would parse its record again (bench phase (e)).
    deep = DeepMix()
    deep_size = len(templates(1, deep.events_per_account, deep.days)[0][1])
    assert deep.accounts * deep_size <= step_engine.PARSED_CACHE_BYTES
    shallow = BenchConfig(out=Path("bench.json"))
    sample = 100  # accounts of the shallow mix, with its events per account
    events = pipeline_mix(sample * shallow.events // shallow.accounts, sample, DEEP_START)
    store: dict[str, Any] = {}
    AccountProcessor(store, EventClock()).handle([validate_event(e) for e in events])
    shallow_size = sum(len(raw) for raw in store.values()) / sample
    assert shallow.accounts * shallow_size <= step_engine.PARSED_CACHE_BYTES


def test_the_measurement_runs_in_a_process_of_its_own() -> None:
    figure = memory_per_account(3, events=10, variants=1)
    assert figure.accounts == 3
    assert figure.variants == 1
    assert figure.rss_before_kb > 0
    assert figure.stored_bytes > 0
    assert figure.parsed_entries == 3


def test_per_account_figures_and_the_projection() -> None:
    figure = MemoryFigure(
        accounts=1_000,
        events_per_account=120,
        variants=20,
        rss_before_kb=40_000,
        rss_table_kb=60_000,
        rss_parsed_kb=90_000,
        rss_after_kb=100_000,
        stored_json_bytes=11_000,
    )
    assert figure.kb_per_account == 60.0
    assert figure.table_kb_per_account == 20.0
    assert figure.parsed_kb_per_account == 30.0
    assert figure.projected_mb(100_000) == pytest.approx((40_000 + 6_000_000) / 1024)
    data = figure.as_json()
    assert data["kb_per_account"] == 60.0
    assert data["projected_100k_mb"] == pytest.approx(5898.4, abs=0.1)
