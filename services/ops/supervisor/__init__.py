"""``keypulse up``: the whole stack on one machine as supervised child processes.

* :mod:`.stack` — the supervisor: start in order, watch, stop in reverse order.
* :mod:`.children` — one child process, its log file and the tail of its output.
* :mod:`.tokens` — API tokens minted when ``KEYPULSE_API_KEYS`` is empty.
* :mod:`.banner` — what is printed once everything runs.
"""

from services.ops.supervisor.stack import Supervisor, up

__all__ = ["Supervisor", "up"]
