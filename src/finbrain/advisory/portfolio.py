"""Portfolio construction on a shelf, under the suitability rules (skfolio does the optimising).

:func:`allocate` optimises only over the products the rules allow and that have a usable
history (:meth:`Shelf.returns`), then writes the weights back in shelf order: a product the
rules exclude gets exactly 0 by construction, not a solver's 1e-10, and the result is checked
by :meth:`Rules.verify` before it is returned (a breach raises; it is never returned).

Methods (``method``):

- ``target_risk`` (default): the highest expected return whose volatility stays within the
  client category's budget (:data:`VOL_BUDGETS`, yearly: C1 2% .. C5 20%; a bank's policy,
  overridable), falling back to minimum variance when no portfolio is that calm;
- ``min_variance``, ``max_sharpe``, ``min_cvar`` (95%), ``risk_parity`` (equal risk
  contributions), ``hrp`` (hierarchical risk parity).

An adviser's :class:`View` s ("this fund will return 6% a year", "A will beat B by 2%") are
blended with the prior by Black-Litterman (skfolio's ``BlackLitterman``).

Covariances are Ledoit-Wolf shrunk. Expected returns (``returns_view``): sample means of a few
years of daily returns are mostly noise (James-Stein shrinkage pulls them all to one value,
and a return-seeking optimiser then picks at random), so the default ``equal_sharpe`` view
gives every product the same reward per unit of risk, ``mu_i = rf + sharpe * vol_i``, with a
deposit's, money fund's or WMP's stated rate (``expected_return``) as its own and ``rf`` the
lowest of those; the optimiser then buys risk where it diversifies best. ``shrunk``
(James-Stein) and ``historical`` (sample means) are there for those who want them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from finbrain.advisory.levels import RiskCategory
from finbrain.advisory.shelf import RATE_KINDS, Shelf, ShelfReturns
from finbrain.advisory.suitability import ClientProfile, Constraints, Rules
from finbrain.core.errors import FinbrainError, ValidationError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "VOL_BUDGETS",
    "Allocation",
    "EmptyShelfError",
    "View",
    "allocate",
    "expected_returns",
    "given_mu",
    "model_portfolios",
]

ReturnsView = Literal["equal_sharpe", "shrunk", "historical"]
Method = Literal["target_risk", "min_variance", "max_sharpe", "min_cvar", "risk_parity", "hrp"]
METHODS: tuple[str, ...] = (
    "target_risk", "min_variance", "max_sharpe", "min_cvar", "risk_parity", "hrp",
)  # fmt: skip
#: Yearly volatility budget per client category (bank policy; ``allocate(vol_budgets=…)``).
VOL_BUDGETS: Mapping[RiskCategory, float] = {
    RiskCategory.C1: 0.02, RiskCategory.C2: 0.05, RiskCategory.C3: 0.10,
    RiskCategory.C4: 0.15, RiskCategory.C5: 0.20,
}  # fmt: skip
TRADING_DAYS = 252
DUST = 1e-4  # a weight under 0.01% is not worth an order: dropped and the rest rescaled


@dataclass(frozen=True)
class View:
    """An adviser's view, blended with the prior by Black-Litterman: ``long`` is expected to
    return ``annual`` a year, or, with ``short``, ``annual`` a year more than ``short``."""

    long: str
    annual: float
    short: str | None = None


class EmptyShelfError(ValidationError):
    """Nothing on the shelf suits the client (or has a usable history)."""

    code = "FB-ADVISORY-EMPTY-SHELF"


@dataclass(frozen=True)
class Allocation:
    """Target weights in shelf order (0 for excluded products) and what they are expected to
    do, yearly, by the history they were fitted on (an estimate, never a promise)."""

    weights: pd.Series
    method: str
    expected_return: float
    volatility: float
    max_drawdown: float
    """The worst peak-to-trough fall of these weights over the history used (negative)."""
    vol_budget: float | None
    """The yearly volatility budget (``target_risk``), else None."""
    fallback: str | None
    """Why the method fell back (``min_variance`` when no portfolio met the budget)."""
    used: tuple[str, ...]
    """The products the optimiser could choose from (eligible, with a usable history)."""
    ignored_views: tuple[int, ...] = ()
    """Positions of the views left out: about a product the optimiser could not choose."""

    def nonzero(self) -> dict[str, float]:
        return {str(k): float(v) for k, v in self.weights.items() if v > 0}


def _estimator(
    method: str,
    budget_daily: float | None,
    kwargs: dict[str, Any],
    mu: Any,
    rf_daily: float,
    views: Sequence[str] = (),
) -> Any:
    from skfolio import RiskMeasure
    from skfolio.moments import EmpiricalMu, LedoitWolf, ShrunkMu
    from skfolio.optimization import (
        HierarchicalRiskParity,
        MeanRisk,
        ObjectiveFunction,
        RiskBudgeting,
    )
    from skfolio.prior import BlackLitterman, EmpiricalPrior

    mu_estimator = (
        {"shrunk": ShrunkMu, "historical": EmpiricalMu}.get(mu) if isinstance(mu, str) else None
    )
    prior: Any = EmpiricalPrior(
        mu_estimator=mu_estimator() if mu_estimator else given_mu(mu),
        covariance_estimator=LedoitWolf(),
    )
    if views:
        prior = BlackLitterman(views=list(views), prior_estimator=prior)
    if method in ("hrp", "risk_parity"):  # these place the whole budget: rescaled after
        kwargs = {k: v for k, v in kwargs.items() if k != "budget"}
    if method == "hrp":
        bounds = {k: v for k, v in kwargs.items() if k in ("max_weights", "min_weights")}
        return HierarchicalRiskParity(prior_estimator=prior, **bounds)
    if method == "risk_parity":
        return RiskBudgeting(risk_measure=RiskMeasure.VARIANCE, prior_estimator=prior, **kwargs)
    objective, measure = {
        "min_variance": (ObjectiveFunction.MINIMIZE_RISK, RiskMeasure.VARIANCE),
        "max_sharpe": (ObjectiveFunction.MAXIMIZE_RATIO, RiskMeasure.STANDARD_DEVIATION),
        "min_cvar": (ObjectiveFunction.MINIMIZE_RISK, RiskMeasure.CVAR),
        "target_risk": (ObjectiveFunction.MAXIMIZE_RETURN, RiskMeasure.VARIANCE),
    }[method]
    extra: dict[str, Any] = (
        {"max_standard_deviation": budget_daily} if method == "target_risk" else {}
    )
    if method == "max_sharpe":
        extra["risk_free_rate"] = rf_daily
    return MeanRisk(
        objective_function=objective, risk_measure=measure, prior_estimator=prior,
        raise_on_failure=True, **kwargs, **extra,
    )  # fmt: skip


def given_mu(mu: np.ndarray) -> Any:
    """A skfolio expected-return estimator that returns ``mu`` (daily) whatever it is fitted
    on (skfolio estimators are scikit-learn estimators: the class is made on first use)."""
    global _GivenMu
    if _GivenMu is None:
        from skfolio.moments import BaseMu

        class GivenMu(BaseMu):  # type: ignore[misc]
            def __init__(self, mu: Any = None) -> None:
                self.mu = mu

            def fit(self, X: Any, y: Any = None) -> GivenMu:  # noqa: N803
                self.mu_ = np.asarray(self.mu, dtype=float)
                return self

        _GivenMu = GivenMu
    return _GivenMu(mu=mu)


_GivenMu: Any = None  # the class, made on first use (skfolio is imported only then)


def expected_returns(
    shelf: Shelf, returns: pd.DataFrame, *, sharpe: float = 0.3
) -> tuple[np.ndarray, float]:
    """The ``equal_sharpe`` view: yearly expected returns of ``returns``' columns and the
    risk-free rate used (see the module doc)."""
    vol = returns.std(ddof=1).to_numpy() * np.sqrt(TRADING_DAYS)
    stated = {
        c: float(shelf[c].expected_return)
        for c in returns.columns
        if shelf[c].kind in RATE_KINDS and shelf[c].expected_return is not None
    }
    rf = min(stated.values()) if stated else 0.0
    mu = rf + sharpe * vol
    for i, code in enumerate(returns.columns):
        if code in stated:
            mu[i] = stated[code]
    return mu, rf


def allocate(
    client: ClientProfile,
    shelf: Shelf,
    history: ShelfReturns,
    rules: Rules,
    *,
    method: Method = "target_risk",
    limits: Constraints | None = None,
    vol_budgets: Mapping[RiskCategory, float] | None = None,
    returns_view: ReturnsView = "equal_sharpe",
    sharpe: float = 0.3,
    budget: float = 1.0,
    views: Sequence[View] = (),
    at: Any = None,
) -> Allocation:
    """Target weights for ``client`` over ``shelf`` (see the module doc). ``limits``: the
    rules' constraints as adjusted by the caller (a closed product capped at its holding, a
    locked one floored); ``budget``: the share of the portfolio to place (the rest is held
    outside the optimisation, e.g. a locked-up holding that no longer suits); ``views``:
    an adviser's views, blended in by Black-Litterman (a view about a product the client
    cannot hold is left out and listed in ``ignored_views``)."""

    if method not in METHODS:
        raise ValidationError(field="method", rule="one_of_methods", allowed=list(METHODS))
    limits = limits or rules.constraints(client, shelf, at=at)
    usable = set(history.codes)
    codes = [c for c, ok in zip(shelf.codes, limits.eligible, strict=True) if ok and c in usable]
    if not codes:
        raise EmptyShelfError(
            f"no product on the shelf suits a {client.category.label} client",
            field="shelf",
            rule=f"a_suitable_product_for_{client.category.label}",
            category=client.category.label,
        )
    returns = history.returns[codes]
    if returns_view not in ("equal_sharpe", "shrunk", "historical"):
        raise ValidationError(field="returns_view", rule="one_of_views")
    mu_year, rf = expected_returns(shelf, returns, sharpe=sharpe)
    mu: Any = mu_year / TRADING_DAYS if returns_view == "equal_sharpe" else returns_view
    rf_daily = rf / TRADING_DAYS
    expressions, ignored = _views(views, shelf, codes)
    if not 0 < budget <= 1:
        raise ValidationError(field="budget", rule="fraction_above_0_to_1")
    kwargs = limits.for_codes(codes)
    caps = np.broadcast_to(np.asarray(kwargs["max_weights"], dtype=float), (len(codes),))
    cap_total = float(caps.sum())
    if cap_total < budget - 1e-9:  # caps too tight to place everything: fill them
        raw = caps.copy()
        return _finish(client, shelf, rules, limits, returns, codes, raw, method, None,
                       "caps_below_budget", cap_total, at)  # fmt: skip
    floors = kwargs.get("min_weights")
    floor = np.zeros(len(codes))
    if floors is not None:
        floor = np.broadcast_to(np.asarray(floors, dtype=float), (len(codes),)).copy()
    if float(floor.sum()) >= budget - 1e-9:  # locked holdings fill it: nothing to choose
        return _finish(client, shelf, rules, limits, returns, codes, floor, method,
                       None, "floors_fill_budget", budget, at)  # fmt: skip
    if budget < 1:
        kwargs["budget"] = budget
    budgets = dict(VOL_BUDGETS if vol_budgets is None else vol_budgets)
    vol_budget = budgets.get(client.category) if method == "target_risk" else None
    fallback = None
    if len(codes) == 1:
        raw = np.ones(1)
    elif method == "hrp" and floor.sum() > 0:
        raw = _hrp_around_floors(shelf, codes, floor, budget, kwargs, returns, mu, views)
    else:
        daily = vol_budget / np.sqrt(TRADING_DAYS) if vol_budget is not None else None
        try:
            raw = _fit(method, daily, kwargs, returns, mu, rf_daily, expressions)
        except Exception as exc:  # skfolio raises its own solver errors
            if method != "target_risk":
                raise FinbrainError(
                    f"the {method} optimisation failed: {exc}", field="method", rule="solvable"
                ) from exc
            raw = _fit("min_variance", None, kwargs, returns, mu, rf_daily, expressions)
            fallback = "min_variance"
    allocation = _finish(client, shelf, rules, limits, returns, codes, raw, method, vol_budget,
                         fallback, budget, at)  # fmt: skip
    return replace(allocation, ignored_views=ignored) if ignored else allocation


def _fit(
    method: str,
    daily: float | None,
    kwargs: dict[str, Any],
    returns: Any,
    mu: Any,
    rf_daily: float,
    views: Sequence[str] = (),
) -> np.ndarray:
    # skfolio reads views as expressions over column names, and a fund code such as 161005
    # would read as a number: the columns are named P0, P1, ... for the fit
    aliased = returns.set_axis([f"P{i}" for i in range(returns.shape[1])], axis=1)
    estimator = _estimator(method, daily, kwargs, mu, rf_daily, views)
    estimator.fit(aliased)
    weights: np.ndarray = np.asarray(estimator.weights_, dtype=float)
    if not np.isfinite(weights).all():
        raise FinbrainError("the optimiser returned non-finite weights", rule="finite_weights")
    return weights


def _hrp_around_floors(
    shelf: Shelf, codes: list[str], floor: np.ndarray, budget: float, kwargs: dict[str, Any],
    returns: pd.DataFrame, mu: Any, views: Sequence[View],
) -> np.ndarray:  # fmt: skip
    """HRP with locked holdings: skfolio's HRP cannot take weight floors (it returns NaN
    weights on them), so each locked product keeps its floor and HRP places the rest of the
    budget among the others."""
    raw = floor.copy()
    free = np.flatnonzero(floor <= 0)
    rest = budget - float(floor.sum())
    if len(free) == 0:
        return raw
    if len(free) == 1:
        raw[free[0]] = rest
        return raw
    names = [codes[i] for i in free]
    caps = np.broadcast_to(np.asarray(kwargs["max_weights"], dtype=float), (len(codes),))
    expressions, _ = _views(views, shelf, names)
    part = mu[free] if isinstance(mu, np.ndarray) else mu
    weights = _fit("hrp", None, {"max_weights": caps[free]}, returns[names], part, 0.0,
                   expressions)  # fmt: skip
    total = float(weights.sum())
    raw[free] = weights / total * rest if total > 0 else 0.0
    return raw


def _views(
    views: Sequence[View], shelf: Shelf, codes: list[str]
) -> tuple[list[str], tuple[int, ...]]:
    """skfolio view expressions over the aliased columns, and the views left out."""
    at = {c: i for i, c in enumerate(codes)}
    out, ignored = [], []
    for n, view in enumerate(views):
        if not isinstance(view, View):
            raise ValidationError(field=f"views.{n}", rule="view_objects")
        for side, code in (("long", view.long), ("short", view.short)):
            if code is not None and not shelf.has(code):
                raise ValidationError(field=f"views.{n}.{side}", rule="on_the_shelf")
        if not isinstance(view.annual, int | float) or not -1 < view.annual < 1:
            raise ValidationError(field=f"views.{n}.annual", rule="yearly_return_-1_to_1")
        if view.long not in at or (view.short is not None and view.short not in at):
            ignored.append(n)
            continue
        daily = view.annual / TRADING_DAYS
        left = f"P{at[view.long]}" + ("" if view.short is None else f" - P{at[view.short]}")
        out.append(f"{left} == {daily!r}")
    return out, tuple(ignored)


def _finish(
    client: ClientProfile, shelf: Shelf, rules: Rules, limits: Constraints,
    returns: pd.DataFrame, codes: list[str], raw: np.ndarray, method: str,
    vol_budget: float | None, fallback: str | None, budget: float, at: Any,
) -> Allocation:  # fmt: skip
    import pandas as pd

    w = np.clip(raw, 0.0, None)
    w[w < DUST] = 0.0
    total = w.sum()
    bounds = limits.for_codes(codes)
    caps = np.broadcast_to(np.asarray(bounds["max_weights"], dtype=float), w.shape)
    if total <= 0 and (caps >= DUST).any():  # a cap below dust holds nothing worth buying
        raise FinbrainError("the optimiser returned no weight", rule="positive_weights")
    # nothing can be bought today (every suitable product closed): the money stays in cash
    w = np.minimum(w * (budget / total), caps) if total > 0 else w
    floors = bounds.get("min_weights")
    if floors is not None:
        w = np.maximum(w, floors)
    full = pd.Series(0.0, index=pd.Index(shelf.codes, name="product"), name="weight")
    full[codes] = w
    violations = rules.verify(client, shelf, full.to_numpy(), at=at, limits=limits)
    if violations:  # never returned: a bug, loudly
        raise FinbrainError(
            f"allocation breaks {violations[0].code} for {violations[0].product}",
            rule="suitable_allocation",
        )
    path = returns.to_numpy() @ w
    wealth = np.cumprod(1.0 + path)
    drawdown = float((wealth / np.maximum.accumulate(wealth) - 1.0).min()) if len(path) else 0.0
    return Allocation(
        weights=full, method=method,
        expected_return=float(np.mean(path) * TRADING_DAYS) if len(path) else 0.0,
        volatility=float(np.std(path, ddof=1) * np.sqrt(TRADING_DAYS)) if len(path) > 1 else 0.0,
        max_drawdown=drawdown, vol_budget=vol_budget, fallback=fallback, used=tuple(codes),
    )  # fmt: skip


def model_portfolios(
    shelf: Shelf,
    history: ShelfReturns,
    rules: Rules,
    *,
    method: Method = "target_risk",
    at: Any,
) -> dict[RiskCategory, Allocation | None]:
    """One model portfolio per category (a client with only a category: no horizon, kind or
    experience limits); None where nothing on the shelf suits that category."""
    from datetime import timedelta

    out: dict[RiskCategory, Allocation | None] = {}
    for category in RiskCategory:
        model = ClientProfile(
            f"model-{category.label}", category, expires_at=at + timedelta(days=1)
        )
        try:
            out[category] = allocate(model, shelf, history, rules, method=method, at=at)
        except EmptyShelfError:
            out[category] = None
    return out
