"""Real-time risk on the platform: one in-process engine per tenant, a group-commit writer,
the append-only event log, snapshots, alerts and cases.

Durability before answer: an event's decision is returned only after the transaction holding
its row in ``risk_events``, its ``Decision`` and its ledger entry has committed. Events of many
concurrent requests share one transaction (group commit), which is what lets a single SQLite
file take thousands of decisions a second with ``synchronous=FULL``.

Exactly once: ``event_id`` is unique per tenant and is the event's idempotency key. A retried or
replayed event (the same id and the same event: every field equal once parsed, amounts by value
and times by instant) is answered with its stored decision and never reaches the windows again;
the same id with another event is refused (409, ``event_id``, rule ``same_body_for_same_id``)
and changes nothing, whether the first one is stored or in the same group commit. The engine's
state is a snapshot plus a replay of the log after it, so a crash between commit and memory loses
nothing: on restart the log is the truth. If a transaction fails after the engine has counted
its events, the engine is thrown away and rebuilt from the log.

Who writes: one owner at a time holds the tenant's lock. Requests served by an event loop are
staged on that loop, a group per loop turn (``_drain``), and flushed by the tenant's committer
thread while the loop serves the next requests; the tenant's writer thread takes synchronous
callers, rule and label updates, the engine's (re)loading and rebuilds. Snapshots are built by
a separate process from the log (``snapshots``). Measured on 2 cores: the hand-over of
every group to a writer thread cost 1-5 ms per database call (the interpreter lock), waiting
on each flush held the loop still most of the time, and snapshots and full garbage
collections stalled everything for 0.1-3 s.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gc
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from multiprocessing.process import BaseProcess
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finbrain.core.decision import ModelRef, utcnow
from finbrain.core.errors import FinbrainError, ValidationError
from finbrain.core.settings import Settings
from finbrain.platform.ledger import try_lock_head
from finbrain.platform.risk import engine as loading
from finbrain.platform.risk import log as event_log
from finbrain.platform.risk import snapshots
from finbrain.platform.risk.log import Answer, _answer, _fail, _named, _refuse, _settle, _Work
from finbrain.platform.risk.tables import RiskRuleSet
from finbrain.platform.store.database import Database
from finbrain.risk.engine import RiskEngine
from finbrain.risk.events import Event
from finbrain.risk.rules import RuleSet

log = logging.getLogger(__name__)
MAX_GROUP = 512  # events per group commit
DECIDE_WAIT = 30.0  # seconds a request waits for its group commit (only a stuck writer takes it)
LOCK_RETRY = 0.002  # seconds before a loop tries again for a lock it found taken (``_drain``)


class TenantRisk:
    """One tenant's engine, its writer thread and the lock that makes one owner at a time."""

    def __init__(self, db: Database, settings: Settings, tenant_id: str) -> None:
        self.db = db
        self.settings = settings
        self.tenant_id = tenant_id
        self._queue: queue.Queue[_Work | None] = queue.Queue()
        # Work brought by coroutines, written on their event loop (see ``_drain``).
        self._inbox: collections.deque[_Work] = collections.deque()
        self._draining: set[asyncio.AbstractEventLoop] = set()
        self._draining_lock = threading.Lock()
        # One owner of the engine and the writes at a time: the writer thread or a loop's drain.
        self._lock = threading.Lock()
        self._held: tuple[_Work | None] | None = None  # a stop/call met while grouping
        self._engine: RiskEngine | None = None
        self._model_ref: ModelRef | None = None
        self._challenger_ref: ModelRef | None = None
        self._since_snapshot = 0
        self._since_freeze = 0
        self._follower: BaseProcess | None = None  # the snapshot follower process, once started
        self._commits: ThreadPoolExecutor | None = None  # flushes the groups loops stage
        self._in_flight = False  # a staged group is being committed (the lock is held)
        self._waiting: set[asyncio.AbstractEventLoop] = set()  # loops that found it in flight
        self._thread = threading.Thread(
            target=self._run, name=f"risk-writer-{tenant_id[-6:]}", daemon=True
        )
        self._thread.start()

    # -- loading: snapshot + replay ------------------------------------------------------------
    def _load(self) -> RiskEngine:
        loaded = loading.load(self.db, self.settings, self.tenant_id)
        self._model_ref, self._challenger_ref = loaded.model_ref, loaded.challenger_ref
        self._since_snapshot = loaded.replayed
        return loaded.engine

    def _skew(self) -> timedelta:
        return timedelta(seconds=self.settings.risk_max_clock_skew_seconds)

    def engine(self) -> RiskEngine:
        """The live engine (loaded on first use). Only the lock's holder mutates it."""
        if self._engine is None:
            self._engine = self._load()
        return self._engine

    def loaded(self) -> bool:
        return self._engine is not None

    def invalidate(self) -> None:
        self._engine = None

    # -- the group-commit writer ---------------------------------------------------------------
    def enqueue(
        self,
        events: list[Event],
        key_id: str | None,
        request_id: str | None,
        *,
        fields: Sequence[str] | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> Future[list[Answer]]:
        """Queue ``events`` for scoring, in order; the future resolves once their decisions are
        committed (an async caller awaits it without holding a thread). A coroutine passes its
        running ``loop``: the group is then written on that loop (``_drain``). It is passed,
        never guessed: a thread may carry a loop that is not running it (Playwright's does).

        An event stamped further in the future than ``risk_max_clock_skew_seconds`` is refused
        before anything is counted, and lateness is judged against the server's clock when the
        group is staged (a key's newest event counts no later than it): a client whose clock
        runs fast cannot make anyone's payments look late. ``fields`` names each event in errors
        (``events[3].`` in a batch).
        """
        self.check_clocks(events, fields)
        work = _Work(events, key_id, request_id, fields=list(fields) if fields else None)
        self._put(work, loop)
        return work.future

    def check_clocks(self, events: Sequence[Event], fields: Sequence[str] | None = None) -> None:
        """Refuse an event stamped beyond the allowed clock skew (see ``enqueue``)."""
        limit = utcnow() + timedelta(seconds=self.settings.risk_max_clock_skew_seconds)
        for i, event in enumerate(events):
            if event.occurred_at > limit:
                prefix = fields[i] if fields else ("" if len(events) == 1 else f"events[{i}].")
                raise ValidationError(
                    field=f"{prefix}occurred_at",
                    rule="not_in_the_future",
                    max_skew_seconds=self.settings.risk_max_clock_skew_seconds,
                )

    def _put(self, work: _Work, loop: asyncio.AbstractEventLoop | None) -> None:
        if loop is None or not self.settings.risk_write_on_event_loop:
            self._queue.put(work)
            return
        self._inbox.append(work)
        # A short wait gathers more requests into the group: a commit, a ledger signature and
        # the lookups cost the same for one event as for twenty.
        self._schedule_drain(loop, self.settings.risk_group_wait_ms / 1000)

    async def decide(
        self, events: list[Event], key_id: str | None, request_id: str | None
    ) -> list[Answer]:
        """Score ``events`` from a coroutine: written on its own event loop, awaited without
        holding a thread. A request that gives up (the timeout, a cancelled task) only cancels
        its waiter: its events stay in the group, which answers the others as usual."""
        loop = asyncio.get_running_loop()
        self.check_clocks(events)
        waiter: asyncio.Future[list[Answer]] = loop.create_future()
        self._put(_Work(events, key_id, request_id, waiter=waiter), loop)
        async with asyncio.timeout(DECIDE_WAIT):
            return await waiter

    def submit(
        self,
        events: list[Event],
        key_id: str | None,
        request_id: str | None,
        timeout: float = 30.0,
        *,
        fields: Sequence[str] | None = None,
    ) -> list[Answer]:
        """Score ``events`` in order; returns once their decisions are committed."""
        return self.enqueue(events, key_id, request_id, fields=fields).result(timeout=timeout)

    def call(self, fn: Callable[[TenantRisk], Any], timeout: float = 60.0) -> Any:
        """Run ``fn(self)`` on the writer thread (rule publish, labels): no race with scoring."""
        work = _Work([], None, None, call=fn)
        self._queue.put(work)
        return work.future.result(timeout=timeout)

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)
        if self._commits is not None:
            self._commits.shutdown(wait=True)
        if self._follower is not None and self._follower.is_alive():
            self._follower.terminate()  # a snapshot it was storing is rolled back: no harm
            self._follower.join(timeout=10)

    def _next(self) -> _Work | None:
        if self._held is not None:
            held, self._held = self._held, None
            return held[0]
        return self._queue.get()

    def _schedule_drain(self, loop: asyncio.AbstractEventLoop, wait: float = 0.0) -> None:
        """Have ``loop`` drain the inbox after ``wait`` seconds, unless it will already."""
        with self._draining_lock:
            if loop in self._draining:
                return
            self._draining.add(loop)
        if wait:
            loop.call_later(wait, self._drain, loop)
        else:
            loop.call_soon(self._drain, loop)

    def _drain(self, loop: asyncio.AbstractEventLoop) -> None:
        """Stage, on the event loop itself, the work its requests queued since the last group;
        the commit (the disk flush) goes to the tenant's committer thread.

        Handing the whole group to the writer thread costs more than the writing: the two
        threads take turns on the interpreter lock, and every database call the writer makes
        gives the lock up and waits for the loop's thread to hand it back (measured: a 0.3 ms
        commit became 1-5 ms beside a busy loop). The commit alone is one such call, and the
        longest: the flush of the write-ahead log, 1-20 ms a group under load (measured: the
        loop stood still on flushes for an eighth of its time at 1,100 decisions/s). So the
        loop stages the group (assess, ledger, rows) and the committer thread flushes it while
        the loop serves the next requests; they form the next group, staged once the flush is
        done (``_committed`` drains again).

        The writer thread keeps what would stall the loop: loading the engine, rebuilding it
        after a failed group, snapshots, rule and label updates. Work that finds the engine
        unloaded goes to it; work that finds the lock taken waits in the inbox.
        """
        with self._draining_lock:
            self._draining.discard(loop)
        if not self._inbox:
            return
        if not self.loaded():
            while self._inbox:  # the writer thread loads the engine, then writes them in order
                with contextlib.suppress(IndexError):  # another loop's drain took it
                    self._queue.put(self._inbox.popleft())
            return
        if not self._lock.acquire(blocking=False):
            with self._draining_lock:
                if self._in_flight:  # its end drains this loop again (``_committed``)
                    self._waiting.add(loop)
                    return
            # The writer thread holds it, maybe for a while (a rebuild): look again shortly.
            self._schedule_drain(loop, 0.001)
            return
        group: list[_Work] = []
        size = 0
        while self._inbox and size < MAX_GROUP:
            try:
                work = self._inbox.popleft()
            except IndexError:
                break
            group.append(work)
            size += len(work.events)
        if not group:
            self._lock.release()
            return
        session = self.db.session()
        try:
            # Never wait on the loop for SQLite's write lock or the ledger's head row: the
            # holder may be a request that needs this loop to reach its commit (the loop stood
            # still for SQLite's 10 s timeout, and on PostgreSQL for good, every request with
            # it). The group goes back to the inbox; look again shortly.
            ready = self.db.try_begin_write(session)
            if ready:
                self.db.scope_tenant(session, self.tenant_id)
                ready = try_lock_head(session, self.tenant_id)
            if not ready:
                session.close()
                self._inbox.extendleft(reversed(group))
                self._lock.release()
                self._schedule_drain(loop, LOCK_RETRY)
                return
            answers = self._stage(session, group)
        except BaseException as exc:
            session.close()  # rolls back
            for rest in self._failed(group, exc):
                self._queue.put(rest)  # the writer thread rebuilds the engine, then writes them
            self._lock.release()
            if self._inbox:
                self._schedule_drain(loop)
            return
        self._in_flight = True
        self._committer().submit(self._committed, loop, group, session, answers)

    def _committed(
        self,
        loop: asyncio.AbstractEventLoop,
        group: list[_Work],
        session: Session,
        answers: list[list[Answer] | FinbrainError],
    ) -> None:
        """On the committer thread: flush a staged group, answer its requests, release the
        lock and have the loop drain what arrived meanwhile. Everything here is thread-safe
        (futures, the lock, the writer's queue), so it never waits for the loop itself: a loop
        blocked on shutting the platform down must not hold up its own last commit."""
        try:
            try:
                session.commit()
            finally:
                session.close()
        except BaseException as exc:
            self.invalidate()  # the engine counted events that are not on the log
            _answer(group, [exc] * len(group))
        else:
            _answer(group, answers)
            if self._since_snapshot >= self.settings.risk_snapshot_every:
                self._queue.put(_Work([], None, None, call=TenantRisk._maybe_snapshot))
            self._maybe_freeze()
        finally:
            with self._draining_lock:
                self._in_flight = False
                waiting, self._waiting = self._waiting | {loop}, set()
            self._lock.release()
            if self._inbox:
                for other in waiting:
                    with contextlib.suppress(RuntimeError):  # a closed loop has no one waiting
                        other.call_soon_threadsafe(self._schedule_drain, other)

    def _committer(self) -> ThreadPoolExecutor:
        if self._commits is None:
            self._commits = ThreadPoolExecutor(
                1, thread_name_prefix=f"risk-commit-{self.tenant_id[-6:]}"
            )
        return self._commits

    def _run(self) -> None:
        while True:
            first = self._next()
            if first is None:
                return
            if first.call is not None:
                with self._lock:
                    try:
                        _settle(first.future, first.call(self))
                    except BaseException as exc:
                        _fail(first.future, exc)
                continue
            group = [first]
            size = len(first.events)
            while size < MAX_GROUP:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None or nxt.call is not None:
                    self._held = (nxt,)  # handled right after this group, in order
                    break
                group.append(nxt)
                size += len(nxt.events)
            with self._lock:
                self._write(group)
                self._maybe_snapshot()
                self._maybe_freeze()

    def _write(self, group: list[_Work], *, inline: bool = False) -> None:
        """Commit a group; a request whose event the windows refuse (too late) fails alone and
        the rest is written again (by the writer thread when ``inline``: the rebuild of the
        engine must not stall an event loop)."""
        while group:
            try:
                answers = self._commit(group)
            except BaseException as exc:
                group = self._failed(group, exc)
                if inline:
                    for rest in group:
                        self._queue.put(rest)
                    return
                continue
            _answer(group, answers)
            return

    def _failed(self, group: list[_Work], exc: BaseException) -> list[_Work]:
        """A group whose transaction failed: the engine may have counted its events, so it is
        dropped (rebuilt from the log on next use). A request that brought the event the
        windows refused fails alone and the rest is returned, to be written again; any other
        failure fails them all."""
        self.invalidate()
        culprit = getattr(exc, "event_id", None)
        if isinstance(exc, FinbrainError) and exc.status < 500 and culprit is not None:
            bad = [w for w in group if any(e.event_id == culprit for e in w.events)]
            if bad:
                work = bad[0]
                index = next(i for i, e in enumerate(work.events) if e.event_id == culprit)
                _refuse(work, _named(exc, work, index))
                return [w for w in group if w is not work]
        _answer(group, [exc] * len(group))
        return []

    def _commit(self, group: Sequence[_Work]) -> list[list[Answer] | FinbrainError]:
        """One transaction for the whole group, committed by this thread."""
        with self.db.tenant(self.tenant_id) as session:
            return self._stage(session, group)

    def _stage(
        self, session: Session, group: Sequence[_Work]
    ) -> list[list[Answer] | FinbrainError]:
        """The group's work in ``session``'s transaction, short of its commit (``log.stage``)."""
        answers, fresh = event_log.stage(
            session,
            group,
            self.engine(),
            self.settings,
            self.tenant_id,
            (self._model_ref, self._challenger_ref),
        )
        self._since_snapshot += fresh
        self._since_freeze += fresh
        return answers

    def label(self, labels: Sequence[tuple[str, bool]]) -> None:
        """Feed committed labels to the engine (on the writer thread)."""

        def apply(tenant: TenantRisk) -> None:
            if tenant._engine is not None:  # not loaded: the load reads every label
                for event_id, is_fraud in labels:
                    tenant._engine.label(event_id, is_fraud)

        self.call(apply)

    def rebuild(self) -> None:
        """Throw the engine away (on the writer thread): the next event loads it again from the
        newest snapshot and the log, with the registry's champion and challenger."""
        self.call(lambda tenant: tenant.invalidate())

    def reload_rules(self) -> None:
        """Make the newest published rule set live (on the writer thread): no restart."""

        def apply(tenant: TenantRisk) -> None:
            if tenant._engine is None:
                return  # the load reads the newest rule set
            with tenant.db.tenant(tenant.tenant_id, write=False) as session:
                row = session.scalar(
                    select(RiskRuleSet).order_by(RiskRuleSet.version.desc()).limit(1)
                )
                if row is not None and row.version > tenant._engine.rulebook.current.version:
                    tenant._engine.publish(RuleSet.from_dict(row.body))

        self.call(apply)

    def _maybe_freeze(self) -> None:
        """Keep the collector's full passes short: collect what the last events left, then
        freeze the survivors (the windows' new keys, mostly) out of its view.

        The windows hold hundreds of thousands of small containers; a full collection walks
        them all (100-400 ms pauses, measured), which is every tail latency there is. Frozen
        objects are still freed by reference counting when the windows drop them; a reference
        cycle that dies after its freeze is never freed (the collection just before each
        freeze takes the ones already dead). Each pass walks only what arrived since the last
        freeze: a few milliseconds. Off by default (``risk_gc_freeze_every``): for a dedicated
        scoring server, whose memory is watched (deploy.md).
        """
        every = self.settings.risk_gc_freeze_every
        if not every or self._since_freeze < every:
            return
        self._since_freeze = 0
        gc.collect()
        gc.freeze()

    def _maybe_snapshot(self) -> None:
        """Every ``risk_snapshot_every`` events, a snapshot: by the tenant's follower process
        (``snapshots``), started here the first time and again if it died, unless
        ``risk_snapshot_in_background`` is off (then by this thread)."""
        if self._since_snapshot < self.settings.risk_snapshot_every or self._engine is None:
            return
        if not self.settings.risk_snapshot_in_background:
            self.snapshot()
            return
        self._since_snapshot = 0
        if self._follower is None or not self._follower.is_alive():
            self._follower = snapshots.start_follower(self.settings, self.tenant_id)

    def snapshot(self) -> int:
        """A snapshot of the live windows now, by this thread (at shutdown, or on request)."""
        engine = self.engine()
        blob = engine.snapshot()
        with self.db.tenant(self.tenant_id) as session:
            # The windows hold every committed event (the lock's holder has no group in
            # flight), so the snapshot is the state after the log's last row.
            seq = session.execute(event_log.LAST_SEQ, {"tenant": self.tenant_id}).scalar() or 0
            snapshots.store(session, self.tenant_id, seq, engine.features.digest, blob)
        self._since_snapshot = 0
        return seq
