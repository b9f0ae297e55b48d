"""The keypulse command line: help for every command, clear configuration errors."""

from __future__ import annotations

import pytest

from services.cli import main

COMMANDS = ["up", "worker", "sink", "api", "simulate", "lag", "broker"]


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
