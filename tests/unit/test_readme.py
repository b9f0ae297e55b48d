"""The README says what the code does: configuration variables, commands, set-up commands."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from services.cli import _parser
from services.settings import env_variable_names

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.M | re.S)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_configuration_table_lists_exactly_the_settings_variables() -> None:
    rows = set(re.findall(r"^\| `(KEYPULSE_[A-Z_]+)` \|", _section("Configuration"), re.M))
    assert rows == env_variable_names()


def test_commands_table_lists_every_subcommand_and_no_other() -> None:
    listed = set(re.findall(r"^\| `keypulse (\w+)", _section("Commands"), re.M))
    assert listed == set(_subparsers())


def test_commands_table_names_only_options_the_parser_knows() -> None:
    subparsers = _subparsers()
    for command, usage in re.findall(r"^\| `keypulse (\w+)([^`]*)`", _section("Commands"), re.M):
        known = {opt for action in subparsers[command]._actions for opt in action.option_strings}
        for option in re.findall(r"--[a-z-]+", usage):
            assert option in known, f"README: keypulse {command} {option} does not exist"


def test_the_two_setup_commands_are_make_targets() -> None:
    setup = _section("Two commands on a fresh machine")
    assert "make run" in setup
    assert "make test" in setup
    makefile = (ROOT / "Makefile").read_text()
    run = re.search(r"^run:.*\n\t(.+)$", makefile, re.M)
    test = re.search(r"^test:.*\n\t(.+)$", makefile, re.M)
    assert run
    assert "keypulse up" in run.group(1)
    assert test
    assert "pytest" in test.group(1)
    assert re.search(r"^test: lint$", makefile, re.M), "make test must run ruff and mypy first"
    ci = (ROOT / ".ci" / "run").read_text()
    assert ci.rstrip().splitlines()[-1] == "make test"


def _package_folders() -> set[str]:
    return {
        f"{init.parent.relative_to(ROOT).as_posix()}/"
        for top in ("schemas", "consumers", "services")
        for init in (ROOT / top).rglob("__init__.py")
    }


def _mapped_folders(text: str) -> set[str]:
    return set(re.findall(r"^\| `((?:schemas|consumers|services)/[^`]*)` \|", text, re.M))


def test_the_architecture_maps_name_every_package_folder_and_no_other() -> None:
    folders = _package_folders()
    assert _mapped_folders(_section("Architecture")) == folders
    architecture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert _mapped_folders(architecture) == folders


def test_no_reference_points_at_design_briefs_outside_the_repository() -> None:
    for path in [*ROOT.glob("*.md"), *(ROOT / "docs").glob("*.md")] + [
        p
        for top in ("schemas", "consumers", "services", "tests")
        for p in (ROOT / top).rglob("*.py")
    ]:
        text = path.read_text(encoding="utf-8")
        for brief in ("DESIGN" + ".md", "CONTRACT" + ".md"):
            assert brief not in text, f"{path.relative_to(ROOT)} refers to {brief}"
