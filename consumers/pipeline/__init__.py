"""The stream worker's logic without Faust: per-account steps, stores, indexes and codecs.

Everything here runs on plain dicts and lists, so tests drive it directly;
:mod:`consumers.agents` wraps it in Faust agents, tables and timers.
"""
