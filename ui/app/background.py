"""Run slow work (file loading, SQLite, coverage) off the GUI thread and get the answer back on it.

The worker finishes by emitting a signal on a QObject that lives in the GUI thread; Qt queues
that across threads, so the callback always runs on the GUI thread and widgets stay safe.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PyQt6.QtCore import QObject, pyqtSignal


class Background(QObject):
    """``submit(fn, on_done, on_error)``: ``fn`` runs on a worker, the callbacks on the GUI thread."""

    _finished = pyqtSignal(object, object, object)

    def __init__(self, workers: int = 1, name: str = "bg", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._finished.connect(self._deliver)
        self.pending = 0

    def submit(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
               on_error: Callable[[BaseException], None] | None = None) -> Future:
        self.pending += 1
        fut = self._pool.submit(fn)
        fut.add_done_callback(lambda f: self._finished.emit(f, on_done, on_error))
        return fut

    def _deliver(self, fut: Future, on_done, on_error) -> None:
        self.pending -= 1
        if fut.cancelled():
            return
        exc = fut.exception()
        if exc is None:
            on_done(fut.result())
        elif on_error is not None:
            on_error(exc)
        else:
            raise exc

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
