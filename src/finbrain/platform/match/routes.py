"""Product matching over HTTP: what customers bought, hold or looked at (for the recommender to
learn from), and recommendations that are never unsuitable."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, status

from finbrain.platform.api.deps import AppSettings, IdempotencyKey, Session, api_router, require
from finbrain.platform.match import service as match
from finbrain.platform.match.schemas import (
    InteractionsIn,
    InteractionsOut,
    RecommendationIn,
    RecommendationsOut,
    RecommendedOut,
)
from finbrain.platform.tenancy import Caller

router = api_router("/v1/match", "match")
Matcher = Annotated[Caller, Depends(require("match:recommend"))]


@router.post("/interactions", response_model=InteractionsOut)
def interactions(
    body: InteractionsIn, session: Session, caller: Matcher, _key: IdempotencyKey
) -> InteractionsOut:
    """Purchases, holdings and views of products on the advisory shelf, for the recommender
    to learn from (proposals' holdings and orders count too, without being sent)."""
    written = match.record(
        session,
        caller,
        [(i.customer, i.product, i.kind, i.weight, i.occurred_at) for i in body.interactions],
    )
    return InteractionsOut(written=written)


@router.post(
    "/recommendations", status_code=status.HTTP_201_CREATED, response_model=RecommendationsOut
)
def recommend(
    body: RecommendationIn,
    session: Session,
    caller: Matcher,
    settings: AppSettings,
    _key: IdempotencyKey,
) -> RecommendationsOut:
    """Recommend to a client: the top `k` products among those the client's suitability rules
    allow and the bank still sells (the mask is applied before ranking: the violation rate is
    0), not repeating what the client holds, with a reason for each (zh and en). The list is
    a decision on the ledger: what was recommended, to whom and why is kept."""
    return _answer(match.recommend_and_record(session, settings, caller, body.customer, k=body.k))


@router.get("/recommendations", response_model=RecommendationsOut, deprecated=True)
def recommendations(
    session: Session,
    caller: Matcher,
    customer: Annotated[str, Query(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")],
    k: Annotated[int, Query(ge=1, le=100)] = 10,
) -> RecommendationsOut:
    """A preview of what `POST /v1/match/recommendations` would list, recorded nowhere (a GET
    commits nothing: its decision has no ledger receipt). Deprecated for anything shown to a
    client: use the POST, which records the recommendation."""
    return _answer(match.recommend(session, caller, customer, k=k))


def _answer(made: match.Recommendation) -> RecommendationsOut:
    items = []
    for rank, (code, source) in enumerate(zip(made.codes, made.sources, strict=True), start=1):
        product = made.shelf[code]
        items.append(
            RecommendedOut(
                rank=rank,
                code=code,
                name=product.name.model_dump(),
                kind=product.kind.value,
                risk=product.risk.label,
                source=source,
            )
        )
    return RecommendationsOut(
        decision=made.decision,
        items=items,
        eligible=made.eligible,
        shelf=len(made.shelf),
        feedback=made.feedback,
    )
