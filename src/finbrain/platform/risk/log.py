"""The append-only event log: what a group commit writes for each event (its row, its
``Decision``, its alert) and the answer each request gets (see ``writer``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from finbrain.core.decision import Decision, ModelRef, utcnow
from finbrain.core.errors import ConflictError, FinbrainError, ValidationError
from finbrain.core.settings import Settings
from finbrain.platform import decisions
from finbrain.platform.risk.cases import open_alert
from finbrain.platform.risk.tables import RiskEvent
from finbrain.platform.store.bulk import BulkInsert
from finbrain.risk import decision as risk_decision
from finbrain.risk.engine import Assessment, RiskEngine
from finbrain.risk.events import Event, parse_event

if TYPE_CHECKING:
    from finbrain.platform.risk.writer import TenantRisk

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
LAST_SEQ = select(func.max(EVENTS.c.seq)).where(EVENTS.c.tenant_id == bindparam("tenant"))


def to_decision(
    tenant_id: str,
    event: Event,
    assessment: Assessment,
    model: ModelRef | None,
    body: dict[str, Any] | None = None,
) -> Decision:
    """The library's decision (``finbrain.risk.decision``), made for ``tenant_id``."""
    return risk_decision.decide(event, assessment, model, body=body, tenant_id=tenant_id)


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


Refs = tuple[ModelRef | None, ModelRef | None]  # the champion's and the challenger's


@dataclass
class _Sorted:
    """A group's events sorted out before anything is assessed."""

    stored: dict[str, str] = field(default_factory=dict)  # id already logged -> its decision
    # The event each id stands for: the stored one, else the first request's in this group.
    first: dict[str, Event] = field(default_factory=dict)
    conflicts: dict[int, FinbrainError] = field(default_factory=dict)  # request place -> refusal
    fresh: list[Event] = field(default_factory=list)
    owner: dict[str, _Work] = field(default_factory=dict)  # the request that brought each fresh


def _sort(connection: Connection, tenant_id: str, group: Sequence[_Work]) -> _Sorted:
    ids = [e.event_id for w in group for e in w.events]
    out = _Sorted()
    for event_id, decision_id, body in connection.execute(
        _STORED_EVENTS, {"tenant": tenant_id, "ids": ids}
    ):  # rows only for ids already used: retries, or an id reused for another event
        out.stored[event_id] = decision_id
        out.first[event_id] = parse_event(body["event"])
    for place, work in enumerate(group):
        clash = _clash(work.events, out.first)
        if clash is not None:  # the whole request is refused (a batch: all or nothing)
            out.conflicts[place] = _named(_reused(), work, clash)
            continue
        for event in work.events:
            out.first.setdefault(event.event_id, event)
            if event.event_id not in out.stored and event.event_id not in out.owner:
                out.owner[event.event_id] = work
                out.fresh.append(event)
    return out


def stage(
    session: Session,
    group: Sequence[_Work],
    engine: RiskEngine,
    settings: Settings,
    tenant_id: str,
    refs: Refs,
) -> tuple[list[list[Answer] | FinbrainError], int]:
    """The group's work in ``session``'s transaction, short of its commit: the fresh events
    are assessed in one ``assess_many``, their decisions appended to the ledger in one batch
    (one head lock, one signed checkpoint) and their rows written with executemany inserts.
    The answers hold once the transaction commits; also returns how many events were fresh."""
    # Prepared Core statements on the transaction's connection, each naming the tenant
    # (and RLS on PostgreSQL): the ORM's per-statement work is the larger cost here.
    connection = session.connection()
    sorted_ = _sort(connection, tenant_id, group)
    refused: dict[str, ValidationError] = {}
    # The server's clock, not the newest event's, judges lateness (see finbrain.risk.windows)
    now = utcnow()
    assessments = engine.assess_many(sorted_.fresh, refused=refused, now=now)
    if refused:
        # A late event changed nothing in the windows. Alone in its request it fails
        # alone and the rest commits; in a batch (all or nothing) the group is redone.
        for work in group:
            hit = [e.event_id for e in work.events if e.event_id in refused]
            if hit and len(work.events) > 1:
                raise refused[hit[0]]
        sorted_.fresh = [e for e in sorted_.fresh if e.event_id not in refused]
    recorded, cases = _write(session, sorted_, assessments, settings, tenant_id, refs, now)
    answers = _answers(session, group, sorted_, refused, recorded, cases)
    return answers, len(sorted_.fresh)


def _write(
    session: Session,
    sorted_: _Sorted,
    assessments: Sequence[Assessment],
    settings: Settings,
    tenant_id: str,
    refs: Refs,
    now: datetime,
) -> tuple[dict[str, Decision], dict[str, str]]:
    """Record the fresh events' decisions, log their rows and open their alerts."""
    fresh = sorted_.fresh
    bodies = [risk_decision.event_json(e) for e in fresh]
    made = [
        to_decision(tenant_id, e, a, refs[0], body)
        for e, a, body in zip(fresh, assessments, bodies, strict=True)
    ]
    recorded: dict[str, Decision] = {}
    if made:
        # Each decision row names the request that brought its event.
        owners = [sorted_.owner[e.event_id] for e in fresh]
        done = decisions.record_many(
            session,
            made,
            settings=settings,
            key_ids=[w.key_id for w in owners],
            request_ids=[w.request_id for w in owners],
            minted=True,
        )
        recorded = {e.event_id: d for e, d in zip(fresh, done, strict=True)}
    challenger = refs[1]
    rows: list[dict[str, Any]] = []
    for event, a, body in zip(fresh, assessments, bodies, strict=True):
        decision = recorded[event.event_id]
        rows.append(
            {
                "tenant_id": tenant_id,
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
                            "challenger": challenger.model_dump(),
                        }
                        if challenger is not None
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
        _INSERT_EVENTS.execute(session.connection(), rows)
    cases: dict[str, str] = {}
    for event, a in zip(fresh, assessments, strict=True):
        if a.action != "allow":
            decision = recorded[event.event_id]
            cases[event.event_id] = open_alert(session, tenant_id, event, decision, a)
    session.flush()
    return recorded, cases


def _answers(
    session: Session,
    group: Sequence[_Work],
    sorted_: _Sorted,
    refused: dict[str, ValidationError],
    recorded: dict[str, Decision],
    cases: dict[str, str],
) -> list[list[Answer] | FinbrainError]:
    answers: list[list[Answer] | FinbrainError] = []
    for place, work in enumerate(group):
        if place in sorted_.conflicts:
            answers.append(sorted_.conflicts[place])
            continue
        late = [e.event_id for e in work.events if e.event_id in refused]
        if late:  # a single-event request (a batch with one was redone above)
            answers.append(_named(refused[late[0]], work, 0))
            continue
        out = []
        for event in work.events:
            if event.event_id in sorted_.stored:
                out.append(
                    Answer(
                        event.event_id,
                        decisions.get(session, sorted_.stored[event.event_id]),
                        duplicate=True,
                    )
                )
            else:
                out.append(
                    Answer(
                        event.event_id,
                        recorded[event.event_id],
                        # The same id twice in one group: the later request is a retry.
                        duplicate=sorted_.owner[event.event_id] is not work,
                        case_id=cases.get(event.event_id),
                    )
                )
        answers.append(out)
    return answers
