"""Credit scoring over HTTP: score an applicant with the champion scorecard; list and promote
model versions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from finbrain.core.decision import Decision
from finbrain.platform import credit, registry
from finbrain.platform.api.deps import AppSettings, IdempotencyKey, Session, require
from finbrain.platform.api.problems import PROBLEM_RESPONSES
from finbrain.platform.api.routes.jobs import JobOut
from finbrain.platform.api.unit_of_work import UnitOfWorkRoute
from finbrain.platform.tenancy import Principal
from finbrain.platform.workers import jobs

router = APIRouter(
    prefix="/v1/credit", tags=["credit"], route_class=UnitOfWorkRoute, responses=PROBLEM_RESPONSES
)
Scorer = Annotated[Principal, Depends(require("credit:score"))]
Trainer = Annotated[Principal, Depends(require("credit:train"))]
Value = float | int | str | bool | None
Id = Annotated[str, Path(min_length=26, max_length=26, pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")]


class ScoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    applicant_id: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9._:\-]+$",
        description="The bank's own applicant reference (never a resident ID number).",
    )
    features: dict[Annotated[str, Field(max_length=100)], Value] = Field(max_length=500)


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    applicants: list[ScoreRequest] = Field(min_length=1, max_length=1000)


class BatchOut(BaseModel):
    items: list[Decision]


class ModelOut(BaseModel):
    id: str
    name: str
    version: int
    kind: str
    status: str
    digest: str
    metrics: dict[str, Any]
    created_at: datetime


@router.post("/score", status_code=status.HTTP_201_CREATED, response_model=Decision)
def score(
    body: ScoreRequest,
    request: Request,
    response: Response,
    session: Session,
    principal: Scorer,
    settings: AppSettings,
    _key: IdempotencyKey,
) -> Decision:
    """Score an applicant: outcome, score, grade, up to four reasons (zh + en), ledger receipt."""
    assert principal.tenant_id
    decision = credit.score_applicant(
        session,
        settings,
        principal.tenant_id,
        body.applicant_id,
        body.features,
        key_id=principal.key_id,
        request_id=getattr(request.state, "request_id", None),
    )
    response.headers["Location"] = f"/v1/decisions/{decision.id}"
    return decision


class TrainRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9._\-]*$")
    dataset: Literal["german", "taiwan", "hmeq", "lendingclub"] | None = Field(
        default=None, description="A built-in real dataset; or send `rows` and `target`."
    )
    rows: list[dict[Annotated[str, Field(max_length=100)], Value]] | None = Field(
        default=None, max_length=20000
    )
    target: str | None = Field(default=None, max_length=100)
    kind: Literal["scorecard", "gbm"] = "scorecard"
    protected: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        default=None,
        max_length=50,
        description="Columns the model may never use as features; they are reported in the "
        "fairness check and recorded on the model card. Default: sex and marital status "
        "(for a built-in dataset, its own columns for them); [] excludes nothing.",
    )
    promote: bool = False
    max_n_bins: int = Field(default=6, ge=2, le=20)
    min_bin_size: float = Field(default=0.05, ge=0.01, le=0.5)

    @model_validator(mode="after")
    def _one_source(self) -> TrainRequest:
        if (self.dataset is None) == (self.rows is None):
            raise ValueError("give exactly one of dataset or rows")
        if self.rows is not None and not self.target:
            raise ValueError("rows need a target column")
        return self


@router.post("/score/batch", status_code=status.HTTP_201_CREATED, response_model=BatchOut)
def score_batch(
    body: BatchRequest,
    request: Request,
    session: Session,
    principal: Scorer,
    settings: AppSettings,
    _key: IdempotencyKey,
) -> BatchOut:
    """Score up to 1,000 applicants in one call; all are decided or none (one ledger batch)."""
    assert principal.tenant_id
    made = credit.score_batch(
        session,
        settings,
        principal.tenant_id,
        [(a.applicant_id, a.features) for a in body.applicants],
        key_id=principal.key_id,
        request_id=getattr(request.state, "request_id", None),
    )
    return BatchOut(items=made)


@router.post("/models", status_code=status.HTTP_202_ACCEPTED, response_model=JobOut)
def train_model(
    body: TrainRequest,
    request: Request,
    response: Response,
    background: BackgroundTasks,
    session: Session,
    principal: Trainer,
    _key: IdempotencyKey,
) -> JobOut:
    """Train a scorecard in the background; poll the job for progress and the new version."""
    assert principal.tenant_id
    job = jobs.create(session, principal.tenant_id, "credit.train", body.model_dump())
    db = request.app.state.db
    # Runs after the response, i.e. after this request's transaction has committed the job.
    background.add_task(
        jobs.run, db, principal.tenant_id, job.id, credit.training_work(db, principal.tenant_id)
    )
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return JobOut.model_validate(job, from_attributes=True)


class FeatureOut(BaseModel):
    name: str
    label: dict[str, str] = Field(description="The feature's name in zh and en.")
    type: Literal["number", "category", "boolean"]
    levels: list[str] | None = Field(
        default=None, description="A category's values as trained; another scores as missing."
    )
    integer: bool | None = Field(default=None, description="A number that was always whole.")
    min: float | int | None = Field(default=None, description="Smallest value in training.")
    max: float | int | None = Field(default=None, description="Largest value in training.")
    missing_seen: bool | None = Field(
        default=None, description="Missing values occurred in training (missing is scored)."
    )


class ModelDetailOut(ModelOut):
    features: list[FeatureOut] = Field(
        description="What an applicant record must carry: every feature the model reads, in "
        "order, with its allowed values. Other keys in `features` are ignored."
    )


def _detail(model: Any) -> ModelDetailOut:
    return ModelDetailOut(
        **ModelOut.model_validate(model, from_attributes=True).model_dump(),
        features=[FeatureOut.model_validate(f) for f in credit.schema_of(model)],
    )


@router.get("/models/champion", response_model=ModelDetailOut)
def champion_model(session: Session, _principal: Scorer) -> ModelDetailOut:
    """The champion that scores every new applicant, with the features a record must carry."""
    return _detail(registry.champion(session, "credit"))


@router.get("/models/{model_id}", response_model=ModelDetailOut)
def model(model_id: Id, session: Session, _principal: Scorer) -> ModelDetailOut:
    """One model version with its feature schema: each feature's label and allowed values
    (a category's levels, a number's trained range)."""
    return _detail(registry.get(session, "credit", model_id))


@router.get("/models", response_model=list[ModelOut])
def models(session: Session, _principal: Trainer) -> list[ModelOut]:
    return [
        ModelOut.model_validate(m, from_attributes=True)
        for m in registry.versions(session, "credit")
    ]


@router.post("/models/{model_id}/promote", response_model=ModelOut)
def promote(model_id: Id, session: Session, _principal: Trainer, _key: IdempotencyKey) -> ModelOut:
    """Make this version the champion that scores every new applicant."""
    return ModelOut.model_validate(registry.promote(session, model_id), from_attributes=True)
