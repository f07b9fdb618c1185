"""Background jobs of the calling tenant (e.g. model training), with progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from finbrain.core.errors import PermissionDeniedError
from finbrain.platform.api.deps import Session, Ulid, api_router, current_principal
from finbrain.platform.api.schemas import JobOut
from finbrain.platform.tenancy import Principal
from finbrain.platform.workers import jobs

router = api_router("/v1/jobs", "jobs")


def tenant_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if principal.is_operator:
        raise PermissionDeniedError(rule="tenant_key", scope="tenant")
    return principal


@router.get("/{job_id}", response_model=JobOut)
def get_job(
    job_id: Ulid, session: Session, _principal: Annotated[Principal, Depends(tenant_principal)]
) -> JobOut:
    return JobOut.model_validate(jobs.get(session, job_id), from_attributes=True)
