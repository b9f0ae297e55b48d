"""Values derived once from an immutable object and kept on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

R = TypeVar("R")


class cached_property(Generic[R]):  # noqa: N801 - named after what it replaces
    """functools.cached_property without the lock Python 3.11 takes on a first access.

    The per-state indexes below are built on every fresh state, so the lock
    was measurable; without it two threads racing on a first access both
    compute the same value, which is harmless. Like functools' version it
    stores the value in the instance __dict__ (a frozen dataclass allows
    that), so later accesses never reach this descriptor.
    """

    def __init__(self, func: Callable[[Any], R]) -> None:
        self.func = func
        self.name = func.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> cached_property[R]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> R: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> R | cached_property[R]:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.func(obj)
        return value
