"""One-shot console messages ("Application X approved with a limit of 50,000 CNY"), kept on the
server. The console's session cookie is signed, not encrypted: whoever holds a copy can read
it, so it carries only a random id of the message, which is given once and then forgotten.

The store is this process's memory: a message lives ``ttl_seconds`` at most (the redirect that
shows it follows at once), and the oldest give way past ``capacity``. Behind a load balancer
without sticky sessions the page after a redirect may be served by another process; it then
shows no message, while the change itself is shown by the page as always.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Literal

Kind = Literal["ok", "error"]


class FlashStore:
    def __init__(
        self,
        ttl_seconds: float = 300.0,
        capacity: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.capacity = capacity
        self._clock = clock
        self._lock = threading.Lock()  # console pages run on the thread pool
        self._items: OrderedDict[str, tuple[float, Kind, str]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def put(self, kind: Kind, text: str) -> str:
        """Keep a message; its id, for the session."""
        flash_id = secrets.token_urlsafe(16)
        now = self._clock()
        with self._lock:
            self._sweep(now)
            self._items[flash_id] = (now + self.ttl_seconds, kind, text)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return flash_id

    def take(self, flash_id: str) -> dict[str, str] | None:
        """The message once, or None if it is unknown, already shown or expired."""
        with self._lock:
            item = self._items.pop(flash_id, None)
        if item is None or item[0] <= self._clock():
            return None
        return {"kind": item[1], "text": item[2]}

    def _sweep(self, now: float) -> None:
        """Drop expired messages (insertion order is expiry order: one ttl for all)."""
        while self._items:
            first = next(iter(self._items))
            if self._items[first][0] > now:
                break
            del self._items[first]
