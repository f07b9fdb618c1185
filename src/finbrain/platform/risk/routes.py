"""Real-time risk over HTTP: score payment events, feed labels, publish rules (hot), backtest
them, and work alerts and cases."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from finbrain.core.errors import NotFoundError, PermissionDeniedError
from finbrain.platform import decisions, registry, tenancy
from finbrain.platform.api import deps
from finbrain.platform.api.deps import IdempotencyKey, Session, require
from finbrain.platform.api.problems import PROBLEM_RESPONSES
from finbrain.platform.api.routes.jobs import JobOut
from finbrain.platform.api.unit_of_work import (
    ReadOnlyUnitOfWorkRoute,
    UnitOfWorkRoute,
    after_commit,
    authenticate,
    bearer,
    database,
)
from finbrain.platform.credit.schemas import ModelOut
from finbrain.platform.pagination import CURSOR_PATTERN
from finbrain.platform.ratelimit import MemoryRateLimiter
from finbrain.platform.risk import service
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
from finbrain.platform.risk.tables import RiskAlert, RiskCase, RiskCaseNote, RiskEvent
from finbrain.platform.scopes import grants
from finbrain.platform.store.models import ModelVersion
from finbrain.platform.tenancy import Principal
from finbrain.platform.workers import jobs
from finbrain.risk.events import Event

router = APIRouter(
    prefix="/v1/risk", tags=["risk"], route_class=UnitOfWorkRoute, responses=PROBLEM_RESPONSES
)
# Scoring commits in the tenant's group-commit writer, not in the request's transaction.
scoring = APIRouter(
    prefix="/v1/risk",
    tags=["risk"],
    route_class=ReadOnlyUnitOfWorkRoute,
    responses=PROBLEM_RESPONSES,
)
# Risk model versions: train one on the tenant's own log and labels, list them, make one the
# champion (live in the engine without a restart). The champion scores every event; the newest
# other version, if any, is the challenger: it scores the same events in shadow (its score is
# kept with each event, never decides), so the two can be compared before a promotion.
model_versions = APIRouter(
    prefix="/v1/risk/models",
    tags=["risk"],
    route_class=UnitOfWorkRoute,
    responses=PROBLEM_RESPONSES,
)
Scorer = Annotated[Principal, Depends(require("risk:score"))]
Investigator = Annotated[Principal, Depends(require("risk:cases"))]
RuleAuthor = Annotated[Principal, Depends(require("risk:rules"))]
Id = Annotated[str, Path(min_length=26, max_length=26, pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")]
Text = Annotated[str, Field(min_length=1, max_length=128)]


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
) -> Principal:
    """``require("risk:score")`` without a worker-thread hop per dependency on the hot path:
    the same authentication, the same scope rule, the same problems."""
    if _needs_no_io(request):
        principal = authenticate(request)
    else:
        principal = await run_in_threadpool(authenticate, request)
    if principal.is_operator or not grants(principal.scopes, "risk:score"):
        raise PermissionDeniedError(rule="scope", scope="risk:score")
    return principal


FastScorer = Annotated[Principal, Depends(_scorer)]


async def _decide(
    request: Request, principal: Principal, events: list[Event]
) -> list[service.Answer]:
    """Give the read transaction back, queue the events and await the group commit: no thread
    is held while the writer works."""
    assert principal.tenant_id
    session = getattr(request.state, "session", None)
    if session is not None and session.in_transaction():
        await run_in_threadpool(_release, request)  # a pooled connection: rollback is I/O
    else:
        _release(request)
    tenant = _hub(request).tenant(principal.tenant_id)
    return await tenant.decide(events, principal.key_id, getattr(request.state, "request_id", None))


@scoring.post("/events", status_code=status.HTTP_201_CREATED, response_model=AnswerOut)
async def score_event(
    body: EventIn, request: Request, response: Response, principal: FastScorer
) -> AnswerOut:
    """Score one event before authorisation: allow / review / block, the score (0–1000), the
    rule hits and the top reasons, on the ledger. The event id is the idempotency key: a retry
    returns the stored decision (200) and is never counted twice."""
    event = body.event()
    answer = (await _decide(request, principal, [event]))[0]
    if answer.duplicate:
        response.status_code = status.HTTP_200_OK
    return answers_out([answer])[0]


@scoring.post("/events/batch", response_model=BatchOut)
async def score_batch(body: BatchIn, request: Request, principal: FastScorer) -> BatchOut:
    """Up to 1,000 events in time order, scored as if one by one; all validated first (one bad
    event refuses the batch, naming ``events[i].field``)."""

    def parse() -> list[Event]:  # up to 1,000 events: parsed off the event loop
        return [item.event(f"events[{i}].") for i, item in enumerate(body.events)]

    events = await run_in_threadpool(parse)
    return BatchOut(items=answers_out(await _decide(request, principal, events)))


@router.get("/events", response_model=EventPage)
def recent_events(
    session: Session,
    _principal: Scorer,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[
        int | None, Query(ge=1, le=2**62, description="next_before of the previous page")
    ] = None,
    outcome: Annotated[Literal["allow", "review", "block"] | None, Query()] = None,
) -> EventPage:
    """The live stream: newest scored events first."""
    query = select(RiskEvent).order_by(RiskEvent.seq.desc()).limit(limit + 1)
    if before is not None:
        query = query.where(RiskEvent.seq < before)
    if outcome is not None:
        query = query.where(RiskEvent.outcome == outcome)
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
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
        next_before=rows[-1].seq if more and rows else None,
    )


@router.post("/labels", response_model=LabelsOut)
def feed_labels(
    body: LabelsIn, request: Request, session: Session, principal: Investigator
) -> LabelsOut:
    """Confirmed fraud / not-fraud (e.g. chargebacks): stored, and fed to the windows that
    count labelled fraud (with their delay). All or nothing: a label for an event this tenant
    never scored is refused (404 naming ``labels[i].event_id``, the detail listing them)."""
    assert principal.tenant_id
    labels = [(item.event_id, item.is_fraud) for item in body.labels]
    service.feed_labels(session, principal.tenant_id, labels)
    tenant = _hub(request).tenant(principal.tenant_id)
    after_commit(session, lambda: tenant.label(labels))
    return LabelsOut(stored=len(labels))


@router.get("/rules", response_model=RuleSetOut)
def current_rules(session: Session, _principal: RuleAuthor) -> RuleSetOut:
    """The live rule set (the built-in starter set until the tenant publishes its own)."""
    version, digest, published, body = service.current_rules(session)
    return RuleSetOut(version=version, digest=digest, published_at=published, body=body)


@router.post("/rules", status_code=status.HTTP_201_CREATED, response_model=RuleSetOut)
def publish_rules(
    body: RulesIn, request: Request, session: Session, principal: RuleAuthor
) -> RuleSetOut:
    """Publish a new version: compiled and checked first (a bad rule names ``rules[i].when``
    and the rule broken), then live without a restart."""
    assert principal.tenant_id
    row = service.publish_rules(session, principal.tenant_id, body.rules, principal.key_id)
    after_commit(session, _hub(request).tenant(principal.tenant_id).reload_rules)
    return RuleSetOut(
        version=row.version, digest=row.digest, published_at=row.created_at, body=row.body
    )


@router.post("/rules/backtest", response_model=dict[str, Any])
def backtest_rules(body: BacktestIn, session: Session, _principal: RuleAuthor) -> dict[str, Any]:
    """Replay a candidate rule set over the tenant's scored history (features as they were at
    decision time) against the labels: hits, hit rate, precision, alert volume per rule."""
    return service.backtest(session, body.rules, body.limit)


def _case(row: RiskCase) -> CaseOut:
    return CaseOut(**{name: getattr(row, name) for name in CaseOut.model_fields})


@router.get("/cases", response_model=CasePage)
def list_cases(
    session: Session,
    _principal: Investigator,
    status_: Annotated[Literal["open", "closed"] | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
) -> CasePage:
    query = select(RiskCase).order_by(RiskCase.id.desc()).limit(limit + 1)
    if status_:
        query = query.where(RiskCase.status == status_)
    if cursor:
        query = query.where(RiskCase.id < cursor)
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return CasePage(
        items=[_case(r) for r in rows], next_cursor=rows[-1].id if more and rows else None
    )


@router.get("/alerts", response_model=AlertPage)
def alert_queue(
    session: Session,
    _principal: Investigator,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
) -> AlertPage:
    """Alerts of open cases, newest first."""
    query = (
        select(RiskAlert)
        .join(RiskCase, RiskCase.id == RiskAlert.case_id)
        .where(RiskCase.status == "open", RiskCase.tenant_id == RiskAlert.tenant_id)
        .order_by(RiskAlert.id.desc())
        .limit(limit + 1)
    )
    if cursor:
        query = query.where(RiskAlert.id < cursor)
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return AlertPage(
        items=[_alert(session, r, full=False) for r in rows],
        next_cursor=rows[-1].id if more and rows else None,
    )


def _alert(session: Any, row: RiskAlert, *, full: bool) -> AlertOut:
    out = AlertOut(
        id=row.id,
        case_id=row.case_id,
        event_id=row.event_id,
        action=row.action,
        score=row.score,
        rules=row.rules,
        created_at=row.created_at,
    )
    if full:
        event = session.scalar(select(RiskEvent).where(RiskEvent.event_id == row.event_id))
        if event is not None:
            out.event = event.body.get("event")
            out.features = event.body.get("features")
        out.decision = decisions.get(session, row.decision_id)
    return out


@router.get("/cases/{case_id}", response_model=CaseDetail)
def get_case(case_id: Id, session: Session, _principal: Investigator) -> CaseDetail:
    """The case with each alert's event, features, decision reasons, and the case history."""
    case = service.case_or_404(session, case_id)
    alerts = session.scalars(
        select(RiskAlert).where(RiskAlert.case_id == case.id).order_by(RiskAlert.id)
    ).all()
    notes = session.scalars(
        select(RiskCaseNote).where(RiskCaseNote.case_id == case.id).order_by(RiskCaseNote.id)
    ).all()
    return CaseDetail(
        **_case(case).model_dump(),
        alerts=[_alert(session, a, full=True) for a in alerts],
        notes=[
            NoteOut(id=n.id, author=n.author, kind=n.kind, body=n.body, created_at=n.created_at)
            for n in notes
        ],
    )


@router.post("/cases/{case_id}/assign", response_model=CaseOut)
def assign_case(case_id: Id, body: AssignIn, session: Session, principal: Investigator) -> CaseOut:
    return _case(service.assign(session, case_id, body.assignee, principal.key_id))


@router.post(
    "/cases/{case_id}/comments", status_code=status.HTTP_201_CREATED, response_model=NoteOut
)
def comment_case(
    case_id: Id, body: CommentIn, session: Session, principal: Investigator
) -> NoteOut:
    n = service.comment(session, case_id, body.body, principal.key_id)
    return NoteOut(id=n.id, author=n.author, kind=n.kind, body=n.body, created_at=n.created_at)


@router.post("/cases/{case_id}/close", response_model=CaseOut)
def close_case(
    case_id: Id, body: CloseIn, request: Request, session: Session, principal: Investigator
) -> CaseOut:
    """Close with a disposition; the case's events get the label, fed back to the engine."""
    assert principal.tenant_id
    case, labels = service.close(session, case_id, body.disposition, body.note, principal.key_id)
    tenant = _hub(request).tenant(principal.tenant_id)
    after_commit(session, lambda: tenant.label(labels))
    return _case(case)


@model_versions.post("", status_code=status.HTTP_202_ACCEPTED, response_model=JobOut)
def train(
    body: TrainIn,
    request: Request,
    response: Response,
    background: BackgroundTasks,
    session: Session,
    principal: RuleAuthor,
    _key: IdempotencyKey,
) -> JobOut:
    """Train a model on the tenant's logged events and their labels (case dispositions and
    ``POST /v1/risk/labels``), with features from the same declarations the engine computes;
    poll the job for the new version and its held-out AP and AUC."""
    assert principal.tenant_id
    job = jobs.create(session, principal.tenant_id, "risk.train", body.model_dump())
    work = service.training_work(request.app.state.db, principal.tenant_id, request.app.state.risk)
    # Runs after the response, i.e. after this request's transaction has committed the job.
    background.add_task(jobs.run, request.app.state.db, principal.tenant_id, job.id, work)
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return JobOut.model_validate(job, from_attributes=True)


@model_versions.get("", response_model=list[ModelOut])
def models(session: Session, _principal: RuleAuthor) -> list[ModelOut]:
    """Every risk model version, newest first, with its measured metrics."""
    return [
        ModelOut.model_validate(m, from_attributes=True) for m in registry.versions(session, "risk")
    ]


@model_versions.post("/{model_id}/promote", response_model=ModelOut)
def promote(
    model_id: Id,
    request: Request,
    session: Session,
    principal: RuleAuthor,
    _key: IdempotencyKey,
) -> ModelOut:
    """Make this version the champion; the engine picks it up once the change is committed."""
    assert principal.tenant_id
    found = session.get(ModelVersion, model_id)
    if found is None or found.tenant_id != principal.tenant_id or found.capability != "risk":
        raise NotFoundError(kind="model")
    row = registry.promote(session, model_id)
    # The writer thread rebuilds the engine (snapshot + log) with the new champion.
    tenant = request.app.state.risk.tenant(principal.tenant_id)
    after_commit(session, tenant.rebuild)
    return ModelOut.model_validate(row, from_attributes=True)
