"""Background jobs of the calling tenant (e.g. model training), with progress."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel

from finbrain.core.errors import PermissionDeniedError
from finbrain.platform.api.deps import Session, current_principal
from finbrain.platform.api.problems import PROBLEM_RESPONSES
from finbrain.platform.api.unit_of_work import UnitOfWorkRoute
from finbrain.platform.tenancy import Principal
from finbrain.platform.workers import jobs

router = APIRouter(
    prefix="/v1/jobs", tags=["jobs"], route_class=UnitOfWorkRoute, responses=PROBLEM_RESPONSES
)
Id = Annotated[str, Path(min_length=26, max_length=26, pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")]


class JobOut(BaseModel):
    id: str
    kind: str
    status: str
    progress: int
    message: str
    result: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


def tenant_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if principal.is_operator:
        raise PermissionDeniedError(rule="tenant_key", scope="tenant")
    return principal


@router.get("/{job_id}", response_model=JobOut)
def get_job(
    job_id: Id, session: Session, _principal: Annotated[Principal, Depends(tenant_principal)]
) -> JobOut:
    return JobOut.model_validate(jobs.get(session, job_id), from_attributes=True)
