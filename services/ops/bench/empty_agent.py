"""A Faust app whose agent does nothing: the framework's own ceiling (bench phase b).

    python -m services.ops.bench.empty_agent BOOTSTRAP COUNT TOPIC [TOPIC ...]

Prints one JSON line with the seconds from the first to the last event and
exits once COUNT events were seen.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import uuid
from typing import Any

import faust

from services.broker.clients import faust_broker_config
from services.settings import Settings


def main() -> None:
    """Run the empty agent until COUNT events arrived."""
    bootstrap, count, topics = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    port = int(bootstrap.rsplit(":", 1)[1])
    settings = Settings(embedded_broker_port=port)
    app = faust.App(
        f"keypulse-bench-empty-{uuid.uuid4().hex[:6]}",
        datadir=tempfile.mkdtemp(prefix="keypulse-bench-empty-"),
        web_enabled=False,
        **faust_broker_config(settings),
    )
    source = app.topic(*topics, value_type=bytes, value_serializer="raw")
    seen = {"n": 0, "first": 0.0}

    @app.agent(source)
    async def empty(stream: faust.StreamT[Any]) -> None:
        async for _ in stream:
            if seen["n"] == 0:
                seen["first"] = time.perf_counter()
            seen["n"] += 1
            if seen["n"] == count:
                elapsed = time.perf_counter() - seen["first"]
                print(json.dumps({"events": count, "seconds": elapsed}), flush=True)
                os._exit(0)  # the measurement is done; skip Faust's slow shutdown

    from faust.worker import Worker

    Worker(app, loglevel="WARNING", quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main()
