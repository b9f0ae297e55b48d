"""``keypulse broker``: only the embedded Tansu broker, in the foreground."""

from __future__ import annotations

import argparse

from services.cli.common import ENV_HELP, Subcommands, exit_on_sigterm
from services.settings import Settings

NAME = "broker"


def add_parser(sub: Subcommands) -> None:
    """Declare ``keypulse broker`` and its ``--port``."""
    broker = sub.add_parser(
        NAME,
        help="run only the embedded Kafka-compatible broker (Tansu) in the foreground",
        description="Run the embedded Tansu broker on 127.0.0.1:KEYPULSE_EMBEDDED_BROKER_PORT "
        "(memory only: everything is gone when it stops), create the contract topics, and "
        "run until Ctrl-C or SIGTERM.",
        epilog=ENV_HELP,
    )
    # Read by services.cli.main into the settings (embedded_broker_port).
    broker.add_argument("--port", type=int, help="listen port (default: 19092)")


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
