"""Read a tenant's decisions: every automated decision with its reasons and ledger receipt."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from finbrain.core.decision import Decision
from finbrain.platform.api.deps import Session, api_router, require
from finbrain.platform.api.schemas import DecisionPage
from finbrain.platform.decisions import service as decisions
from finbrain.platform.pagination import CURSOR_PATTERN
from finbrain.platform.tenancy import Caller

router = api_router("/v1/decisions", "decisions")
Reader = Annotated[Caller, Depends(require("decisions:read"))]
Word = Annotated[str | None, Query(max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]


@router.get("", response_model=DecisionPage)
def list_decisions(
    session: Session,
    _caller: Reader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[
        str | None,
        Query(pattern=CURSOR_PATTERN, description="next_cursor of the previous page"),
    ] = None,
    capability: Word = None,
    outcome: Word = None,
    subject_type: Annotated[str | None, Query(max_length=32)] = None,
    subject_id: Annotated[str | None, Query(max_length=128)] = None,
) -> DecisionPage:
    """Newest first. Pass ``next_cursor`` back as ``cursor`` for the next page."""
    page = decisions.list_page(
        session,
        limit=limit,
        cursor=cursor,
        capability=capability,
        outcome=outcome,
        subject_type=subject_type,
        subject_id=subject_id,
    )
    return DecisionPage(items=page.items, next_cursor=page.next_cursor)


@router.get("/{decision_id}", response_model=Decision)
def get_decision(
    decision_id: Annotated[str, Path(min_length=1, max_length=64)],
    session: Session,
    _caller: Reader,
) -> Decision:
    return decisions.get(session, decision_id)
