"""The API's JSON response class."""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse


class SafeJSONResponse(JSONResponse):
    """JSON with non-ASCII escaped: a lone surrogate echoed from bad input cannot fail encoding."""

    def render(self, content: Any) -> bytes:
        """Serialise ``content`` as ASCII-only JSON."""
        return json.dumps(
            content, ensure_ascii=True, allow_nan=False, separators=(",", ":")
        ).encode("ascii")
