"""``evolve``: ``dataclasses.replace`` for the state's frozen records, without its overhead.

Applying one event rebuilds three or four frozen records (the account state,
a stakeholder, the account team), and ``dataclasses.replace`` looks the
fields up and runs the generated ``__init__`` on every call: 13 % of the
engine's time on the deep bench mix (issue 12). The state's records have no
``__post_init__`` and no ``init=False`` fields, so copying the instance's
field values and writing the changes over them builds the very object
``replace`` would. Only the fields are copied: the lazily built indexes an
instance keeps beside them (``consumers/domain/state.py``) are not, as with
``replace``, and ``carry_indexes`` decides which of them still hold.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

T = TypeVar("T")

_FIELDS: dict[type, tuple[tuple[str, ...], frozenset[str]]] = {}


def _field_names(cls: type) -> tuple[tuple[str, ...], frozenset[str]]:
    known = _FIELDS.get(cls)
    if known is None:
        if not is_dataclass(cls):
            raise TypeError(f"evolve() needs a dataclass instance, not {cls.__name__}")
        declared = fields(cls)
        if any(not f.init for f in declared) or hasattr(cls, "__post_init__"):
            # replace() would run __init__'s logic here; copying would skip it.
            raise TypeError(f"evolve() cannot copy {cls.__name__}: use dataclasses.replace")
        names = tuple(f.name for f in declared)
        known = _FIELDS[cls] = (names, frozenset(names))
    return known


def evolve(obj: T, **changes: Any) -> T:
    """A copy of the dataclass instance ``obj`` with ``changes``; like ``dataclasses.replace``."""
    cls = type(obj)
    names, known = _field_names(cls)
    if not known.issuperset(changes):
        unknown = ", ".join(sorted(set(changes) - known))
        raise TypeError(f"{cls.__name__} has no field {unknown}")
    source = obj.__dict__
    new = object.__new__(cls)
    target = new.__dict__
    for name in names:
        target[name] = source[name]
    target.update(changes)
    return new
