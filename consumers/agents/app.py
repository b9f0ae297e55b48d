"""The Faust stream worker: ``keypulse worker`` runs it.

Faust settings keypulse relies on, and why:

* ``processing_guarantee="at_least_once"``: offsets are committed only after
  a batch was processed, and Faust flushes the producer (outputs and table
  changelogs) before it commits. Redelivery after a crash or rebalance is
  harmless because account state is a function of the *set* of events and
  outputs are diffs against what was already published (docs/architecture.md).
* ``broker_commit_every`` / ``broker_commit_interval``: Faust's defaults
  (10 000 messages / 2.8 s) — a crash replays at most that much, which the
  idempotent state absorbs.
* ``stream_wait_empty=False``: on shutdown or rebalance the worker does not
  wait for buffers to drain; unfinished work is simply redelivered.
* ``table_standby_replicas=1`` (default): a second worker keeps warm copies.
* on the embedded broker, the worker's fetch wait is cut from Faust's fixed
  1.5 s to 20 ms (consumers/agents/patches/tansu_fetch.py): Tansu does not wake a parked
  fetch when records arrive.
* records Faust fetched are never skipped: consumers/agents/patches/flow_resume.py keeps
  the ones its end-of-recovery ``flow_control.resume()`` would clear, and
  consumers/agents/patches/fetch_rewind.py seeks back over fetched records it did not
  deliver (docs/architecture.md, "The Faust patches").
* ``store="memory://"``: tables are rebuilt from their changelog topics at
  start; with the embedded broker this relies on exact end offsets, hence
  one record per batch (services/broker/clients.py).
"""

from __future__ import annotations

from typing import Any

import faust

from consumers.agents.accounts import register_account_stage
from consumers.agents.kam_queues import register_kam_stage
from consumers.agents.metrics import WorkerMetrics
from consumers.agents.patches.fetch_rewind import install as rewind_undelivered_fetches
from consumers.agents.patches.flow_resume import keep_current_generation_on_resume
from consumers.agents.patches.tansu_fetch import shorten_fetch_wait
from services.broker.clients import faust_broker_config
from services.policy_file import load_worker_policy
from services.settings import Settings

WORKER_APP_ID = "keypulse-worker"


def create_app(settings: Settings) -> faust.App:
    """Build the Faust app for ``settings`` (no connection is made here)."""
    config: dict[str, Any] = faust_broker_config(settings)
    # Two fixes of Faust's consumer that hold on every broker (not Tansu
    # quirks): records it fetched must never be skipped.
    rewind_undelivered_fetches()
    if settings.tansu_workarounds:
        shorten_fetch_wait()
    app = faust.App(
        f"{settings.topic_prefix}{WORKER_APP_ID}",
        topic_partitions=settings.topic_partitions,
        datadir=str(settings.data_dir / "worker"),
        web_host="127.0.0.1",
        web_port=settings.worker_web_port,
        web_enabled=True,
        processing_guarantee="at_least_once",
        stream_wait_empty=False,
        store="memory://",
        **config,
    )
    keep_current_generation_on_resume(app)
    policy = load_worker_policy(settings.policy_file)
    register_account_stage(app, settings, policy, WorkerMetrics())
    register_kam_stage(app, settings)
    return app
