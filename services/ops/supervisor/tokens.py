"""API tokens minted for a local stack that was started without ``KEYPULSE_API_KEYS``."""

from __future__ import annotations

import secrets
from collections.abc import Sequence


def demo_tokens(kam_ids: Sequence[str] = ()) -> dict[str, dict[str, str]]:
    """Random tokens for a local stack started without ``KEYPULSE_API_KEYS``.

    admin, ops, ingest and lead (the KAM team lead) always; one ``kam`` token per
    id in ``kam_ids`` (the demo portfolio's KAMs) so that each KAM's view can be tried.
    """
    tokens: dict[str, dict[str, str]] = {
        secrets.token_urlsafe(24): {"role": "admin"},
        secrets.token_urlsafe(24): {"role": "ops"},
        secrets.token_urlsafe(24): {"role": "ingest"},
        secrets.token_urlsafe(24): {"role": "lead"},
    }
    for kam_id in kam_ids:
        tokens[secrets.token_urlsafe(24)] = {"role": "kam", "kam_id": kam_id}
    return tokens
