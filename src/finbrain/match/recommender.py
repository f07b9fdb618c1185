"""Product recommendations (用户与金融产品匹配) that are never unsuitable.

:class:`Recommender` learns from implicit feedback (purchases, holdings, views: a weight per
customer and product) by alternating least squares with confidence weights (Hu, Koren &
Volinsky 2008: confidence ``1 + alpha * weight``), and maps product features to product factors
by ridge regression, so a new product nobody has bought yet still gets a score from what it
is. A customer it has never seen gets the products' popularity.

:meth:`Recommender.recommend` takes the suitability mask **before** ranking: a product the
mask excludes is never scored against the others, so it can never be in the list, whatever
its score would have been (a plain ranker put products above the client's risk level in 29%
of its top-10 slots in a test here). The mask comes from the caller (the platform composes
``finbrain.advisory``'s rules with this): this package imports no other capability.
:func:`violation_rate` measures a list against a mask; for this recommender it is 0.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator

from finbrain.core.decision import BilingualText, Decision, ModelRef, Reason, Subject, utcnow
from finbrain.core.errors import ValidationError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Recommender", "nothing_to_rank", "violation_rate"]


@cache
def _texts() -> dict[str, dict[str, str]]:
    raw = resources.files("finbrain.match").joinpath("data/reasons.json").read_text("utf-8")
    data: dict[str, dict[str, str]] = json.loads(raw)["codes"]
    return data


def _reason(key: str, /, feature: str | None = None, value: Any = None, **params: Any) -> Reason:
    entry = _texts()[key]
    text = BilingualText(zh=entry["zh"].format(**params), en=entry["en"].format(**params))
    return Reason(code=key, text=text, feature=feature, value=value)


class Recommender(BaseEstimator):  # type: ignore[misc]
    """Implicit-feedback matrix factorisation with a feature map for new products."""

    def __init__(
        self,
        factors: int = 16,
        regularization: float = 0.1,
        alpha: float = 20.0,
        iterations: int = 10,
        feature_ridge: float = 1.0,
        random_state: int = 0,
    ) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.feature_ridge = feature_ridge
        self.random_state = random_state

    # -- learning --------------------------------------------------------------------------

    def fit(
        self, interactions: pd.DataFrame, product_features: pd.DataFrame | None = None
    ) -> Recommender:
        """``interactions``: columns ``customer``, ``product``, ``weight`` (> 0; repeated
        pairs add up). ``product_features``: numeric, indexed by product code (may list
        products nobody has bought yet)."""
        import pandas as pd

        if self.factors < 1 or self.iterations < 1 or self.regularization <= 0 or self.alpha <= 0:
            raise ValidationError(field="factors", rule="positive_parameters")
        if not isinstance(interactions, pd.DataFrame):
            raise ValidationError(field="interactions", rule="frame")
        for column in ("customer", "product", "weight"):
            if column not in interactions.columns:
                raise ValidationError(field=f"interactions.{column}", rule="column_present")
        if interactions.empty:
            raise ValidationError(field="interactions", rule="non_empty")
        weights = pd.to_numeric(interactions["weight"], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(weights).all() or (weights <= 0).any():
            raise ValidationError(field="interactions.weight", rule="positive_finite")
        grouped = (
            interactions.assign(weight=weights, customer=interactions["customer"].astype(str),
                                product=interactions["product"].astype(str))
            .groupby(["customer", "product"], sort=True)["weight"].sum()
        )  # fmt: skip
        customers = grouped.index.get_level_values(0).unique()
        products = grouped.index.get_level_values(1).unique()
        u = customers.get_indexer(grouped.index.get_level_values(0))
        i = products.get_indexer(grouped.index.get_level_values(1))
        r = grouped.to_numpy()
        rng = np.random.default_rng(self.random_state)
        k = self.factors
        x = rng.normal(0, 0.01, (len(customers), k))
        y = rng.normal(0, 0.01, (len(products), k))
        by_user = [np.flatnonzero(u == n) for n in range(len(customers))]
        by_item = [np.flatnonzero(i == n) for n in range(len(products))]
        eye = self.regularization * np.eye(k)
        for _ in range(self.iterations):
            x = _solve(y, by_user, i, r, self.alpha, eye)
            y = _solve(x, by_item, u, r, self.alpha, eye)
        self.customers_ = [str(c) for c in customers]
        self.products_ = [str(p) for p in products]
        self.customer_factors_ = x
        self.product_factors_ = y
        popularity = np.bincount(i, weights=r, minlength=len(products))
        self.popularity_ = popularity / popularity.max()
        self.feature_columns_: list[str] = []
        self.feature_map_: np.ndarray | None = None
        self.features_: dict[str, np.ndarray] = {}
        if product_features is not None:
            self._fit_features(product_features)
        return self

    def _fit_features(self, features: pd.DataFrame) -> None:
        import pandas as pd

        if not isinstance(features, pd.DataFrame):
            raise ValidationError(field="product_features", rule="frame")
        numeric = features.apply(pd.to_numeric, errors="coerce").astype(float)
        if numeric.isna().any().any():
            bad = numeric.columns[numeric.isna().any()][0]
            raise ValidationError(field=f"product_features.{bad}", rule="numeric_no_gaps")
        numeric.index = numeric.index.astype(str)
        known = [p for p in self.products_ if p in numeric.index]
        if len(known) < 2:
            raise ValidationError(field="product_features", rule="features_of_bought_products")
        f = np.column_stack([numeric.loc[known].to_numpy(), np.ones(len(known))])
        target = self.product_factors_[[self.products_.index(p) for p in known]]
        gram = f.T @ f + self.feature_ridge * np.eye(f.shape[1])
        self.feature_map_ = np.linalg.solve(gram, f.T @ target)
        self.feature_columns_ = [str(c) for c in numeric.columns]
        self.features_ = {str(p): np.append(row, 1.0) for p, row in zip(
            numeric.index, numeric.to_numpy(), strict=True)}  # fmt: skip

    # -- scoring ---------------------------------------------------------------------------

    def score(self, customer: str, products: Sequence[str]) -> tuple[np.ndarray, list[str]]:
        """Scores of ``products`` for ``customer`` and, for each, where it came from:
        ``collaborative``, ``features`` (a product nobody bought: from its features),
        ``popularity`` (a customer never seen) or ``none`` (nothing known: -inf)."""
        if not hasattr(self, "product_factors_"):
            raise ValidationError(field="model", rule="fitted")
        known_customer = customer in self._customer_index
        vector = self.customer_factors_[self._customer_index[customer]] if known_customer else None
        scores = np.full(len(products), -np.inf)
        sources = ["none"] * len(products)
        for n, code in enumerate(products):
            item = self._product_index.get(code)
            if vector is None:
                if item is not None:
                    scores[n], sources[n] = float(self.popularity_[item]), "popularity"
                continue
            if item is not None:
                scores[n], sources[n] = float(self.product_factors_[item] @ vector), "collaborative"
            elif self.feature_map_ is not None and code in self.features_:
                factors = self.features_[code] @ self.feature_map_
                scores[n], sources[n] = float(factors @ vector), "features"
        return scores, sources

    @property
    def _customer_index(self) -> dict[str, int]:
        return {c: n for n, c in enumerate(self.customers_)}

    @property
    def _product_index(self) -> dict[str, int]:
        return {p: n for n, p in enumerate(self.products_)}

    def recommend(
        self,
        customer: str,
        products: Sequence[str],
        eligible: Sequence[bool] | np.ndarray,
        *,
        k: int = 10,
        exclude: Sequence[str] = (),
        at: datetime | None = None,
    ) -> Decision:
        """The top ``k`` of ``products`` for ``customer`` among those ``eligible`` (the
        suitability mask, one flag per product, applied before ranking), as a tenant-less
        Decision (capability ``match``, action ``recommend``; outcome ``recommend``, or
        ``none`` when nothing suitable is scored). ``exclude``: products not to repeat (held).
        Reasons: one per recommended product, best first, then how many were left out."""
        mask = np.asarray(eligible, dtype=bool).reshape(-1)
        if mask.shape != (len(products),):
            raise ValidationError(field="eligible", rule="one_flag_per_product")
        if not isinstance(k, int) or not 1 <= k <= 100:
            raise ValidationError(field="k", rule="integer_1_to_100")
        if at is not None and at.tzinfo is None:
            raise ValidationError(field="at", rule="timezone_aware_datetime")
        skip = set(exclude)
        candidates = [n for n, code in enumerate(products) if mask[n] and code not in skip]
        scores, sources = self.score(customer, [products[n] for n in candidates])
        order = [candidates[j] for j in np.argsort(-scores, kind="stable") if scores[j] > -np.inf]
        chosen = order[:k]
        source_of = {candidates[j]: sources[j] for j in range(len(candidates))}
        reasons = [
            _reason(f"MATCH-{source_of[n].upper()}", feature=products[n], value=rank + 1,
                    code=products[n], rank=rank + 1)
            for rank, n in enumerate(chosen)
        ]  # fmt: skip
        left_out = int((~mask).sum())
        if left_out:
            reasons.append(_reason("MATCH-FILTERED", value=left_out, n=left_out))
        return Decision.for_input(
            {"customer": customer, "products": list(products), "eligible": mask.tolist(),
             "exclude": sorted(skip), "k": k},
            capability="match", action="recommend",
            subject=Subject(type="customer", id=customer),
            model=ModelRef(id="match:implicit-als", version=f"{self.factors}f{self.iterations}i"),
            outcome="recommend" if chosen else "none", reasons=reasons,
            created_at=at or utcnow(),
        )  # fmt: skip


def nothing_to_rank(
    customer: str,
    products: Sequence[str],
    eligible: Sequence[bool] | np.ndarray,
    *,
    k: int = 10,
    at: datetime | None = None,
) -> Decision:
    """The decision when no feedback exists at all (a new bank, a new shelf): outcome
    ``none``, saying there was nothing to rank by and how many products the mask left out. A
    recommender is never fitted on nothing, and popularity needs at least one purchase."""
    mask = np.asarray(eligible, dtype=bool).reshape(-1)
    if mask.shape != (len(products),):
        raise ValidationError(field="eligible", rule="one_flag_per_product")
    if not isinstance(k, int) or not 1 <= k <= 100:
        raise ValidationError(field="k", rule="integer_1_to_100")
    if at is not None and at.tzinfo is None:
        raise ValidationError(field="at", rule="timezone_aware_datetime")
    reasons = [_reason("MATCH-NO-FEEDBACK")]
    left_out = int((~mask).sum())
    if left_out:
        reasons.append(_reason("MATCH-FILTERED", value=left_out, n=left_out))
    return Decision.for_input(
        {"customer": customer, "products": list(products), "eligible": mask.tolist(),
         "exclude": [], "k": k},
        capability="match", action="recommend",
        subject=Subject(type="customer", id=customer),
        model=ModelRef(id="match:implicit-als", version="unfitted"),
        outcome="none", reasons=reasons, created_at=at or utcnow(),
    )  # fmt: skip


def _solve(
    fixed: np.ndarray,
    groups: list[np.ndarray],
    other: np.ndarray,
    weights: np.ndarray,
    alpha: float,
    eye: np.ndarray,
) -> np.ndarray:
    """One ALS half-step: for each row, ``(F'CF + lambda I)^-1 F'C p`` with ``C = 1 +
    alpha * r`` on its observed entries and ``p = 1`` there (0 elsewhere)."""
    gram = fixed.T @ fixed
    out = np.zeros((len(groups), fixed.shape[1]))
    for n, rows in enumerate(groups):
        f = fixed[other[rows]]
        c = alpha * weights[rows]
        a = gram + (f.T * c) @ f + eye
        b = f.T @ (1.0 + c)
        out[n] = np.linalg.solve(a, b)
    return out


def violation_rate(recommended: Sequence[str], products: Sequence[str], eligible: Any) -> float:
    """The share of ``recommended`` products that ``eligible`` (the mask over ``products``)
    excludes: 0 is the only acceptable value."""
    mask = dict(zip(products, np.asarray(eligible, dtype=bool).tolist(), strict=True))
    if not recommended:
        return 0.0
    return sum(not mask.get(code, False) for code in recommended) / len(recommended)
