"""Credit scoring over HTTP: score an applicant with the champion scorecard; list and promote
model versions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, Request, Response, status

from finbrain.core.decision import Decision
from finbrain.platform import registry
from finbrain.platform.api.deps import (
    AppSettings,
    IdempotencyKey,
    Session,
    Ulid,
    api_router,
    require,
)
from finbrain.platform.api.schemas import JobOut
from finbrain.platform.credit import service as credit
from finbrain.platform.credit.schemas import (
    BatchOut,
    BatchRequest,
    FeatureOut,
    ModelDetailOut,
    ModelOut,
    ScoreRequest,
    TrainRequest,
)
from finbrain.platform.tenancy import Caller
from finbrain.platform.workers import jobs

router = api_router("/v1/credit", "credit")
Scorer = Annotated[Caller, Depends(require("credit:score"))]
Trainer = Annotated[Caller, Depends(require("credit:train"))]


@router.post("/score", status_code=status.HTTP_201_CREATED, response_model=Decision)
def score(
    body: ScoreRequest,
    request: Request,
    response: Response,
    session: Session,
    caller: Scorer,
    settings: AppSettings,
    _key: IdempotencyKey,
) -> Decision:
    """Score an applicant: outcome, score, grade, up to four reasons (zh + en), ledger receipt."""
    decision = credit.score_applicant(session, settings, caller, body.applicant_id, body.features)
    response.headers["Location"] = f"/v1/decisions/{decision.id}"
    return decision


@router.post("/score/batch", status_code=status.HTTP_201_CREATED, response_model=BatchOut)
def score_batch(
    body: BatchRequest,
    session: Session,
    caller: Scorer,
    settings: AppSettings,
    _key: IdempotencyKey,
) -> BatchOut:
    """Score up to 1,000 applicants in one call; all are decided or none (one ledger batch)."""
    made = credit.score_batch(
        session, settings, caller, [(a.applicant_id, a.features) for a in body.applicants]
    )
    return BatchOut(items=made)


@router.post("/models", status_code=status.HTTP_202_ACCEPTED, response_model=JobOut)
def train_model(
    body: TrainRequest,
    request: Request,
    response: Response,
    background: BackgroundTasks,
    session: Session,
    caller: Trainer,
    _key: IdempotencyKey,
) -> JobOut:
    """Train a scorecard in the background; poll the job for progress and the new version."""
    state = request.app.state
    job = jobs.start(
        session, background, state, caller.tenant_id, "credit.train", body.model_dump()
    )
    return JobOut.accepted(response, job)


def _detail(model: Any) -> ModelDetailOut:
    return ModelDetailOut(
        **ModelOut.model_validate(model, from_attributes=True).model_dump(),
        features=[FeatureOut.model_validate(f) for f in credit.schema_of(model)],
    )


@router.get("/models/champion", response_model=ModelDetailOut)
def champion_model(session: Session, _caller: Scorer) -> ModelDetailOut:
    """The champion that scores every new applicant, with the features a record must carry."""
    return _detail(registry.champion(session, "credit"))


@router.get("/models/{model_id}", response_model=ModelDetailOut)
def model(model_id: Ulid, session: Session, _caller: Scorer) -> ModelDetailOut:
    """One model version with its feature schema: each feature's label and allowed values
    (a category's levels, a number's trained range)."""
    return _detail(registry.get(session, "credit", model_id))


@router.get("/models", response_model=list[ModelOut])
def models(session: Session, _caller: Trainer) -> list[ModelOut]:
    return [
        ModelOut.model_validate(m, from_attributes=True)
        for m in registry.versions(session, "credit")
    ]


@router.post("/models/{model_id}/promote", response_model=ModelOut)
def promote(model_id: Ulid, session: Session, _caller: Trainer, _key: IdempotencyKey) -> ModelOut:
    """Make this version the champion that scores every new applicant."""
    return ModelOut.model_validate(registry.promote(session, model_id), from_attributes=True)
