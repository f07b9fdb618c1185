"""Admission: how many API requests work at once, and how many of them one tenant may have.

A request at work may hold one pooled database connection across several hops to the worker
threads (dependencies, the endpoint, the commit). Unbounded, a burst checked out every
connection, then filled the worker threads with requests waiting for a connection, while the
requests holding the connections waited for a thread to finish on: nothing moved until the
pool's 30 s timeout answered 500, and every tenant waited (issue 14). Admission bounds the
requests at work to ``request_slots`` — fewer than the pool's connections and the worker
threads, so neither is ever waited for — and one tenant's to ``tenant_request_slots``.

The others wait on the event loop, holding neither a thread nor a connection, for at most
``request_queue_seconds``; a tenant with ``tenant_request_queue`` requests waiting already is
refused at once. Both refusals are 503 problems with ``Retry-After``. A freed slot goes to the
waiting tenant with the fewest requests at work (the longest waiting among equals), so one
tenant's burst leaves any other tenant's request a slot within about one request's time.

On SQLite one transaction writes at a time, and a writer waiting for the lock polls it with
growing sleeps, so a newcomer takes it before one that has waited long: under a burst of
credit scores another tenant's score waited 3-5 s. Writing requests there also take the one
write turn once they have their slot, handed out in turn between the tenants waiting for it.

The tenant is known before authentication only from tenancy's cache of keys authenticated
before (a hint for sharing, never for authorising); keys not seen yet share one lane.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from finbrain.core.errors import OverloadedError
from finbrain.core.settings import Settings

RETRY_AFTER_S = 1.0  # slots free within milliseconds; a second is the header's finest unit
UNVERIFIED = "?"  # the lane of keys not authenticated yet (and of requests without one)


@dataclass(eq=False)
class _Waiter:
    lane: str
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None] = field(repr=False)
    granted: bool = False


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Slots:
    """``slots`` turns shared fairly between lanes (tenants), at most ``per_lane`` each.

    Thread-safe and loop-agnostic: ``enter`` awaits a future made on the caller's own loop
    and ``leave`` may run anywhere (tests run several applications on their own loops).
    """

    def __init__(self, slots: int, per_lane: int, wait_seconds: float, queue_per_lane: int):
        if not 1 <= per_lane <= slots:
            raise ValueError("need 1 <= per_lane <= slots")
        self.slots = slots
        self.per_lane = per_lane
        self.wait_seconds = wait_seconds
        self.queue_per_lane = queue_per_lane
        self._lock = threading.Lock()
        self._working = 0
        self._lanes: dict[str, int] = {}  # requests at work per lane (absent: none)
        self._queues: dict[str, deque[_Waiter]] = {}  # lanes with waiters, longest waiting first

    def working(self, lane: str | None = None) -> int:
        with self._lock:
            return self._working if lane is None else self._lanes.get(lane, 0)

    def waiting(self, lane: str) -> int:
        with self._lock:
            queue = self._queues.get(lane)
            return len(queue) if queue else 0

    async def enter(self, lane: str, wait_seconds: float | None = None) -> None:
        """Take a slot for ``lane``, waiting for one on the event loop if need be (at most
        ``wait_seconds``, by default the configured wait); 503 (``OverloadedError``) if the
        lane's queue is full or no slot came in time."""
        wait = self.wait_seconds if wait_seconds is None else max(0.0, wait_seconds)
        loop = asyncio.get_running_loop()
        with self._lock:
            if lane not in self._queues and self._free_for(lane):
                self._take(lane)
                return
            queue = self._queues.get(lane)
            if (len(queue) if queue else 0) >= self.queue_per_lane:
                raise OverloadedError(
                    retry_after=RETRY_AFTER_S,
                    rule="tenant_request_queue",
                    queue=self.queue_per_lane,
                )
            waiter = _Waiter(lane, loop, loop.create_future())
            self._queues.setdefault(lane, deque()).append(waiter)
        try:
            async with asyncio.timeout(wait):
                await waiter.future
        except BaseException as exc:
            with self._lock:
                granted = waiter.granted
                if not granted:
                    self._unqueue(waiter)
            if granted and isinstance(exc, TimeoutError):
                return  # the slot came as the time ran out: it is ours
            if granted:
                self.leave(lane)  # cancelled (the client left) after the slot was given
            if isinstance(exc, TimeoutError):
                raise OverloadedError(
                    retry_after=RETRY_AFTER_S,
                    rule="request_queue_seconds",
                    seconds=self.wait_seconds,
                ) from None
            raise

    def leave(self, lane: str) -> None:
        """Give back the slot ``enter`` gave ``lane``; the next waiter gets it."""
        with self._lock:
            self._working -= 1
            left = self._lanes[lane] - 1
            if left:
                self._lanes[lane] = left
            else:
                del self._lanes[lane]
            self._dispatch()

    # -- under the lock --------------------------------------------------------------------------
    def _free_for(self, lane: str) -> bool:
        return self._working < self.slots and self._lanes.get(lane, 0) < self.per_lane

    def _take(self, lane: str) -> None:
        self._working += 1
        self._lanes[lane] = self._lanes.get(lane, 0) + 1

    def _unqueue(self, waiter: _Waiter) -> None:
        queue = self._queues.get(waiter.lane)
        if queue is None:
            return
        try:
            queue.remove(waiter)
        except ValueError:
            return
        if not queue:
            del self._queues[waiter.lane]

    def _dispatch(self) -> None:
        """Hand free slots to waiters: each to the lane with the fewest at work."""
        while self._working < self.slots and self._queues:
            best: str | None = None
            for lane in self._queues:  # dict order: the lane waiting longest first
                at_work = self._lanes.get(lane, 0)
                if at_work < self.per_lane and (best is None or at_work < self._lanes.get(best, 0)):
                    best = lane
            if best is None:
                return  # every waiting lane is at its own limit
            queue = self._queues.pop(best)
            waiter = queue.popleft()
            if queue:
                self._queues[best] = queue  # back of the order: the others' turn first
            self._take(best)
            waiter.granted = True
            try:
                if _running_loop() is waiter.loop:
                    waiter.loop.call_soon(_wake, waiter.future)
                else:
                    waiter.loop.call_soon_threadsafe(_wake, waiter.future)
            except RuntimeError:  # its loop is closed: nobody is waiting any more
                waiter.granted = False
                self._working -= 1
                self._lanes[best] -= 1
                if not self._lanes[best]:
                    del self._lanes[best]


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Admission:
    """The request slots, and on SQLite the one write turn (see the module's docstring)."""

    def __init__(self, requests: Slots, writes: Slots | None = None) -> None:
        self.requests = requests
        self.writes = writes

    @classmethod
    def from_settings(cls, settings: Settings) -> Admission:
        wait, queue = settings.request_queue_seconds, settings.tenant_request_queue
        requests = Slots(settings.request_slots, settings.tenant_request_slots, wait, queue)
        return cls(requests, None if settings.is_postgres else Slots(1, 1, wait, queue))

    @asynccontextmanager
    async def turn(self, lane: str, *, writes: bool) -> AsyncIterator[None]:
        """A request slot for ``lane`` and, for a writing request on SQLite, then the write
        turn: both waited for within the one budget, both given back on the way out. (In this
        order the one turn is held only by a request that is ready to write.)"""
        deadline = time.monotonic() + self.requests.wait_seconds
        await self.requests.enter(lane)
        try:
            if writes and self.writes is not None:
                await self.writes.enter(lane, deadline - time.monotonic())
                try:
                    yield
                finally:
                    self.writes.leave(lane)
            else:
                yield
        finally:
            self.requests.leave(lane)
