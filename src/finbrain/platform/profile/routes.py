"""Profiling over HTTP: start a build of every customer's profile from the bank's transaction
log (a background job), and read one customer's profile."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, Path, Request, Response, status
from pydantic import BaseModel, Field

from finbrain.platform.api.deps import IdempotencyKey, Session, api_router, require
from finbrain.platform.api.schemas import JobOut
from finbrain.platform.profile import queries
from finbrain.platform.tenancy import Caller
from finbrain.platform.workers import jobs

router = api_router("/v1/profile", "profile")
Reader = Annotated[Caller, Depends(require("profile:read"))]
Builder = Annotated[Caller, Depends(require("profile:build"))]
CustomerId = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")]


class ProfileOut(BaseModel):
    customer_id: str
    as_of: str = Field(description="the time the features are as of (UTC)")
    catalog_version: str
    features: dict[str, float | None] = Field(description="customer-360 features by name")
    tags: list[dict[str, Any]] = Field(description="the tags that hold, each with its reason")
    segment: dict[str, Any] | None = Field(description="the segment and its persona (zh/en)")


@router.post("/builds", status_code=status.HTTP_202_ACCEPTED, response_model=JobOut)
def start_build(
    request: Request,
    response: Response,
    background: BackgroundTasks,
    session: Session,
    caller: Builder,
    _key: IdempotencyKey,
) -> JobOut:
    """Rebuild every customer's profile from the payments scored so far (the last 365 days):
    features, tags, segments with personas. Poll the job for the summary."""
    job = jobs.start(session, background, request.app.state, caller.tenant_id, "profile.build", {})
    return JobOut.accepted(response, job)


@router.get("/customers/{customer_id}", response_model=ProfileOut)
def customer(customer_id: CustomerId, session: Session, _caller: Reader) -> ProfileOut:
    """One customer's latest profile: features, the tags that hold and why, the segment."""
    return ProfileOut.model_validate(queries.customer(session, customer_id).body)
