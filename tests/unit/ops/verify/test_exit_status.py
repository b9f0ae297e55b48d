"""``keypulse verify``'s exit status: exact parts always count, history points only when strict."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from services.ops.verify import command
from services.ops.verify.command import EXIT_DIFFERENT, EXIT_EQUAL, VerifyResult, run_verify
from services.ops.verify.compare import Difference
from services.settings import Settings

POINT = datetime(2026, 2, 2, tzinfo=UTC).isoformat()
HISTORY = [
    Difference("acct-05", f"history[{POINT}].score", 63.7, 88.1),
    Difference("acct-05", f"history[{POINT}].band", "watch", "healthy"),
]


def _run(
    monkeypatch: pytest.MonkeyPatch, result: VerifyResult, *, strict: bool = False
) -> tuple[int, str]:
    monkeypatch.setattr(command, "verify", lambda *a, **k: result)
    out = io.StringIO()
    status = run_verify(
        Settings(), as_json=False, timeout=1.0, out=out, err=io.StringIO(), strict_history=strict
    )
    return status, out.getvalue()


def test_history_points_alone_are_reported_but_do_not_fail(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = VerifyResult(8, 0, 254, 2, [], history_points_checked=120, history_differences=HISTORY)
    status, out = _run(monkeypatch, result)
    assert status == EXIT_EQUAL
    assert "8 accounts checked, 0 differ" in out
    assert "history: 1 of 120 points differ from the replay" in out  # one point, two fields
    assert f"acct-05 history[{POINT}].score: read model 63.7, replay 88.1" in out
    strict, _ = _run(monkeypatch, result, strict=True)
    assert strict == EXIT_DIFFERENT


def test_an_exact_part_that_differs_always_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    score = Difference("acct-01", "score", 50.0, 60.0)
    result = VerifyResult(8, 1, 254, 2, [score], history_points_checked=120)
    status, out = _run(monkeypatch, result)
    assert status == EXIT_DIFFERENT
    assert "history: 0 of 120 points differ" in out
