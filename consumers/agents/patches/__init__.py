"""Fixes of Faust's consumer that keypulse installs when it builds the worker app.

Each patches internals of faust-streaming 0.15.x, mode-streaming 0.7.x or
aiokafka 0.14.x (pinned in pyproject.toml) and refuses to install when those
internals are gone. See docs/architecture.md, "The Faust patches".
"""
