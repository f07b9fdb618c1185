"""Real-time risk over HTTP: score payment events, feed labels, publish rules (hot), backtest
them, and work alerts and cases."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import BackgroundTasks, Depends, Query, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool

from finbrain.platform import registry, tenancy
from finbrain.platform.api import deps
from finbrain.platform.api.deps import IdempotencyKey, Session, Ulid, api_router, caller_of, require
from finbrain.platform.api.schemas import JobOut, ModelOut
from finbrain.platform.api.unit_of_work import after_commit, authenticate, bearer, database
from finbrain.platform.pagination import CURSOR_PATTERN
from finbrain.platform.ratelimit import MemoryRateLimiter
from finbrain.platform.risk import queries, service
from finbrain.platform.risk.schemas import (
    AlertOut,
    AlertPage,
    AnswerOut,
    AssignIn,
    BacktestIn,
    BatchIn,
    BatchOut,
    CaseDetail,
    CaseOut,
    CasePage,
    CloseIn,
    CommentIn,
    EventIn,
    EventPage,
    EventRowOut,
    LabelsIn,
    LabelsOut,
    NoteOut,
    RuleSetOut,
    RulesIn,
    TrainIn,
)
from finbrain.platform.risk.tables import RiskAlert, RiskCase, RiskCaseNote
from finbrain.platform.tenancy import Caller
from finbrain.platform.workers import jobs
from finbrain.risk.events import Event

router = api_router("/v1/risk", "risk")
# Scoring commits in the tenant's group-commit writer, not in the request's transaction.
scoring = api_router("/v1/risk", "risk", read_only=True)
# Risk model versions: train one on the tenant's own log and labels, list them, make one the
# champion (live in the engine without a restart). The champion scores every event; the newest
# other version, if any, is the challenger: it scores the same events in shadow (its score is
# kept with each event, never decides), so the two can be compared before a promotion.
model_versions = api_router("/v1/risk/models", "risk")
Scorer = Annotated[Caller, Depends(require("risk:score"))]
Investigator = Annotated[Caller, Depends(require("risk:cases"))]
RuleAuthor = Annotated[Caller, Depends(require("risk:rules"))]


def answers_out(answers: list[service.Answer]) -> list[AnswerOut]:
    return [
        AnswerOut(
            event_id=a.event_id, duplicate=a.duplicate, case_id=a.case_id, decision=a.decision
        )
        for a in answers
    ]


def _hub(request: Request) -> service.RiskHub:
    hub: service.RiskHub = request.app.state.risk
    return hub


def _release(request: Request) -> None:
    """Give the request's read transaction back before waiting for the writer: the writer
    commits on its own connection, and a request must never hold a pooled one while it waits
    (enough concurrent requests would starve the writer of connections)."""
    session = getattr(request.state, "session", None)
    if session is not None:
        session.close()


def _needs_no_io(request: Request) -> bool:
    """Whether authenticating this request is pure memory: its key was authenticated less than
    a second ago (tenancy's cache), the rate limiter is in-process and SQLite needs no scope
    statement. Then it runs on the event loop; otherwise in a worker thread."""
    return (
        tenancy.cached_principal(bearer(request)) is not None
        and type(request.app.state.rate_limiter) is MemoryRateLimiter
        and not database(request).is_postgres
    )


async def _scorer(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(deps._bearer)] = None,
) -> Caller:
    """``require("risk:score")`` without a worker-thread hop per dependency on the hot path:
    the same authentication, the same scope rule, the same problems."""
    if _needs_no_io(request):
        principal = authenticate(request)
    else:
        principal = await run_in_threadpool(authenticate, request)
    return caller_of(request, principal, "risk:score")


FastScorer = Annotated[Caller, Depends(_scorer)]


async def _decide(request: Request, caller: Caller, events: list[Event]) -> list[service.Answer]:
    """Give the read transaction back, queue the events and await the group commit: no thread
    is held while the writer works."""
    session = getattr(request.state, "session", None)
    if session is not None and session.in_transaction():
        await run_in_threadpool(_release, request)  # a pooled connection: rollback is I/O
    else:
        _release(request)
    tenant = _hub(request).tenant(caller.tenant_id)
    return await tenant.decide(events, caller.key_id, caller.request_id)


@scoring.post("/events", status_code=status.HTTP_201_CREATED, response_model=AnswerOut)
async def score_event(
    body: EventIn, request: Request, response: Response, caller: FastScorer
) -> AnswerOut:
    """Score one event before authorisation: allow / review / block, the score (0–1000), the
    rule hits and the top reasons, on the ledger. The event id is the idempotency key: a retry
    returns the stored decision (200) and is never counted twice."""
    event = body.event()
    answer = (await _decide(request, caller, [event]))[0]
    if answer.duplicate:
        response.status_code = status.HTTP_200_OK
    return answers_out([answer])[0]


@scoring.post("/events/batch", response_model=BatchOut)
async def score_batch(body: BatchIn, request: Request, caller: FastScorer) -> BatchOut:
    """Up to 1,000 events in time order, scored as if one by one; all validated first (one bad
    event refuses the batch, naming ``events[i].field``)."""

    def parse() -> list[Event]:  # up to 1,000 events: parsed off the event loop
        return [item.event(f"events[{i}].") for i, item in enumerate(body.events)]

    events = await run_in_threadpool(parse)
    return BatchOut(items=answers_out(await _decide(request, caller, events)))


@router.get("/events", response_model=EventPage)
def recent_events(
    session: Session,
    _caller: Scorer,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[
        int | None, Query(ge=1, le=2**62, description="next_before of the previous page")
    ] = None,
    outcome: Annotated[Literal["allow", "review", "block"] | None, Query()] = None,
) -> EventPage:
    """The live stream: newest scored events first."""
    rows, next_before = queries.events_page(session, limit=limit, before=before, outcome=outcome)
    return EventPage(
        items=[
            EventRowOut(
                seq=r.seq,
                event_id=r.event_id,
                occurred_at=r.occurred_at,
                outcome=r.outcome,
                score=r.score,
                decision_id=r.decision_id,
                body=r.body,
            )
            for r in rows
        ],
        next_before=next_before,
    )


@router.post("/labels", response_model=LabelsOut)
def feed_labels(
    body: LabelsIn, request: Request, session: Session, caller: Investigator
) -> LabelsOut:
    """Confirmed fraud / not-fraud (e.g. chargebacks): stored, and fed to the windows that
    count labelled fraud (with their delay). All or nothing: a label for an event this tenant
    never scored is refused (404 naming ``labels[i].event_id``, the detail listing them)."""
    labels = [(item.event_id, item.is_fraud) for item in body.labels]
    service.feed_labels(session, caller.tenant_id, labels)
    tenant = _hub(request).tenant(caller.tenant_id)
    after_commit(session, lambda: tenant.label(labels))
    return LabelsOut(stored=len(labels))


@router.get("/rules", response_model=RuleSetOut)
def current_rules(session: Session, _caller: RuleAuthor) -> RuleSetOut:
    """The live rule set (the built-in starter set until the tenant publishes its own)."""
    version, digest, published, body = service.current_rules(session)
    return RuleSetOut(version=version, digest=digest, published_at=published, body=body)


@router.post("/rules", status_code=status.HTTP_201_CREATED, response_model=RuleSetOut)
def publish_rules(
    body: RulesIn, request: Request, session: Session, caller: RuleAuthor
) -> RuleSetOut:
    """Publish a new version: compiled and checked first (a bad rule names ``rules[i].when``
    and the rule broken), then live without a restart."""
    row = service.publish_rules(session, caller.tenant_id, body.rules, caller.author)
    after_commit(session, _hub(request).tenant(caller.tenant_id).reload_rules)
    return RuleSetOut(
        version=row.version, digest=row.digest, published_at=row.created_at, body=row.body
    )


@router.post("/rules/backtest", response_model=dict[str, Any])
def backtest_rules(body: BacktestIn, session: Session, _caller: RuleAuthor) -> dict[str, Any]:
    """Replay a candidate rule set over the tenant's scored history (features as they were at
    decision time) against the labels: hits, hit rate, precision, alert volume per rule."""
    return service.backtest(session, body.rules, body.limit)


def _case(row: RiskCase) -> CaseOut:
    return CaseOut(**{name: getattr(row, name) for name in CaseOut.model_fields})


@router.get("/cases", response_model=CasePage)
def list_cases(
    session: Session,
    _caller: Investigator,
    status_: Annotated[Literal["open", "closed"] | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
) -> CasePage:
    rows, next_cursor = queries.cases_page(session, limit=limit, cursor=cursor, status=status_)
    return CasePage(items=[_case(r) for r in rows], next_cursor=next_cursor)


@router.get("/alerts", response_model=AlertPage)
def alert_queue(
    session: Session,
    _caller: Investigator,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
) -> AlertPage:
    """Alerts of open cases, newest first."""
    rows, next_cursor = queries.open_alerts_page(session, limit=limit, cursor=cursor)
    return AlertPage(items=[_alert(alert) for alert, _case in rows], next_cursor=next_cursor)


def _alert(row: RiskAlert, view: queries.AlertView | None = None) -> AlertOut:
    out = AlertOut(
        id=row.id,
        case_id=row.case_id,
        event_id=row.event_id,
        action=row.action,
        score=row.score,
        rules=row.rules,
        created_at=row.created_at,
    )
    if view is not None:
        out.event, out.features, out.decision = view.event, view.features, view.decision
    return out


@router.get("/cases/{case_id}", response_model=CaseDetail)
def get_case(case_id: Ulid, session: Session, _caller: Investigator) -> CaseDetail:
    """The case with each alert's event, features, decision reasons, and the case history."""
    view = queries.case_view(session, case_id)
    return CaseDetail(
        **_case(view.case).model_dump(),
        alerts=[_alert(a.alert, a) for a in view.alerts],
        notes=[_note(n) for n in view.notes],
    )


def _note(n: RiskCaseNote) -> NoteOut:
    return NoteOut(id=n.id, author=n.author, kind=n.kind, body=n.body, created_at=n.created_at)


@router.post("/cases/{case_id}/assign", response_model=CaseOut)
def assign_case(case_id: Ulid, body: AssignIn, session: Session, caller: Investigator) -> CaseOut:
    return _case(service.assign(session, case_id, body.assignee, caller.author))


@router.post(
    "/cases/{case_id}/comments", status_code=status.HTTP_201_CREATED, response_model=NoteOut
)
def comment_case(case_id: Ulid, body: CommentIn, session: Session, caller: Investigator) -> NoteOut:
    return _note(service.comment(session, case_id, body.body, caller.author))


@router.post("/cases/{case_id}/close", response_model=CaseOut)
def close_case(
    case_id: Ulid, body: CloseIn, request: Request, session: Session, caller: Investigator
) -> CaseOut:
    """Close with a disposition; the case's events get the label, fed back to the engine."""
    case, labels = service.close(session, case_id, body.disposition, body.note, caller.author)
    tenant = _hub(request).tenant(caller.tenant_id)
    after_commit(session, lambda: tenant.label(labels))
    return _case(case)


@model_versions.post("", status_code=status.HTTP_202_ACCEPTED, response_model=JobOut)
def train(
    body: TrainIn,
    request: Request,
    response: Response,
    background: BackgroundTasks,
    session: Session,
    caller: RuleAuthor,
    _key: IdempotencyKey,
) -> JobOut:
    """Train a model on the tenant's logged events and their labels (case dispositions and
    ``POST /v1/risk/labels``), with features from the same declarations the engine computes;
    poll the job for the new version and its held-out AP and AUC."""
    state = request.app.state
    job = jobs.start(session, background, state, caller.tenant_id, "risk.train", body.model_dump())
    return JobOut.accepted(response, job)


@model_versions.get("", response_model=list[ModelOut])
def models(session: Session, _caller: RuleAuthor) -> list[ModelOut]:
    """Every risk model version, newest first, with its measured metrics."""
    return [
        ModelOut.model_validate(m, from_attributes=True) for m in registry.versions(session, "risk")
    ]


@model_versions.post("/{model_id}/promote", response_model=ModelOut)
def promote(
    model_id: Ulid,
    request: Request,
    session: Session,
    caller: RuleAuthor,
    _key: IdempotencyKey,
) -> ModelOut:
    """Make this version the champion; the engine picks it up once the change is committed."""
    registry.get(session, "risk", model_id)  # 404 unless it is this tenant's risk model
    row = registry.promote(session, model_id)
    # The writer thread rebuilds the engine (snapshot + log) with the new champion.
    tenant = request.app.state.risk.tenant(caller.tenant_id)
    after_commit(session, tenant.rebuild)
    return ModelOut.model_validate(row, from_attributes=True)
