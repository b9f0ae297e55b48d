"""The errors a stored record raises when it cannot be read back."""

from __future__ import annotations


class StateFormatError(ValueError):
    """A stored account state dict cannot be read back (corrupt or from an unknown format)."""


class RecordFormatError(StateFormatError):
    """A stored account record's bytes cannot be read back (not compressed JSON nor JSON)."""
