"""Risk model versions: train one on the tenant's own log and labels, list them, make one the
champion (live in the engine without a restart).

The champion scores every event; the newest other version, if any, is the challenger: it
scores the same events in shadow (its score is kept with each event, never decides), so the
two can be compared on the same traffic before a promotion.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from finbrain.core.errors import NotFoundError
from finbrain.platform import registry
from finbrain.platform import risk as service
from finbrain.platform.api.deps import IdempotencyKey, Session, require
from finbrain.platform.api.problems import PROBLEM_RESPONSES
from finbrain.platform.api.routes.jobs import JobOut
from finbrain.platform.api.unit_of_work import UnitOfWorkRoute, after_commit
from finbrain.platform.credit.schemas import ModelOut
from finbrain.platform.store.models import ModelVersion
from finbrain.platform.tenancy import Principal
from finbrain.platform.workers import jobs

router = APIRouter(
    prefix="/v1/risk/models",
    tags=["risk"],
    route_class=UnitOfWorkRoute,
    responses=PROBLEM_RESPONSES,
)
RuleAuthor = Annotated[Principal, Depends(require("risk:rules"))]
Id = Annotated[str, Path(min_length=26, max_length=26, pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")]


class TrainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64, description="the version's name")
    events: int = Field(
        default=200_000, ge=1_000, le=2_000_000, description="newest logged events to learn from"
    )
    holdout: float = Field(
        default=0.2, ge=0.05, le=0.5, description="the newest share kept out to measure AP and AUC"
    )
    promote: bool = Field(
        default=False,
        description="make it the champion at once (else it scores in shadow as the challenger)",
    )


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=JobOut)
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


@router.get("", response_model=list[ModelOut])
def models(session: Session, _principal: RuleAuthor) -> list[ModelOut]:
    """Every risk model version, newest first, with its measured metrics."""
    return [
        ModelOut.model_validate(m, from_attributes=True) for m in registry.versions(session, "risk")
    ]


@router.post("/{model_id}/promote", response_model=ModelOut)
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
