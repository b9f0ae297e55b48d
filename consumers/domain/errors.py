"""The exception types the domain core raises."""

from __future__ import annotations


class DomainError(Exception):
    """Base class for every error raised by :mod:`consumers.domain`."""


class PolicyError(DomainError, ValueError):
    """A scoring policy (usually a TOML file) is invalid; the message says which key and why."""
