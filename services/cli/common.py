"""What every ``keypulse`` command shares: the help epilog and the stop-on-SIGTERM rule."""

from __future__ import annotations

import argparse
import signal
from types import FrameType
from typing import TypeAlias

#: The epilog of every command's ``--help``.
ENV_HELP = (
    "Configuration comes from KEYPULSE_* environment variables (see README, 'Configuration')."
)

#: What ``add_subparsers`` returns; each command module adds its parser to it.
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def exit_on_sigterm() -> None:
    """Turn SIGTERM into KeyboardInterrupt so foreground commands stop cleanly."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
