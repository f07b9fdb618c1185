"""The online credit-card application (信用卡线上开卡) and its human review queue."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Response, status

from finbrain.core.decision import Decision
from finbrain.core.money import Money
from finbrain.platform import decisions
from finbrain.platform.api.deps import (
    AppSettings,
    IdempotencyKey,
    Session,
    Ulid,
    api_router,
    require,
)
from finbrain.platform.journeys import card_application as journey
from finbrain.platform.journeys.schemas import (
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    ReviewIn,
)
from finbrain.platform.journeys.tables import CardApplication
from finbrain.platform.pagination import CURSOR_PATTERN
from finbrain.platform.tenancy import Caller

router = api_router("/v1/applications", "applications")
Submitter = Annotated[Caller, Depends(require("applications:submit"))]
Reviewer = Annotated[Caller, Depends(require("applications:review"))]


def _out(
    session: Any,
    row: CardApplication,
    steps: list[Decision] | None = None,
    decision: Decision | None = None,
) -> ApplicationOut:
    limit = (
        Money.from_minor(row.limit_minor, row.currency).to_json()
        if row.limit_minor is not None
        else None
    )
    return ApplicationOut(
        id=row.id,
        reference=row.reference,
        status=row.status,
        outcome=row.outcome,
        limit=limit,
        thin_file=row.thin_file,
        applicant=row.applicant,
        review_status=row.review_status,
        reviewer=row.reviewer,
        review_note=row.review_note,
        created_at=row.created_at,
        reviewed_at=row.reviewed_at,
        decision=decision or decisions.get(session, row.decision_id),
        steps=steps
        if steps is not None
        else [decisions.get(session, d) for d in row.step_decisions],
        review_decision=decisions.get(session, row.review_decision_id)
        if row.review_decision_id
        else None,
    )


@router.post("/credit-card", status_code=status.HTTP_201_CREATED, response_model=ApplicationOut)
def apply(
    body: ApplicationIn,
    response: Response,
    session: Session,
    caller: Submitter,
    settings: AppSettings,
    _key: IdempotencyKey,
) -> ApplicationOut:
    """Identify, screen, check for application fraud, score, assign a limit and decide —
    approve, refer or decline with reasons in zh and en, every step on the ledger."""
    app = journey.Application(
        reference=body.reference,
        applicant=journey.Applicant(**body.applicant.model_dump()),
        monthly_income=body.monthly_income.money("monthly_income"),
        employment=body.employment,
        bureau=dict(body.bureau.features) if body.bureau else None,
        mobile_tenure_months=body.mobile_tenure_months,
        utility_on_time_ratio=body.utility_on_time_ratio,
    )
    result = journey.apply(session, settings, caller, app)
    response.headers["Location"] = f"/v1/applications/{result.application.id}"
    return _out(session, result.application, result.steps, result.decision)


@router.get("", response_model=ApplicationPage)
def list_applications(
    session: Session,
    _caller: Reviewer,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
    status_: Annotated[
        Literal["approved", "referred", "declined"] | None, Query(alias="status")
    ] = None,
    review_status: Annotated[Literal["pending", "approved", "declined"] | None, Query()] = None,
) -> ApplicationPage:
    """Newest first; ``review_status=pending`` is the referral queue."""
    rows, next_cursor = journey.page(
        session, limit=limit, cursor=cursor, status=status_, review_status=review_status
    )
    return ApplicationPage(items=[_out(session, row) for row in rows], next_cursor=next_cursor)


@router.get("/{application_id}", response_model=ApplicationOut)
def get_application(application_id: Ulid, session: Session, caller: Reviewer) -> ApplicationOut:
    return _out(session, journey.get(session, caller.tenant_id, application_id))


@router.post("/{application_id}/review", response_model=ApplicationOut)
def review(
    application_id: Ulid,
    body: ReviewIn,
    session: Session,
    caller: Reviewer,
    settings: AppSettings,
    _key: IdempotencyKey,
) -> ApplicationOut:
    """A person decides a referred application; the review is a decision on the ledger."""
    row, _decision = journey.review(
        session,
        settings,
        caller,
        application_id,
        outcome=body.outcome,
        limit=body.limit.money("limit") if body.limit else None,
        note=body.note,
        reviewer=caller.author,
    )
    return _out(session, row)
