"""The tokens ``keypulse up`` mints for a local stack, and how the banner shows them."""

from __future__ import annotations

import json
from pathlib import Path

from services.ops.supervisor.banner import banner
from services.ops.supervisor.tokens import demo_tokens
from services.settings import Settings, parse_api_keys


def test_every_role_gets_a_token_and_each_kam_one_of_their_own() -> None:
    tokens = demo_tokens(["kam-lena", "kam-jonas"])
    roles = sorted(p["role"] for p in tokens.values())
    assert roles == ["admin", "ingest", "kam", "kam", "lead", "ops"]
    assert {p.get("kam_id") for p in tokens.values() if p["role"] == "kam"} == {
        "kam-lena",
        "kam-jonas",
    }
    # What up hands the API must parse as KEYPULSE_API_KEYS does.
    assert {p.role for p in parse_api_keys(json.dumps(tokens)).values()} == set(roles)


def test_the_banner_prints_the_lead_token(tmp_path: Path) -> None:
    tokens = demo_tokens([])
    lead = next(t for t, p in tokens.items() if p["role"] == "lead")
    settings = Settings(data_dir=tmp_path)
    text = banner(settings, "http://127.0.0.1:8000", tmp_path, tokens, demo=False)
    assert any(line.split() == ["lead", lead] for line in text.splitlines())
