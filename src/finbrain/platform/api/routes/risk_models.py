"""Risk model versions: list them, make one the champion (live in the engine without a restart).

The champion scores every event; the newest other version, if any, is the challenger: it
scores the same events in shadow (its score is kept with each event, never decides), so the
two can be compared on the same traffic before a promotion.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from finbrain.core.errors import NotFoundError
from finbrain.platform import registry
from finbrain.platform.api.deps import IdempotencyKey, Session, require
from finbrain.platform.api.problems import PROBLEM_RESPONSES
from finbrain.platform.api.routes.credit import ModelOut
from finbrain.platform.api.unit_of_work import UnitOfWorkRoute, after_commit
from finbrain.platform.store.models import ModelVersion
from finbrain.platform.tenancy import Principal

router = APIRouter(
    prefix="/v1/risk/models",
    tags=["risk"],
    route_class=UnitOfWorkRoute,
    responses=PROBLEM_RESPONSES,
)
RuleAuthor = Annotated[Principal, Depends(require("risk:rules"))]
Id = Annotated[str, Path(min_length=26, max_length=26, pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")]


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
    after_commit(session, lambda: tenant.call(lambda t: t.invalidate()))
    return ModelOut.model_validate(row, from_attributes=True)
