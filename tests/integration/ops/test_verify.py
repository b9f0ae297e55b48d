"""``keypulse verify`` on the real embedded broker, on SQLite and PostgreSQL.

The worker and the sink fill the read models from a scripted history; verify
then finds them equal to its replay, finds a row changed by hand, writes
nothing, and exits 2 with a reason when the database or the broker is not there.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from kafka import KafkaAdminClient

from schemas import validate_event
from schemas.events import BaseEvent
from services.ops.process import free_port
from services.read_models import create_engine_for, ensure_schema
from services.settings import Settings
from tests.support.histories import portfolio_history
from tests.support.oracle import differences, read_models
from tests.support.processes import run_cli
from tests.support.stack import PipelineStack, read_model_engine, running_stack
from tests.support.waiting import wait_for

HISTORY = portfolio_history(seed=11, accounts=8)
EVENTS: list[BaseEvent] = [validate_event(e) for e in HISTORY]
#: Records the worker dead-letters and verify counts as invalid.
INVALID = [("orders", b"acct-00", b"not json"), ("contacts", b"acct-01", b'{"type": "nope"}')]


@pytest.fixture
def stack(
    broker_settings: Settings, isolated_database_url: str, tmp_path: Path
) -> Iterator[PipelineStack]:
    with running_stack(broker_settings, isolated_database_url, tmp_path, clock="event") as running:
        yield running


@pytest.fixture
def engine(stack: PipelineStack) -> Iterator[sa.Engine]:
    with read_model_engine(stack.database_url) as eng:
        yield eng


def wait_until_read_models_match(stack: PipelineStack, engine: sa.Engine) -> None:
    last: list[str] = []

    def matches() -> bool:
        for name, proc in stack.procs.items():
            if proc.poll() is not None:
                pytest.fail(f"{name} died:\n{stack.logs(name)[-3000:]}")
        try:
            last[:] = differences(engine, EVENTS)
        except sa.exc.DBAPIError as exc:  # the sink has not created the schema yet
            last[:] = [str(exc)]
        return not last

    try:
        wait_for(matches, timeout=150, what="read models to equal the replay", interval=0.5)
    except AssertionError:
        raise AssertionError("read models differ:\n" + "\n".join(last[:20])) from None


def consumer_groups(stack: PipelineStack) -> set[str]:
    admin = KafkaAdminClient(bootstrap_servers=stack.settings.bootstrap_servers)
    try:
        return {g["group_id"] for g in admin.list_groups()}
    finally:
        admin.close()


def test_verify_finds_the_read_models_equal_then_a_changed_score(
    stack: PipelineStack, engine: sa.Engine
) -> None:
    stack.start("worker")
    stack.start("sink")
    stack.publish([*HISTORY, *INVALID])
    wait_until_read_models_match(stack, engine)

    before = read_models(engine)
    done = run_cli("verify", env=stack.env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "8 accounts checked, 0 differ" in done.stdout
    assert f"({len(HISTORY) + len(INVALID):,} events read, 2 invalid skipped)" in done.stdout
    assert "verify: reading inputs" in done.stderr  # the progress bar

    as_json = run_cli("verify", "--json", env=stack.env())
    assert as_json.returncode == 0, as_json.stdout + as_json.stderr
    result = json.loads(as_json.stdout)
    checked_points = result.pop("history_points_checked")
    assert checked_points > 0  # the history's Monday points were compared too
    assert isinstance(result.pop("history_differences"), list)  # reported, not failing
    assert result == {
        "accounts_checked": 8,
        "accounts_differing": 0,
        "events_read": len(HISTORY) + len(INVALID),
        "invalid_skipped": 2,
        "differences": [],
    }
    assert read_models(engine) == before  # it wrote nothing

    stack.stop()
    groups = consumer_groups(stack)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE account_health SET score = score + 7 WHERE account_id = 'acct-03'")
        )
        score = conn.execute(
            sa.text("SELECT score FROM account_health WHERE account_id = 'acct-03'")
        ).scalar_one()
    changed = run_cli("verify", env=stack.env())
    assert changed.returncode == 1, changed.stdout + changed.stderr
    assert "8 accounts checked, 1 differ" in changed.stdout
    assert f"acct-03 score: read model {score}, replay " in changed.stdout, changed.stdout
    as_json = run_cli("verify", "--json", env=stack.env())
    assert as_json.returncode == 1
    assert consumer_groups(stack) == groups  # it joined no group and committed nothing
    (difference,) = json.loads(as_json.stdout)["differences"]
    assert difference == {
        "account_id": "acct-03",
        "field": "score",
        "read_model": score,
        "replay": pytest.approx(score - 7),
    }


def _env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYPULSE_")}
    env.update(KEYPULSE_DATA_DIR=str(tmp_path / "data"), **settings)
    return env


def _assert_cannot_run(done: subprocess.CompletedProcess[str], *reason: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "keypulse verify: cannot verify: " in done.stderr
    for part in reason:
        assert part in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_verify_cannot_run_without_a_reachable_database(
    broker_settings: Settings, tmp_path: Path
) -> None:
    env = _env(
        tmp_path,
        KEYPULSE_BROKER=broker_settings.bootstrap_servers,
        KEYPULSE_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/test",
    )
    _assert_cannot_run(run_cli("verify", env=env), "read-model database unavailable", "port 1")


def test_verify_creates_no_sqlite_file_and_refuses_one_without_the_schema(
    broker_settings: Settings, tmp_path: Path
) -> None:
    missing = tmp_path / "db" / "nothing.db"
    env = _env(tmp_path, KEYPULSE_DATABASE_URL=f"sqlite:///{missing}")
    _assert_cannot_run(run_cli("verify", env=env), "does not exist", str(missing))
    assert not missing.parent.exists()

    empty = tmp_path / "empty.db"
    sa.create_engine(f"sqlite:///{empty}").connect().close()
    env = _env(tmp_path, KEYPULSE_DATABASE_URL=f"sqlite:///{empty}")
    _assert_cannot_run(run_cli("verify", env=env), "no keypulse schema")


@pytest.fixture
def schema_only_sqlite(sqlite_url: str) -> str:
    engine = create_engine_for(sqlite_url)
    try:
        ensure_schema(engine)
    finally:
        engine.dispose()
    return sqlite_url


def test_verify_cannot_run_without_a_broker(schema_only_sqlite: str, tmp_path: Path) -> None:
    closed = f"127.0.0.1:{free_port()}"
    env = _env(tmp_path, KEYPULSE_BROKER=closed, KEYPULSE_DATABASE_URL=schema_only_sqlite)
    done = run_cli("verify", "--timeout", "1", env=env, timeout=30)
    _assert_cannot_run(done, f"Kafka broker at {closed} did not answer")


def test_verify_names_a_missing_input_topic(
    broker_settings: Settings, schema_only_sqlite: str, tmp_path: Path
) -> None:
    env = _env(
        tmp_path,
        KEYPULSE_BROKER=broker_settings.bootstrap_servers,
        KEYPULSE_BROKER_QUIRKS="tansu",
        KEYPULSE_TOPIC_PREFIX="no-such-prefix.",
        KEYPULSE_DATABASE_URL=schema_only_sqlite,
    )
    _assert_cannot_run(
        run_cli("verify", env=env), "input topic 'no-such-prefix.accounts' does not exist"
    )
