"""``keypulse broker``: only the embedded Tansu broker, in the foreground."""

from __future__ import annotations

import argparse

from services.cli.common import exit_on_sigterm
from services.settings import Settings


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run the broker until it exits or is stopped."""
    del args  # --port is already in the settings
    from services.broker.embedded import EmbeddedBroker

    exit_on_sigterm()
    broker = EmbeddedBroker(settings)
    try:
        broker.start()
        print(
            f"embedded broker ready on {broker.bootstrap_servers} "
            f"(topics: {', '.join(s.name for s in settings.topics.all_specs())})",
            flush=True,
        )
        return broker.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        broker.stop()
