"""Output shapes for the worker and the API, and the no-I/O rule."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import consumers.domain
from consumers.domain.alerts import from_record, open_alerts_for, to_record
from consumers.domain.apply import apply, fold_events
from consumers.domain.evaluate import evaluate, snapshot_changed, to_snapshot
from consumers.domain.policy import DEFAULT_POLICY
from consumers.domain.warmth import stakeholder_views

pytestmark = pytest.mark.unit


def test_alert_records_round_trip_for_the_workers_open_alert_table(ev: Any) -> None:
    state = fold_events("acme", [ev.account(0), ev.ticket(1, "T-1", "P1", "Line down")])
    alerts = open_alerts_for(evaluate(state, ev.at(2)))
    assert alerts
    for alert in alerts:
        record = to_record(alert)
        assert record.kam_id == "kam-anna"
        assert from_record(record) == alert
        assert from_record(type(record).model_validate_json(record.model_dump_json())) == alert


def test_snapshot_is_republished_only_when_something_but_the_clock_changes(ev: Any) -> None:
    state = fold_events("acme", [ev.account(0), ev.ticket(1, "T-1", "P3")])
    first = to_snapshot(evaluate(state, ev.at(2)))
    same = to_snapshot(evaluate(state, ev.at(2) + (ev.at(0.0001) - ev.at(0))))
    assert not snapshot_changed(first, same)
    state = apply(state, ev.resolve(3, "T-1"))
    assert snapshot_changed(first, to_snapshot(evaluate(state, ev.at(3))))
    assert snapshot_changed(None, first)


def test_stakeholder_list_shows_status_last_contact_and_warmth(ev: Any) -> None:
    state = fold_events("acme", [*ev.healthy_account(), ev.left(125, "dev")])
    views = {
        v.stakeholder_id: v
        for v in stakeholder_views(list(state.stakeholders.values()), ev.at(126), DEFAULT_POLICY)
    }
    assert views["dev"].status == "left"
    assert views["anna"].status == "active"
    assert views["anna"].last_contact == ev.at(120)
    assert 0.8 < views["anna"].warmth < 1.0  # met 6 days ago
    assert views["dev"].warmth < views["anna"].warmth


def test_the_domain_imports_no_framework_or_database() -> None:
    forbidden = {"faust", "sqlalchemy", "fastapi", "aiokafka", "kafka", "mode"}
    package = Path(consumers.domain.__file__).parent
    for source in package.rglob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in forbidden, f"{source.name} imports {name}"


def test_importing_the_domain_loads_no_framework_or_database_even_indirectly() -> None:
    """The AST check above sees only the domain's own imports; this one what they pull in."""
    forbidden = ("faust", "sqlalchemy", "fastapi", "starlette", "aiokafka", "kafka", "mode")
    package = Path(consumers.domain.__file__).parent
    modules = sorted(
        ".".join(("consumers", *p.relative_to(package.parent).with_suffix("").parts))
        for p in package.rglob("*.py")
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"bad = sorted({{n.split('.')[0] for n in sys.modules}} & set({forbidden!r}))\n"
        "print(','.join(bad))\n"
    )
    root = package.parent.parent
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "", f"importing the domain loads {out.stdout.strip()}"


def test_the_domain_reads_no_file_clock_or_randomness_and_prints_nothing() -> None:
    """Pure means no I/O at all: the time is always a parameter, output is a return value."""
    calls = {"print", "open", "input", "exec", "eval", "breakpoint"}
    clock = {"now", "utcnow", "today", "fromtimestamp", "time", "monotonic", "perf_counter"}
    package = Path(consumers.domain.__file__).parent
    for source in package.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if not isinstance(node, ast.Call):
                continue
            if isinstance(node.func, ast.Name):
                assert node.func.id not in calls, (
                    f"{source.name}:{node.lineno} calls {node.func.id}"
                )
            if isinstance(node.func, ast.Attribute):
                what = f"{source.name}:{node.lineno} reads the clock ({node.func.attr})"
                assert node.func.attr not in clock, what
