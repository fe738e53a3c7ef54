"""A tiny observer hub for the Qt-free models.

Models tell their observers about changes through plain callbacks; the Qt widgets turn those
callbacks into repaints in one place each. An event fires only when the value really changes,
so a widget writing a value back never starts a loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Observer = Callable[[str, Any], None]


class Observable:
    """Holds observers and tells them ``(event, value)``; unsubscribing is the returned callable."""

    def __init__(self) -> None:
        self._observers: list[Observer] = []

    def subscribe(self, callback: Observer) -> Callable[[], None]:
        """Call ``callback(event, value)`` on every change; returns a function that unsubscribes."""
        self._observers.append(callback)

        def unsubscribe() -> None:
            if callback in self._observers:
                self._observers.remove(callback)

        return unsubscribe

    def emit(self, event: str, value: Any = None) -> None:
        """Tell every observer; an observer that raises does not stop the others being told."""
        for cb in list(self._observers):
            cb(event, value)
