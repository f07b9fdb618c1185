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
a separate process from the log (``risk_snapshots``). Measured on 2 cores: the hand-over of
every group to a writer thread cost 1-5 ms per database call (the interpreter lock), waiting
on each flush held the loop still most of the time, and snapshots and full garbage
collections stalled everything for 0.1-3 s.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gc
import json
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, InvalidStateError, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from multiprocessing.process import BaseProcess
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.orm import Session

from finbrain.core.decision import Decision, ModelRef, Subject, utcnow
from finbrain.core.errors import ConflictError, FinbrainError, NotFoundError, ValidationError
from finbrain.core.settings import Settings
from finbrain.platform import decisions, registry
from finbrain.platform import risk_snapshots as snapshots
from finbrain.platform.ledger import try_lock_head
from finbrain.platform.store.bulk import BulkInsert
from finbrain.platform.store.database import Database
from finbrain.platform.store.models import (
    RiskAlert,
    RiskCase,
    RiskCaseNote,
    RiskEvent,
    RiskLabel,
    RiskRuleSet,
)
from finbrain.risk.engine import Assessment, Model, RiskEngine
from finbrain.risk.events import Event, parse_event
from finbrain.risk.features import extended_feature_set
from finbrain.risk.rules import RuleSet

log = logging.getLogger(__name__)
MAX_GROUP = 512  # events per group commit
DECIDE_WAIT = 30.0  # seconds a request waits for its group commit (only a stuck writer takes it)
LOCK_RETRY = 0.002  # seconds before a loop tries again for a lock it found taken (``_drain``)
EVENTS = cast(Table, RiskEvent.__table__)
# The body's event and features are the decision's canonical input; its scores are the
# models' probabilities: finite numbers only.
_INSERT_EVENTS = BulkInsert(
    EVENTS,
    (
        "tenant_id",
        "event_id",
        "occurred_at",
        "body",
        "decision_id",
        "outcome",
        "score",
        "created_at",
    ),
    canonical_json_columns=True,
)
_STORED_EVENTS = select(EVENTS.c.event_id, EVENTS.c.decision_id, EVENTS.c.body).where(
    EVENTS.c.tenant_id == bindparam("tenant"),
    EVENTS.c.event_id.in_(bindparam("ids", expanding=True)),
)
SAME_BODY = "same_body_for_same_id"
_LAST_SEQ = select(func.max(EVENTS.c.seq)).where(EVENTS.c.tenant_id == bindparam("tenant"))


def default_rules() -> RuleSet:
    text = resources.files("finbrain.risk").joinpath("data/default_rules.json").read_text("utf-8")
    return RuleSet.from_dict(json.loads(text))


def event_json(event: Event) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in event.__dataclass_fields__:
        value = getattr(event, name)
        if value is None:
            continue
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat().replace("+00:00", "Z")
        elif not isinstance(value, str):
            value = str(value)
        out[name] = value
    return out


def subject_of(event: Event) -> Subject:
    if event.card_id:
        return Subject(type="card", id=event.card_id)
    return Subject(type="account", id=event.account_id or event.customer_id)


def to_decision(
    tenant_id: str,
    event: Event,
    assessment: Assessment,
    model: ModelRef | None,
    body: dict[str, Any] | None = None,
) -> Decision:
    """``body`` is ``event_json(event)`` when the caller has it already."""
    return Decision.for_input(
        {"event": event_json(event) if body is None else body, "features": assessment.features},
        tenant_id=tenant_id,
        capability="risk",
        action="score",
        subject=subject_of(event),
        model=model,
        outcome=assessment.action,
        score=round(assessment.score, 3),
        reasons=assessment.reasons,
    )


@dataclass(frozen=True)
class Answer:
    event_id: str
    decision: Decision
    duplicate: bool
    case_id: str | None = None


@dataclass
class _Work:
    events: list[Event]
    key_id: str | None
    request_id: str | None
    fields: list[str] | None = None
    call: Callable[[TenantRisk], Any] | None = None  # run on the writer thread instead
    future: Future[list[Answer]] = field(default_factory=Future)  # a thread waits on it
    # A coroutine awaits this instead, on the loop that made it (``decide``).
    waiter: asyncio.Future[list[Answer]] | None = None


def _named(exc: FinbrainError, work: _Work, index: int) -> FinbrainError:
    """The refusal of ``work``'s event ``index``, its field named as the request named it."""
    if work.fields:
        prefix = work.fields[index]
    else:
        prefix = "" if len(work.events) == 1 else f"events[{index}]."
    if exc.field and not exc.field.startswith(prefix):
        exc.field = f"{prefix}{exc.field}"
        exc.params["field"] = exc.field
    return exc


def _clash(events: Sequence[Event], first: dict[str, Event]) -> int | None:
    """The index of the first of ``events`` whose id stands for another event (in ``first``, or
    earlier in ``events`` itself), else None."""
    own: dict[str, Event] = {}
    for index, event in enumerate(events):
        earlier = first.get(event.event_id) or own.get(event.event_id)
        if earlier is not None and earlier != event:
            return index
        own.setdefault(event.event_id, event)
    return None


def _reused() -> ConflictError:
    return ConflictError(
        "this event_id was already used for another event: a retry must send the same event, "
        "and a new event needs a new id",
        field="event_id",
        rule=SAME_BODY,
    )


def _settle(future: Future[Any], value: Any) -> None:
    """Resolve a caller's future; one the caller gave up on (cancelled) is left alone, so a
    vanished client can never stop the writer."""
    with contextlib.suppress(InvalidStateError):
        future.set_result(value)


def _fail(future: Future[Any], exc: BaseException) -> None:
    with contextlib.suppress(InvalidStateError):
        future.set_exception(exc)


def _resolve(outcomes: list[tuple[asyncio.Future[Any], Any]]) -> None:
    """On the waiters' loop: set each one's answer or refusal (one its request gave up on,
    cancelled by the timeout, is left alone)."""
    for waiter, outcome in outcomes:
        if waiter.done():
            continue
        if isinstance(outcome, BaseException):
            waiter.set_exception(outcome)
        else:
            waiter.set_result(outcome)


def _answer(group: Sequence[_Work], answers: Sequence[list[Answer] | BaseException]) -> None:
    """Give each request of a committed group its answer (or its own refusal), from any
    thread. The coroutines' waiters get theirs in one call per loop: a wake-up of the loop per
    request cost more than the answer (measured: 38 µs a request through wrap_future, shield
    and wait_for against 9 µs this way)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any]]] = {}
    for work, answer in zip(group, answers, strict=True):
        if work.waiter is not None:
            by_loop.setdefault(work.waiter.get_loop(), []).append((work.waiter, answer))
        elif isinstance(answer, BaseException):
            _fail(work.future, answer)
        else:
            _settle(work.future, answer)
    for loop, outcomes in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a closed loop has no one waiting
            loop.call_soon_threadsafe(_resolve, outcomes)


def _refuse(work: _Work, exc: BaseException) -> None:
    """Fail one request, from any thread."""
    _answer([work], [exc])


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
        features = extended_feature_set()
        with self.db.tenant(self.tenant_id, write=False) as session:
            rules_row = session.scalar(
                select(RiskRuleSet).order_by(RiskRuleSet.version.desc()).limit(1)
            )
            rules = RuleSet.from_dict(rules_row.body) if rules_row else default_rules()
            model, self._model_ref = self._champion(session)
            challenger, self._challenger_ref = self._challenger(session)
            engine = RiskEngine(
                features, rules, model, challenger=challenger, max_clock_skew=self._skew()
            )
            snap = snapshots.latest(session, features.digest)
            seq = 0
            if snap is not None:
                engine.restore(snap.state)
                seq = snap.seq
            replayed = snapshots.replay_log(session, seq, engine.replay, engine.label)
        self._since_snapshot = replayed
        log.info("risk engine of %s ready: replayed %d events", self.tenant_id, replayed)
        # The loaded windows are long-lived: move them out of the collector's view so full
        # collections stay short (they were 160-250 ms pauses at a few 100k objects).
        gc.collect()
        gc.freeze()
        return engine

    def _champion(self, session: Session) -> tuple[Model | None, ModelRef | None]:
        try:
            row = registry.champion(session, "risk")
        except NotFoundError:
            return None, None
        from finbrain.risk.model import RiskModel

        return RiskModel.from_json(row.artifact), ModelRef(
            id=row.name, version=str(row.version), digest=row.digest
        )

    def _challenger(self, session: Session) -> tuple[Model | None, ModelRef | None]:
        """The newest risk model that is neither champion nor retired scores in shadow."""
        from finbrain.platform.store.models import ModelVersion
        from finbrain.risk.model import RiskModel

        row = session.scalar(
            select(ModelVersion)
            .where(ModelVersion.capability == "risk", ModelVersion.status == "candidate")
            .order_by(ModelVersion.created_at.desc(), ModelVersion.id.desc())
            .limit(1)
        )
        if row is None:
            return None, None
        return RiskModel.from_json(row.artifact), ModelRef(
            id=row.name, version=str(row.version), digest=row.digest
        )

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
        """The group's work in ``session``'s transaction, short of its commit: the fresh events
        are assessed in one ``assess_many``, their decisions appended to the ledger in one batch
        (one head lock, one signed checkpoint) and their rows written with executemany inserts.
        The answers hold once the transaction commits."""
        engine = self.engine()
        # Prepared Core statements on the transaction's connection, each naming the tenant
        # (and RLS on PostgreSQL): the ORM's per-statement work is the larger cost here.
        connection = session.connection()
        ids = [e.event_id for w in group for e in w.events]
        stored: dict[str, str] = {}
        # The event each id stands for: the stored one, else the first request's in this group.
        first: dict[str, Event] = {}
        for event_id, decision_id, body in connection.execute(
            _STORED_EVENTS, {"tenant": self.tenant_id, "ids": ids}
        ):  # rows only for ids already used: retries, or an id reused for another event
            stored[event_id] = decision_id
            first[event_id] = parse_event(body["event"])
        conflicts: dict[int, FinbrainError] = {}  # request (its place in group) -> refusal
        fresh: list[Event] = []
        owner: dict[str, _Work] = {}  # the first request that brought each fresh event
        for place, work in enumerate(group):
            clash = _clash(work.events, first)
            if clash is not None:  # the whole request is refused (a batch: all or nothing)
                conflicts[place] = _named(_reused(), work, clash)
                continue
            for event in work.events:
                first.setdefault(event.event_id, event)
                if event.event_id not in stored and event.event_id not in owner:
                    owner[event.event_id] = work
                    fresh.append(event)
        refused: dict[str, ValidationError] = {}
        # The server's clock, not the newest event's, judges lateness (see finbrain.risk.windows)
        now = utcnow()
        assessments = engine.assess_many(fresh, refused=refused, now=now)
        if refused:
            # A late event changed nothing in the windows. Alone in its request it fails
            # alone and the rest commits; in a batch (all or nothing) the group is redone.
            for work in group:
                hit = [e.event_id for e in work.events if e.event_id in refused]
                if hit and len(work.events) > 1:
                    raise refused[hit[0]]
            fresh = [e for e in fresh if e.event_id not in refused]
        bodies = [event_json(e) for e in fresh]
        made = [
            to_decision(self.tenant_id, e, a, self._model_ref, body)
            for e, a, body in zip(fresh, assessments, bodies, strict=True)
        ]
        recorded: dict[str, Decision] = {}
        if made:
            # Each decision row names the request that brought its event.
            owners = [owner[e.event_id] for e in fresh]
            done = decisions.record_many(
                session,
                made,
                settings=self.settings,
                key_ids=[w.key_id for w in owners],
                request_ids=[w.request_id for w in owners],
                minted=True,
            )
            recorded = {e.event_id: d for e, d in zip(fresh, done, strict=True)}
        cases: dict[str, str] = {}
        rows: list[dict[str, Any]] = []
        for event, a, body in zip(fresh, assessments, bodies, strict=True):
            decision = recorded[event.event_id]
            rows.append(
                {
                    "tenant_id": self.tenant_id,
                    "event_id": event.event_id,
                    "occurred_at": event.occurred_at,
                    "body": {
                        "event": body,
                        "features": a.features,
                        "rules": [h.rule_id for h in a.hits],
                        "shadow_rules": [h.rule_id for h in a.shadow_hits],
                        "model_score": a.model_score,
                        **(
                            {
                                "challenger_score": a.challenger_score,
                                "challenger": self._challenger_ref.model_dump(),
                            }
                            if self._challenger_ref is not None
                            else {}
                        ),
                    },
                    "decision_id": decision.id,
                    "outcome": decision.outcome,
                    "score": float(decision.score or 0.0),
                    "created_at": now,
                }
            )
        if rows:
            # One executemany, in log order: seq follows the order the engine applied them.
            _INSERT_EVENTS.execute(connection, rows)
        for event, a in zip(fresh, assessments, strict=True):
            if a.action != "allow":
                decision = recorded[event.event_id]
                cases[event.event_id] = _alert(session, self.tenant_id, event, decision, a)
        session.flush()
        self._since_snapshot += len(fresh)
        self._since_freeze += len(fresh)
        answers: list[list[Answer] | FinbrainError] = []
        for place, work in enumerate(group):
            if place in conflicts:
                answers.append(conflicts[place])
                continue
            late = [e.event_id for e in work.events if e.event_id in refused]
            if late:  # a single-event request (a batch with one was redone above)
                answers.append(_named(refused[late[0]], work, 0))
                continue
            out = []
            for event in work.events:
                if event.event_id in stored:
                    out.append(
                        Answer(
                            event.event_id,
                            decisions.get(session, stored[event.event_id]),
                            duplicate=True,
                        )
                    )
                else:
                    out.append(
                        Answer(
                            event.event_id,
                            recorded[event.event_id],
                            # The same id twice in one group: the later request is a retry.
                            duplicate=owner[event.event_id] is not work,
                            case_id=cases.get(event.event_id),
                        )
                    )
            answers.append(out)
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
        (``risk_snapshots``), started here the first time and again if it died, unless
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
            seq = session.execute(_LAST_SEQ, {"tenant": self.tenant_id}).scalar() or 0
            snapshots.store(session, self.tenant_id, seq, engine.features.digest, blob)
        self._since_snapshot = 0
        return seq


def _alert(
    session: Session, tenant_id: str, event: Event, decision: Decision, a: Assessment
) -> str:
    """Group the alert into the entity's open case (card first, else customer)."""
    entity_type, entity_id = (
        ("card", event.card_id) if event.card_id else ("customer", event.customer_id)
    )
    case = session.scalar(
        select(RiskCase).where(
            RiskCase.entity_type == entity_type,
            RiskCase.entity_id == entity_id,
            RiskCase.status == "open",
        )
    )
    now = utcnow()
    if case is None:
        case = RiskCase(
            tenant_id=tenant_id,
            entity_type=entity_type,
            entity_id=entity_id,
            status="open",
            alert_count=0,
            max_score=0.0,
            opened_at=now,
            updated_at=now,
        )
        session.add(case)
        session.flush()
    case.alert_count += 1
    case.max_score = max(case.max_score, float(decision.score or 0.0))
    case.updated_at = now
    session.add(
        RiskAlert(
            tenant_id=tenant_id,
            case_id=case.id,
            event_id=event.event_id,
            decision_id=decision.id,
            action=a.action,
            score=float(decision.score or 0.0),
            rules=[h.rule_id for h in a.hits],
            created_at=now,
        )
    )
    return case.id


# -- the hub: every tenant's engine of this process ---------------------------------------------
class RiskHub:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._tenants: dict[str, TenantRisk] = {}
        self._lock = threading.Lock()

    def tenant(self, tenant_id: str) -> TenantRisk:
        found = self._tenants.get(tenant_id)
        if found is None:
            with self._lock:
                found = self._tenants.get(tenant_id)
                if found is None:
                    found = TenantRisk(self.db, self.settings, tenant_id)
                    self._tenants[tenant_id] = found
        return found

    def stop(self) -> None:
        for tenant in list(self._tenants.values()):
            try:
                tenant.call(lambda t: t.snapshot() if t._since_snapshot else None, timeout=30)
            except Exception:
                log.warning("final risk snapshot failed", exc_info=True)
            tenant.stop()


# -- cases: the investigator's side ----------------------------------------------------------
def case_or_404(session: Session, case_id: str) -> RiskCase:
    case = session.get(RiskCase, case_id)
    if case is None or case.tenant_id != session.info.get("tenant_id"):
        raise NotFoundError(kind="case")
    return case


def note(session: Session, case: RiskCase, author: str, kind: str, body: str) -> RiskCaseNote:
    row = RiskCaseNote(
        tenant_id=case.tenant_id,
        case_id=case.id,
        author=author,
        kind=kind,
        body=body,
        created_at=utcnow(),
    )
    session.add(row)
    case.updated_at = row.created_at
    session.flush()
    return row


def assign(session: Session, case_id: str, assignee: str, author: str) -> RiskCase:
    case = case_or_404(session, case_id)
    if case.status != "open":
        raise ConflictError(field="status", rule="open_cases_only")
    case.assignee = assignee
    note(session, case, author, "assign", assignee)
    return case


def comment(session: Session, case_id: str, body: str, author: str) -> RiskCaseNote:
    case = case_or_404(session, case_id)
    return note(session, case, author, "comment", body)


def close(
    session: Session, case_id: str, disposition: str, body: str, author: str
) -> tuple[RiskCase, list[tuple[str, bool]]]:
    """Close with a disposition; every alert's event gets the label (fed back to the engine)."""
    if disposition not in ("fraud", "not_fraud"):
        raise ValidationError(field="disposition", rule="one_of_fraud_not_fraud")
    case = case_or_404(session, case_id)
    if case.status != "open":
        raise ConflictError(field="status", rule="open_cases_only")
    case.status = "closed"
    case.disposition = disposition
    case.closed_at = utcnow()
    note(session, case, author, "close", f"{disposition}: {body}")
    is_fraud = disposition == "fraud"
    events = session.scalars(select(RiskAlert.event_id).where(RiskAlert.case_id == case.id)).all()
    labels = [(event_id, is_fraud) for event_id in events]
    store_labels(session, case.tenant_id, labels, source="case")
    return case, labels


def feed_labels(session: Session, tenant_id: str, labels: Sequence[tuple[str, bool]]) -> None:
    """Store labels fed by the bank (chargebacks, confirmed fraud): all of them, or none when
    one names an event this tenant never scored (a typo would otherwise be kept silently and
    never reach a window). The refusal names the first such label and lists them."""
    ids = list(dict.fromkeys(event_id for event_id, _ in labels))
    known: set[str] = set()
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        known.update(
            session.scalars(
                select(RiskEvent.event_id).where(
                    RiskEvent.tenant_id == tenant_id, RiskEvent.event_id.in_(chunk)
                )
            )
        )
    missing = [event_id for event_id in ids if event_id not in known]
    if missing:
        index = next(i for i, (event_id, _) in enumerate(labels) if event_id not in known)
        shown = ", ".join(missing[:20]) + (
            f" and {len(missing) - 20} more" if len(missing) > 20 else ""
        )
        raise NotFoundError(
            f"{len(missing)} label(s) name events never scored: {shown}; nothing was stored",
            code="FB-RISK-UNSCORED-LABELS",
            field=f"labels[{index}].event_id",
            rule="scored_event",
            missing=len(missing),
            ids=shown,
        )
    store_labels(session, tenant_id, labels, source="feed")


def store_labels(
    session: Session, tenant_id: str, labels: Sequence[tuple[str, bool]], source: str
) -> None:
    for event_id, is_fraud in labels:
        row = session.get(RiskLabel, (tenant_id, event_id))
        if row is None:
            session.add(
                RiskLabel(
                    tenant_id=tenant_id,
                    event_id=event_id,
                    is_fraud=is_fraud,
                    source=source,
                    created_at=utcnow(),
                )
            )
        else:
            row.is_fraud, row.source = is_fraud, source
    session.flush()


# -- rules: versions in the store, live in the engine -------------------------------------------
def current_rules(session: Session) -> tuple[int, str, datetime | None, dict[str, Any]]:
    row = session.scalar(select(RiskRuleSet).order_by(RiskRuleSet.version.desc()).limit(1))
    if row is None:
        rules = default_rules()
        return rules.version, rules.digest, None, rules.to_dict()
    return row.version, row.digest, row.created_at, row.body


def _ruleset(rules: list[dict[str, Any]], version: int) -> RuleSet:
    from finbrain.risk.engine import rule_schema
    from finbrain.risk.rules import compile_rules

    ruleset = RuleSet.from_dict({"version": version, "rules": rules})
    compile_rules(ruleset, rule_schema(extended_feature_set()))  # names the bad rule, or passes
    return ruleset


def publish_rules(
    session: Session, tenant_id: str, rules: list[dict[str, Any]], author: str
) -> RiskRuleSet:
    """Store a new version after compiling it against the engine's features (422 if bad)."""
    latest, *_ = current_rules(session)
    ruleset = _ruleset(rules, latest + 1)
    row = RiskRuleSet(
        tenant_id=tenant_id,
        version=ruleset.version,
        body=ruleset.to_dict(),
        digest=ruleset.digest,
        created_by=author,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def history_frame(session: Session, limit: int) -> Any:
    """The newest scored events as a frame: features as they were at decision time, the event
    fields the rules read, and the label (known fraud = 1, else 0)."""
    import pandas as pd

    rows = session.scalars(select(RiskEvent).order_by(RiskEvent.seq.desc()).limit(limit)).all()
    labels = dict(session.execute(select(RiskLabel.event_id, RiskLabel.is_fraud)).all())
    records = []
    for row in reversed(rows):
        event = row.body.get("event", {})
        record: dict[str, Any] = {
            name: (float("nan") if value is None else value)
            for name, value in row.body.get("features", {}).items()
        }
        record.update(
            amount=float(event.get("amount", "nan")),
            kind=event.get("kind"),
            currency=event.get("currency"),
            channel=event.get("channel"),
            mcc=event.get("mcc"),
            country=event.get("country"),
            model_score=(row.body.get("model_score") or 0.0) * 1000.0,
            fraud=bool(labels.get(row.event_id, False)),
            timestamp=row.occurred_at,
        )
        records.append(record)
    return pd.DataFrame.from_records(records)


def backtest(session: Session, rules: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    from finbrain.risk import backtest as bt
    from finbrain.risk.engine import rule_schema

    ruleset = _ruleset(rules, 1)
    frame = history_frame(session, limit)
    if frame.empty:
        raise ValidationError(field="history", rule="scored_events_needed")
    report = bt.backtest(ruleset, frame, rule_schema(extended_feature_set()))
    result: dict[str, Any] = report.to_dict()
    result["events"] = len(frame)
    return result


# -- models: trained on window features computed exactly as the engine computes them ----------
def train_model(frame: Any, *, holdout: float = 0.2) -> tuple[Any, dict[str, Any]]:
    """A LightGBM risk model on a frame of labelled events (event columns, ``is_fraud``).

    Features come from DuckDB SQL generated from the same declarations as the online windows,
    so training and serving see identical numbers. The last ``holdout`` of the period (by time)
    is kept out to measure AP and AUC; the model is then fitted on everything before it.
    """
    import duckdb
    import numpy as np
    from sklearn.metrics import average_precision_score, roc_auc_score

    from finbrain.risk.model import RiskModel
    from finbrain.risk.windows_sql import to_sql

    features = extended_feature_set()
    data = frame.sort_values("occurred_at", kind="stable").reset_index(drop=True)
    data["seq"] = np.arange(len(data), dtype=np.int64)
    con = duckdb.connect()
    try:
        con.register("events", data)
        table = con.execute(to_sql(features, "events")).df()  # ordered by seq
    finally:
        con.close()
    cut = int(len(table) * (1 - holdout))
    train, test = table.iloc[:cut], table.iloc[cut:]
    model = RiskModel().fit(train, train["is_fraud"], feature_set=features)
    scores = model.fraud_probability(test)
    metrics = {
        "ap": round(float(average_precision_score(test["is_fraud"], scores)), 4),
        "auc": round(float(roc_auc_score(test["is_fraud"], scores)), 4),
        "train_events": int(cut),
        "test_events": len(test),
        "fraud_rate": round(float(table["is_fraud"].mean()), 5),
        "features_digest": features.digest,
    }
    return model, metrics


def log_frame(session: Session, limit: int) -> Any:
    """The newest ``limit`` logged events, oldest first, in event-field columns with
    ``is_fraud`` (1 = a stored fraud label, else 0) and ``seq``: what ``train_model`` reads."""
    import numpy as np
    import pandas as pd

    rows = session.execute(
        select(RiskEvent.event_id, RiskEvent.body).order_by(RiskEvent.seq.desc()).limit(limit)
    ).all()
    frauds = {
        event_id
        for event_id, is_fraud in session.execute(select(RiskLabel.event_id, RiskLabel.is_fraud))
        if is_fraud
    }
    names = [n for n in Event.__dataclass_fields__ if n not in ("amount", "occurred_at")]
    records = []
    for event_id, body in reversed(rows):
        fields = body["event"]
        record: dict[str, Any] = {name: fields.get(name) for name in names}
        record["amount"] = float(fields["amount"])
        record["occurred_at"] = fields["occurred_at"]
        record["is_fraud"] = int(event_id in frauds)
        records.append(record)
    columns = [*names, "amount", "occurred_at", "is_fraud"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True, format="ISO8601")
    frame["seq"] = np.arange(len(frame), dtype=np.int64)
    return frame


MIN_TRAINING_FRAUDS = 20  # confirmed frauds, in both the fitting and the held-out part


def training_work(db: Database, tenant_id: str, hub: RiskHub) -> Callable[..., dict[str, Any]]:
    """The background job that trains a risk model on the tenant's own log and labels (the
    case dispositions and ``POST /v1/risk/labels``), registers it and, once committed, makes
    the engine take it: as the challenger in shadow, or as the champion when asked."""
    from finbrain.platform.workers.jobs import Progress

    def work(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
        progress(10, "reading the event log and the labels")
        with db.tenant(tenant_id, write=False) as session:
            frame = log_frame(session, int(params["events"]))
        holdout = float(params["holdout"])
        cut = int(len(frame) * (1 - holdout))
        parts = (frame["is_fraud"].iloc[:cut].sum(), frame["is_fraud"].iloc[cut:].sum())
        if min(parts) < MIN_TRAINING_FRAUDS:
            raise ValidationError(
                field="labels",
                rule="enough_confirmed_frauds",
                needed=MIN_TRAINING_FRAUDS,
                fitting=int(parts[0]),
                held_out=int(parts[1]),
            )
        progress(30, f"features and fitting on {len(frame):,} events")
        model, metrics = train_model(frame, holdout=holdout)
        progress(90, "registering")
        with db.tenant(tenant_id) as session:
            row = register_model(session, tenant_id, model, metrics, str(params["name"]))
            if params.get("promote"):
                registry.promote(session, row.id)
            result = {"model_id": row.id, "version": row.version, "status": row.status, **metrics}
        # Committed: rebuild the engine with the new challenger (or champion).
        hub.tenant(tenant_id).rebuild()
        return result

    return work


def register_model(
    session: Session, tenant_id: str, model: Any, metrics: dict[str, Any], name: str
) -> Any:
    return registry.register(
        session,
        tenant_id,
        capability="risk",
        name=name,
        kind="gbm",
        artifact=model.to_json(),
        metrics=metrics,
    )
