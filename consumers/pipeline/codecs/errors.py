"""The error a stored record raises when it cannot be read back."""

from __future__ import annotations


class StateFormatError(ValueError):
    """A stored account state dict cannot be read back (corrupt or from an unknown format)."""
