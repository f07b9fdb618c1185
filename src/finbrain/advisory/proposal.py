"""A whole proposal (投资建议书): profile -> suitability mask -> allocation -> orders ->
explanation, returned as one tenant-less :class:`~finbrain.core.decision.Decision`.

:func:`propose` is the online call the platform's ``POST /v1/advisory/proposals`` wraps. It
takes the shelf's sale windows and lock-ups into the optimisation (a closed product is capped
at what is held, a locked one floored at it; a locked holding that no longer suits is held
outside), never buys an ineligible product (checked twice: the optimiser never sees one, and
the orders are verified), explains the result in zh and en (the client's category and the rule
set, the allocation by kind, how it was built, the risk estimated from history with the
statement that nothing is guaranteed, fees, what was left out and why), and refuses to return
an explanation that contains a forbidden promise. When nothing on the shelf suits the client,
the decision's outcome is ``decline`` with the reasons, and there are no orders.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from finbrain.advisory.levels import RiskCategory
from finbrain.advisory.orders import Holding, OrderPlan, holdings_by_code, plan_orders
from finbrain.advisory.portfolio import Allocation, EmptyShelfError, Method, View, allocate
from finbrain.advisory.promises import check_promises
from finbrain.advisory.reasons import reason
from finbrain.advisory.shelf import ProductKind, Shelf, ShelfReturns
from finbrain.advisory.suitability import ClientProfile, Constraints, Rules
from finbrain.core.decision import Decision, ModelRef, Reason, Subject
from finbrain.core.errors import FinbrainError, ValidationError
from finbrain.core.money import Money

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Proposal", "propose"]

_METHOD_CODES = {
    "target_risk": "ADV-METHOD-TARGET-RISK", "min_variance": "ADV-METHOD-MIN-VARIANCE",
    "max_sharpe": "ADV-METHOD-MAX-SHARPE", "min_cvar": "ADV-METHOD-MIN-CVAR",
    "risk_parity": "ADV-METHOD-RISK-PARITY", "hrp": "ADV-METHOD-HRP",
}  # fmt: skip


@dataclass(frozen=True)
class Proposal:
    decision: Decision
    allocation: Allocation | None
    plan: OrderPlan | None
    history: ShelfReturns
    limits: Constraints


def propose(
    client: ClientProfile,
    shelf: Shelf,
    prices: pd.DataFrame,
    *,
    rules: Rules,
    cash: Money | Decimal | int | str,
    holdings: Iterable[Holding] | Mapping[str, Any] = (),
    at: datetime,
    method: Method = "target_risk",
    min_history: int = 60,
    lookback: int | None = None,
    min_trade: float = 0.005,
    vol_budgets: Mapping[RiskCategory, float] | None = None,
    views: Sequence[View] = (),
    history: ShelfReturns | None = None,
) -> Proposal:
    """A proposal for ``client`` (see the module doc). ``prices``: the shelf's price history
    (wide, a UTC ``DatetimeIndex``); the last row prices share-traded products' orders.
    ``history``: ``shelf.returns(prices, min_history=…, lookback=…)`` already made (a caller
    that proposes many times on one shelf and its prices keeps it; not checked again)."""
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise ValidationError(field="at", rule="timezone_aware_datetime")
    if len(shelf) == 0:
        raise ValidationError(field="shelf", rule="at_least_one_product")
    limits = rules.constraints(client, shelf, at=at)
    if history is None:
        history = shelf.returns(prices, min_history=min_history, lookback=lookback)
    held = holdings_by_code(shelf, holdings)
    try:
        cash_m = cash if isinstance(cash, Money) else Money(cash, shelf.currency)
    except ValidationError as exc:
        raise ValidationError(field="cash", rule=exc.rule or "money") from None
    if cash_m.currency != shelf.currency:
        raise ValidationError(field="cash", rule="shelf_currency", currency=shelf.currency)
    if cash_m.amount < 0:
        raise ValidationError(field="cash", rule="not_negative")
    total = cash_m + sum((h.value for h in held.values()), Money.zero(shelf.currency))
    if total.amount <= 0:
        raise ValidationError(field="cash", rule="something_to_invest")
    current = np.array([float(held[c].value.amount / total.amount) if c in held else 0.0
                        for c in shelf.codes])  # fmt: skip
    adjusted, budget = _adjust(limits, shelf, held, current, at)
    inputs = _inputs(client, shelf, prices, rules, cash_m, held, at, method)
    if views:
        inputs["views"] = [[v.long, v.short, v.annual] for v in views]
    head = [_profile_reason(client, rules)]
    excluded = [limits.check(int(i)) for i in np.flatnonzero(~limits.eligible)]
    try:
        allocation = allocate(
            client, shelf, history, rules, method=method, limits=adjusted,
            vol_budgets=vol_budgets, budget=budget, views=views, at=at,
        )  # fmt: skip
    except EmptyShelfError:
        reasons = [*head, reason("ADV-EMPTY-SHELF", category=client.category.label),
                   *_excluded_reasons(excluded, history)]  # fmt: skip
        _no_promises(reasons)
        decision = _decision(inputs, client, rules, method, "decline", None, reasons, at)
        return Proposal(decision, None, None, history, limits)
    last = prices.ffill().iloc[-1]
    share_prices = {
        p.code: float(last[p.code])
        for p in shelf
        if p.by_shares and p.code in last.index and last[p.code] == last[p.code]
    }
    eligible = [c for c, ok in zip(shelf.codes, limits.eligible, strict=True) if ok]
    plan = plan_orders(
        shelf, allocation.weights, held, cash_m, on=at.date(), eligible=eligible,
        prices=share_prices, min_trade=min_trade,
    )  # fmt: skip
    for order in plan.orders:  # the second guard, by the one-product path: never a purchase
        if order.side == "buy" and not limits.check(shelf.index_of(order.code)).eligible:
            raise FinbrainError(
                f"an order buys {order.code}, which does not suit the client",
                rule="suitable_orders",
            )
    reasons = [
        *head,
        _allocation_reason(shelf, allocation),
        _method_reason(allocation),
        reason("ADV-RISK", value=round(allocation.volatility, 4),
               vol=f"{allocation.volatility:.1%}", drawdown=f"{-allocation.max_drawdown:.1%}"),
        _fee_reason(shelf, allocation, plan),
        *_concentration(shelf, rules, allocation, limits),
        *_withdrawn(shelf, held),
        *_special_care(shelf, allocation, limits),
        *_excluded_reasons(excluded, history),
        *_history_reasons(allocation, history),
        *plan.skipped,
    ]  # fmt: skip
    _no_promises(reasons)
    decision = _decision(inputs, client, rules, method, "propose", allocation.volatility,
                         reasons, at)  # fmt: skip
    return Proposal(decision, allocation, plan, history, limits)


def _adjust(
    limits: Constraints, shelf: Shelf, held: Mapping[str, Holding], current: np.ndarray,
    at: datetime,
) -> tuple[Constraints, float]:  # fmt: skip
    """Sale windows and lock-ups as bounds: a closed product up to what is held; a locked,
    suitable holding at least what is held; a locked holding that no longer suits is held
    outside the optimisation (the budget shrinks by its weight)."""
    caps = limits.max_weights.copy()
    floors = np.zeros(len(shelf))
    frozen = 0.0
    for i, product in enumerate(shelf):
        if not product.is_open(at.date()):
            caps[i] = min(caps[i], current[i])
        holding = held.get(product.code)
        days = None if holding is None else holding.held_days
        if holding is not None and days is not None and days < product.lock_up_days:
            if limits.eligible[i]:
                floors[i] = min(current[i], max(caps[i], current[i]))
                caps[i] = max(caps[i], current[i])
            else:
                frozen += current[i]
    budget = max(1e-6, 1.0 - frozen)
    return replace(limits, max_weights=caps, min_weights=floors), budget


def _inputs(
    client: ClientProfile, shelf: Shelf, prices: pd.DataFrame, rules: Rules, cash: Money,
    held: Mapping[str, Holding], at: datetime, method: str,
) -> dict[str, Any]:  # fmt: skip
    values = np.ascontiguousarray(prices.to_numpy(dtype=float))
    stamp = hashlib.sha256(values.tobytes())
    stamp.update(",".join(map(str, prices.columns)).encode())
    if len(prices.index):
        stamp.update(str(prices.index[0]).encode() + str(prices.index[-1]).encode())
    return {
        "client": client.to_json(),
        "shelf": [p.to_dict() for p in shelf],
        "prices_sha256": stamp.hexdigest(),
        "rules": rules.ref,
        "cash": cash.to_json(),
        "holdings": {c: {"value": h.value.to_json(), "held_days": h.held_days,
                         "units": None if h.units is None else str(h.units)}
                     for c, h in sorted(held.items())},
        "at": at.isoformat(),
        "method": method,
    }  # fmt: skip


def _decision(
    inputs: Mapping[str, Any], client: ClientProfile, rules: Rules, method: str, outcome: str,
    score: float | None, reasons: list[Reason], at: datetime,
) -> Decision:  # fmt: skip
    return Decision.for_input(
        inputs, capability="advisory", action="propose",
        subject=Subject(type="client", id=client.client_id),
        model=ModelRef(id=f"advisory:{method.replace('_', '-')}", version=rules.ref),
        outcome=outcome, score=score, grade=client.category.label, reasons=reasons,
        created_at=at,
    )  # fmt: skip


def _no_promises(reasons: list[Reason]) -> None:
    for item in reasons:
        check_promises(item.text, field=f"reasons.{item.code}")


def _profile_reason(client: ClientProfile, rules: Rules) -> Reason:
    until = client.expires_at.date().isoformat() if client.expires_at else "-"
    return reason(
        "ADV-PROFILE",
        feature="category",
        value=client.category.label,
        category=client.category.label,
        until=until,
        rules=rules.title,
    )


def _allocation_reason(shelf: Shelf, allocation: Allocation) -> Reason:
    by_kind: dict[ProductKind, float] = {}
    for code, weight in allocation.nonzero().items():
        kind = shelf[code].kind
        by_kind[kind] = by_kind.get(kind, 0.0) + weight
    ordered = sorted(by_kind.items(), key=lambda kv: -kv[1])
    zh_parts = [f"{k.text.zh}{w:.0%}" for k, w in ordered]
    en_parts = [f"{k.text.en} {w:.0%}" for k, w in ordered]
    cash = 1.0 - sum(by_kind.values())
    if cash > 0.005:
        zh_parts.append(f"现金{cash:.0%}")
        en_parts.append(f"cash {cash:.0%}")
    zh, en = "、".join(zh_parts), ", ".join(en_parts)
    return reason(
        "ADV-ALLOCATION",
        value=len(allocation.nonzero()),
        mix={"zh": zh, "en": en},
        n=len(allocation.nonzero()),
    )


def _method_reason(allocation: Allocation) -> Reason:
    code = _METHOD_CODES[allocation.method]
    if allocation.fallback == "min_variance":
        code = "ADV-METHOD-FALLBACK"
    budget = "" if allocation.vol_budget is None else f"{allocation.vol_budget:.0%}"
    return reason(code, feature="method", value=allocation.vol_budget, budget=budget)


def _concentration(
    shelf: Shelf, rules: Rules, allocation: Allocation, limits: Constraints
) -> list[Reason]:
    """Which products the concentration limit held at its cap, and the cash left unplaced
    when the caps of the suitable products add up to less than the whole."""
    cap = rules.max_weight_per_product
    if cap >= 1:
        return []
    index = {c: i for i, c in enumerate(shelf.codes)}
    capped = [c for c, w in allocation.nonzero().items()
              if limits.max_weights[index[c]] < 1 and w >= cap - 1e-4]  # fmt: skip
    out = []
    if capped:
        out.append(reason("ADV-CONCENTRATION", value=len(capped), share=f"{cap:.0%}",
                          codes=", ".join(capped)))  # fmt: skip
    if allocation.fallback == "caps_below_budget":
        left = 1.0 - sum(allocation.nonzero().values())
        out.append(reason("ADV-CONCENTRATION-CASH", value=round(left, 4), cash=f"{left:.0%}"))
    return out


def _withdrawn(shelf: Shelf, held: Mapping[str, Holding]) -> list[Reason]:
    """Held products the bank has taken off sale: capped at what is held (never bought)."""
    codes = [c for c in held if shelf[c].withdrawn]
    if not codes:
        return []
    return [reason("ADV-WITHDRAWN", value=len(codes), codes=", ".join(sorted(codes)))]


def _fee_reason(shelf: Shelf, allocation: Allocation, plan: OrderPlan) -> Reason:
    weights = allocation.nonzero()
    yearly = sum(float(shelf[c].management_fee) * w for c, w in weights.items())
    share = float(plan.fees.amount / plan.total_before.amount) if plan.total_before else 0.0
    return reason(
        "ADV-FEES",
        value=str(plan.fees.amount),
        fees=str(plan.fees),
        share=f"{share:.2%}",
        yearly=f"{yearly:.2%}",
        n=len(plan.orders),
    )


def _special_care(shelf: Shelf, allocation: Allocation, limits: Constraints) -> list[Reason]:
    out: list[Reason] = []
    for code in allocation.nonzero():
        check = limits.check(shelf.index_of(code))
        if check.special_care:
            out.extend(r for r in check.reasons if r.code == "SUIT-HIGH-RISK")
    return out


def _excluded_reasons(excluded: list[Any], history: ShelfReturns) -> list[Reason]:
    out: list[Reason] = []
    if excluded:
        codes = ", ".join(c.product for c in excluded[:8]) + ("…" if len(excluded) > 8 else "")
        out.append(reason("ADV-EXCLUDED", value=len(excluded), n=len(excluded), codes=codes))
        out.extend(c.reasons[0] for c in excluded[:8])
    out.extend(history.excluded.values())
    return out


def _history_reasons(allocation: Allocation, history: ShelfReturns) -> list[Reason]:
    used = set(allocation.nonzero())
    out = [
        reason("ADV-HISTORY-PROXY", feature=c, value=label, code=c, proxy=label)
        for c, label in history.proxied.items()
        if c in used
    ]
    out += [reason("ADV-HISTORY-RATE", feature=c, code=c) for c in history.synthetic if c in used]
    return out
