"""The Faust side of the stream worker: app wiring, agents, tables, batched sends, outputs, patches.

Thin by design: decode, hand to :mod:`consumers.pipeline`, send what it
returns. ``keypulse worker`` runs :func:`consumers.agents.worker.run_worker`.
"""
