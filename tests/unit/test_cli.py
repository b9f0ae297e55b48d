"""The keypulse command line: help for every command, clear configuration errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.cli import main

COMMANDS = [
    "up",
    "worker",
    "sink",
    "api",
    "simulate",
    "publish",
    "lag",
    "broker",
    "bench",
    "verify",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    assert f"keypulse {command}" in text
    assert "KEYPULSE_" in text


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for command in COMMANDS:
        assert command in text


def test_invalid_configuration_is_reported_not_raised(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KEYPULSE_CLOCK", "lunar")
    assert main(["lag"]) == 2
    assert "invalid configuration" in capsys.readouterr().err


def test_up_help_explains_no_demo(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["up", "--help"])
    assert "--no-demo" in capsys.readouterr().out


def test_verify_help_lists_json_timeout_and_exit_statuses(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["verify", "--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--json" in text
    assert "--timeout" in text
    assert "0 nothing differs, 1 something does, 2 verify cannot run" in text


def test_verify_refuses_a_timeout_of_zero_before_connecting(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["verify", "--timeout", "0"]) == 2
    assert "keypulse verify: --timeout must be > 0" in capsys.readouterr().err


def _simulate_to_file(path: Path, *args: str) -> int:
    return main(["simulate", "--to-file", str(path), *args])


def test_simulate_to_file_is_a_function_of_seed_days_and_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    end = "2026-03-01T00:00:00Z"
    files = {name: tmp_path / f"{name}.jsonl" for name in ("a", "same", "seed", "days", "end")}
    assert _simulate_to_file(files["a"], "--seed=3", "--days=20", f"--end={end}") == 0
    assert _simulate_to_file(files["same"], "--seed=3", "--days=20", f"--end={end}") == 0
    assert _simulate_to_file(files["seed"], "--seed=4", "--days=20", f"--end={end}") == 0
    assert _simulate_to_file(files["days"], "--seed=3", "--days=10", f"--end={end}") == 0
    assert _simulate_to_file(files["end"], "--seed=3", "--days=20", "--end=2026-02-01T00:00Z") == 0
    text = {name: path.read_bytes() for name, path in files.items()}
    assert text["a"] == text["same"]
    assert len({text[n] for n in ("a", "seed", "days", "end")}) == 4
    events = [json.loads(line) for line in text["a"].splitlines()]
    assert f"wrote {len(events)} events" in capsys.readouterr().out
    stamps = sorted(e["occurred_at"] for e in events)
    assert stamps[0][:10] >= "2026-02-09"
    assert stamps[-1] <= "2026-03-01T00:00:00Z"
    days = [json.loads(line)["occurred_at"][:10] for line in text["days"].splitlines()]
    assert min(days) >= "2026-02-19"


@pytest.mark.parametrize(
    "args",
    [
        ["--to-file", "x.jsonl", "--end", "2026-03-01T00:00:00"],  # no offset
        ["--to-file", "x.jsonl", "--end", "yesterday"],
        ["--to-file", "x.jsonl", "--days", "0"],
        ["--speed", "0"],
        ["--live-days", "200"],
    ],
)
def test_simulate_refuses_bad_arguments_before_doing_anything(
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["simulate", *args]) == 2
    assert "keypulse simulate: " in capsys.readouterr().err
    assert not (tmp_path / "x.jsonl").exists()


def test_publish_of_a_missing_file_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["publish", str(tmp_path / "nope.jsonl")]) == 1
    err = capsys.readouterr().err
    assert "keypulse publish: cannot read" in err
    assert "nope.jsonl" in err
