"""Product recommendations per tenant: what the bank sends of its customers' purchases,
holdings and views, with the holdings and orders of advisory proposals, trains one
``finbrain.match.Recommender`` (product features from the shelf score products nobody has
bought yet; a customer it has never seen gets popularity). The client's suitability mask
(``finbrain.advisory`` rules on the stored profile) is applied **before** ranking, and the
list is checked once more here: a recommendation that breaks a rule is never returned.

The fitted model is kept in this process per tenant and per version of what it learnt from
(the interactions, the proposals and the shelf): a change to any of them refits on the next
call; nothing is stale. Fitting is alternating least squares over every customer, cheap for
thousands of customers (see docs/advisory.md for measured times); a bank with millions would
train it as a background job instead (not there yet)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finbrain.advisory.shelf import ProductKind, Shelf
from finbrain.core.decision import Decision, utcnow
from finbrain.core.errors import FinbrainError, ValidationError
from finbrain.core.settings import Settings
from finbrain.match import Recommender, nothing_to_rank, violation_rate
from finbrain.platform import decisions
from finbrain.platform.advisory import proposals, queries
from finbrain.platform.match.tables import MatchInteraction
from finbrain.platform.tenancy import Caller

if TYPE_CHECKING:
    import pandas as pd

LISTED = {"MATCH-COLLABORATIVE": "collaborative", "MATCH-FEATURES": "features",
          "MATCH-POPULARITY": "popularity"}  # fmt: skip
WEIGHTS = {"purchase": 1.0, "holding": 1.0, "view": 0.2, "proposed": 0.5}
CACHED_MODELS = 32


def record(
    session: Session,
    caller: Caller,
    items: Sequence[tuple[str, str, str, float | None, datetime | None]],
) -> int:
    """Store interactions ``(customer, product, kind, weight, occurred_at)``. A product must be
    on the shelf (``interactions.<n>.product``, ``on_the_shelf``)."""
    shelf = queries.loaded_shelf(session).shelf
    now = utcnow()
    rows = []
    for n, (customer, product, kind, weight, occurred_at) in enumerate(items):
        if not shelf.has(product):
            raise ValidationError(field=f"interactions.{n}.product", rule="on_the_shelf")
        if occurred_at is not None and occurred_at.tzinfo is None:
            raise ValidationError(
                field=f"interactions.{n}.occurred_at", rule="timezone_aware_datetime"
            )
        rows.append(
            MatchInteraction(
                tenant_id=caller.tenant_id,
                customer=customer,
                product=product,
                kind=kind,
                weight=float(weight if weight is not None else WEIGHTS[kind]),
                occurred_at=occurred_at or now,
                created_at=now,
            )
        )
    session.add_all(rows)
    session.flush()
    return len(rows)


@dataclass(frozen=True)
class Recommendation:
    decision: Decision
    codes: list[str]
    sources: list[str]
    shelf: Shelf
    eligible: int
    feedback: int


def recommend(
    session: Session, caller: Caller, customer: str, *, k: int = 10, at: datetime | None = None
) -> Recommendation:
    """The top ``k`` suitable products for ``customer`` (an assessed advisory client: 404 if
    not, 409 when the assessment has expired), not repeating what the customer holds."""
    at = at or utcnow()
    profile = proposals.current_profile(session, customer, at, field="customer")
    loaded = queries.loaded_shelf(session)
    shelf = loaded.shelf
    if len(shelf) == 0:
        raise ValidationError(
            code="FB-ADVISORY-NO-SHELF", field="shelf", rule="at_least_one_product"
        )
    # suitable and on sale: a product the bank withdrew is never listed
    mask = proposals.rules().mask(profile, shelf, at=at) & on_sale(shelf)
    model, feedback, held = _model(session, loaded.version, shelf, customer)
    if model is None:
        decision = nothing_to_rank(customer, shelf.codes, mask, k=k, at=at)
    else:
        decision = model.recommend(customer, shelf.codes, mask, k=k, exclude=sorted(held), at=at)
    listed = [r for r in decision.reasons if r.code in LISTED]
    codes = [str(r.feature) for r in listed]
    if violation_rate(codes, shelf.codes, mask) != 0:  # never returned: a bug, loudly
        raise FinbrainError("a recommendation breaks a suitability rule", rule="suitable_only")
    sources = [LISTED[r.code] for r in listed]
    return Recommendation(
        decision.for_tenant(caller.tenant_id), codes, sources, shelf, int(mask.sum()), feedback
    )


def recommend_and_record(
    session: Session, settings: Settings, caller: Caller, customer: str, *, k: int = 10
) -> Recommendation:
    """:func:`recommend`, with the list recorded as a decision on the ledger (办法 art. 32:
    what was recommended to whom, and why, is kept). A refusal records nothing."""
    made = recommend(session, caller, customer, k=k)
    recorded = decisions.record(session, made.decision, settings=settings, caller=caller)
    return replace(made, decision=recorded)


def on_sale(shelf: Shelf) -> np.ndarray:
    """Which products the bank still sells (not withdrawn), in shelf order."""
    return np.fromiter((not p.withdrawn for p in shelf), bool, count=len(shelf))


# -- the model ---------------------------------------------------------------------------------

_models: OrderedDict[tuple[Any, ...], tuple[Recommender | None, int, dict[str, set[str]]]]
_models = OrderedDict()
_lock = threading.Lock()


def _model(
    session: Session, shelf_version: int, shelf: Shelf, customer: str
) -> tuple[Recommender | None, int, set[str]]:
    """The tenant's fitted recommender (None with no feedback at all), how many interactions
    it learnt from, and what ``customer`` holds."""
    n, newest = session.execute(
        select(func.count(), func.max(MatchInteraction.id)).select_from(MatchInteraction)
    ).one()
    key = (
        queries.store_key(session),
        session.info.get("tenant_id"),
        shelf_version,
        int(n),
        newest,
        queries.proposals_version(session),
    )
    with _lock:
        hit = _models.get(key)
    if hit is None:
        frame, holdings = _feedback(session, shelf)
        fitted = None
        if len(frame):
            fitted = _fit(frame, shelf)
        hit = (fitted, len(frame), holdings)
        with _lock:
            _models[key] = hit
            while len(_models) > CACHED_MODELS:
                _models.popitem(last=False)
    model, size, holdings = hit
    return model, size, holdings.get(customer, set())


def _feedback(session: Session, shelf: Shelf) -> tuple[pd.DataFrame, dict[str, set[str]]]:
    """Every (customer, product, weight) the platform knows, for products on the shelf, and
    each customer's holdings."""
    import pandas as pd

    rows: list[tuple[str, str, float]] = []
    holdings: dict[str, set[str]] = {}
    stored = session.execute(
        select(MatchInteraction.customer, MatchInteraction.product, MatchInteraction.kind,
               MatchInteraction.weight)
    )  # fmt: skip
    for customer, product, kind, weight in stored:
        rows.append((customer, product, float(weight)))
        if kind == "holding":
            holdings.setdefault(customer, set()).add(product)
    for customer, held, orders in queries.proposal_feedback(session):
        for h in held:
            rows.append((customer, h["code"], WEIGHTS["holding"]))
            holdings.setdefault(customer, set()).add(h["code"])
        for o in orders:
            if o["side"] == "buy":
                rows.append((customer, o["code"], WEIGHTS["proposed"]))
    frame = pd.DataFrame(rows, columns=["customer", "product", "weight"])
    return frame[frame["product"].map(shelf.has)], holdings


def _fit(frame: pd.DataFrame, shelf: Shelf) -> Recommender:
    """ALS on the feedback, with the shelf's product features for products nobody bought."""
    products = frame["product"].nunique()
    model = Recommender(factors=max(1, min(16, products)), iterations=10, random_state=0)
    features = product_features(shelf)
    bought = set(frame["product"])
    return model.fit(frame, features if len(bought & set(features.index)) >= 2 else None)


def product_features(shelf: Shelf) -> pd.DataFrame:
    """What a product is, as numbers: risk level, kind, fees, lock-up, complexity."""
    import pandas as pd

    rows = []
    for p in shelf:
        row: dict[str, float] = {
            "risk": float(int(p.risk)),
            "buy_fee": float(p.buy_fee),
            "management_fee": float(p.management_fee),
            "lock_up_years": p.lock_up_years,
            "complex": float(p.complex),
            "high_risk": float(p.is_high_risk),
        }
        row.update({f"kind_{k.value}": float(p.kind is k) for k in ProductKind})
        rows.append(row)
    return pd.DataFrame(rows, index=pd.Index(shelf.codes, name="product"))
