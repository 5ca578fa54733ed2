"""A blocking engine stream (logs, stats) read on a thread of its own and handed to the event loop
in batches, with a bounded buffer between them.

The buffer is the flow control: when whoever takes batches falls behind (the browser is slow, or
paused), the buffer fills, the reading thread stops reading, and the engine holds the rest. Items
reach the loop without a call per item, so a container writing tens of thousands of lines a
second costs tens of wake-ups a second, not tens of thousands.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

__all__ = ["Pump"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class Pump(Generic[T]):
    """Start with start(source) on the loop; take() batches until it returns None (the source ended).

    `source` is an iterable of lists of items that a `close()` makes end when it is blocked
    (engine.logs.LogStream, say). `weight(item)` is what an item counts against `limit`.
    """

    def __init__(self, limit: int, weight: Callable[[T], int] = lambda item: 1, name: str = "pump"):
        self.limit = limit
        self.weight = weight
        self.name = name
        self.error: BaseException | None = None
        self._items: list[T] = []
        self._held = 0
        self._done = False
        self._stopped = False
        self._lock = threading.Condition()
        self._ready = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._source = None
        self._close: Callable[[], None] | None = None

    def start(self, source: Iterable[list[T]], close: Callable[[], None] | None = None) -> None:
        """Starts reading `source`; `close` (default: `source.close`) makes a blocked read return."""
        self._loop = asyncio.get_running_loop()
        self._source = source
        self._close = close or getattr(source, "close", None)
        threading.Thread(target=self._read, name=f"berth-{self.name}", daemon=True).start()

    def _read(self) -> None:
        try:
            for items in self._source:
                with self._lock:
                    while self._held >= self.limit and not self._stopped:
                        self._lock.wait()
                    if self._stopped:
                        break
                    was_empty = not self._items
                    self._items.extend(items)
                    self._held += sum(self.weight(item) for item in items)
                if was_empty:
                    self._wake()
        except BaseException as exc:  # handed to the loop: the stream tells its reader why it ended
            self.error = exc
        finally:
            with self._lock:
                self._done = True
            self._wake()

    def _wake(self) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed while this thread was reading
            self._loop.call_soon_threadsafe(self._ready.set)

    async def take(self, max_items: int | None = None) -> list[T] | None:
        """What has piled up (at least one item, at most `max_items`), waiting for it; None at the end."""
        while True:
            with self._lock:
                if self._items:
                    taken = self._items if max_items is None else self._items[:max_items]
                    self._items = [] if max_items is None else self._items[max_items:]
                    self._held -= sum(self.weight(item) for item in taken)
                    self._lock.notify_all()
                    return taken
                if self._done:
                    return None
                self._ready.clear()
            await self._ready.wait()

    def take_nowait(self) -> list[T]:
        """What has piled up, without waiting (perhaps nothing)."""
        with self._lock:
            taken, self._items = self._items, []
            self._held = 0
            self._lock.notify_all()
            return taken

    @property
    def held(self) -> int:
        return self._held

    def stop(self) -> None:
        """Ends the reading thread: the source is closed (a blocked read returns) and nothing more is kept."""
        with self._lock:
            self._stopped = True
            self._lock.notify_all()
        if self._close is not None:
            try:
                self._close()
            except Exception:
                log.exception("Closing the %s source failed", self.name)
