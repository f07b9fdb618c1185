"""Identity over HTTP: validate Chinese identity numbers; screen names against sanctions lists."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Query, Response, status

from finbrain.identity import validators
from finbrain.identity.decision import ScreeningQuery, hit_json
from finbrain.platform.api.deps import (
    AppSettings,
    IdempotencyKey,
    Session,
    api_router,
    require,
)
from finbrain.platform.identity import allows
from finbrain.platform.identity import service as identity
from finbrain.platform.identity.schemas import (
    AllowCreated,
    AllowIn,
    AllowOut,
    AllowPage,
    HitOut,
    ListsOut,
    RescreenChangeOut,
    RescreenOut,
    ScreenOut,
    ScreenRequest,
    ValidateOut,
    ValidateRequest,
)
from finbrain.platform.pagination import CURSOR_PATTERN
from finbrain.platform.tenancy import Caller

router = api_router("/v1/identity", "identity")
Screener = Annotated[Caller, Depends(require("identity:screen"))]
Reviewer = Annotated[Caller, Depends(require("identity:review"))]


@router.post("/validate", response_model=ValidateOut)
def validate(body: ValidateRequest, _caller: Screener) -> ValidateOut:
    """Check a resident ID, social credit code, bank card or mobile number: which rule failed,
    in zh and en. Nothing is stored and the number is never echoed in full."""
    result = validators.check(body.kind, body.value)
    return ValidateOut(
        kind=result.kind,
        valid=result.valid,
        field=result.field,
        rule=result.rule,
        messages=dict(result.messages),
        details={k: _plain(v) for k, v in result.details.items()},
    )


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


@router.post("/screen", status_code=status.HTTP_201_CREATED, response_model=ScreenOut)
def screen(
    body: ScreenRequest,
    response: Response,
    session: Session,
    caller: Screener,
    settings: AppSettings,
    _key: IdempotencyKey,
) -> ScreenOut:
    """Screen a person or entity against OFAC SDN, UK FCDO and UN lists (Han/pinyin aware).
    The screening is a decision on the ledger, naming the list version."""
    decision, result = identity.screen(
        session,
        settings,
        caller,
        ScreeningQuery(
            name=body.name,
            kind=body.kind,
            birth_date=body.birth_date,
            nationality=body.nationality,
            id_number=body.id_number,
            customer_id=body.customer_id,
        ),
        threshold=body.threshold,
    )
    response.headers["Location"] = f"/v1/decisions/{decision.id}"
    return ScreenOut(
        decision=decision,
        outcome=result.outcome,
        list_version=result.list_version,
        candidates_considered=result.candidates_considered,
        hits=[HitOut(**hit_json(hit)) for hit in result.hits],
    )


@router.get("/lists", response_model=ListsOut)
def sanctions_lists(settings: AppSettings, _caller: Screener) -> ListsOut:
    """The list versions screenings run against."""
    index = identity.screening_index(settings)
    return ListsOut(version=index.version, lists=identity.list_versions(index))


@router.post("/rescreen", response_model=RescreenOut)
def rescreen(
    session: Session,
    caller: Screener,
    settings: AppSettings,
    _key: IdempotencyKey,
) -> RescreenOut:
    """Re-screen every remembered customer (screened with a ``customer_id``) whose last screening
    used another list version; each changed outcome is a new decision on the ledger."""
    version, count, changes = identity.rescreen(session, settings, caller)
    return RescreenOut(
        list_version=version,
        rescreened=count,
        changes=[RescreenChangeOut(**vars(change)) for change in changes],
    )


def _allow_out(row: Any) -> AllowOut:
    return AllowOut.model_validate(row, from_attributes=True)


@router.post("/allow-decisions", status_code=status.HTTP_201_CREATED, response_model=AllowCreated)
def allow(
    body: AllowIn,
    response: Response,
    session: Session,
    caller: Reviewer,
    settings: AppSettings,
    _key: IdempotencyKey,
) -> AllowCreated:
    """A person clears a screening hit as a false positive: ``name`` is not the listed entry.
    The decision goes on the ledger; later screenings of that name show the hit as allowed and
    no longer count it, until the list changes the entry. Only this clears a hit at or above
    the threshold (docs/screening.md)."""
    row, decision = allows.record(
        session,
        settings,
        caller,
        identity.screening_index(settings),
        name=body.name,
        list_id=body.list_id,
        entry_id=body.entry_id,
        note=body.note,
        customer_id=body.customer_id,
    )
    response.headers["Location"] = f"/v1/decisions/{decision.id}"
    return AllowCreated(allow=_allow_out(row), decision=decision)


@router.get("/allow-decisions", response_model=AllowPage)
def allow_decisions(
    session: Session,
    _caller: Reviewer,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
) -> AllowPage:
    """The recorded allow decisions, newest first."""
    rows, next_cursor = allows.page(session, limit=limit, cursor=cursor)
    return AllowPage(items=[_allow_out(r) for r in rows], next_cursor=next_cursor)
