"""Proposals on the platform: ``finbrain.advisory.propose`` on the tenant's shelf and prices
for a client's current assessment, recorded as a decision on the ledger with the allocation,
orders and figures beside it.

Refused before anything is written, each naming the field and the rule: an unknown client
(404), an expired assessment (409), an empty shelf, or a shelf with nothing suitable for the
client's category (422), negative holdings, no money to invest, a holding not on the shelf
(422). A proposal never buys what the client's rules exclude: the library makes sure of it
twice (the optimiser never sees an ineligible product, and each purchase is re-checked by
the one-product rule before the proposal is returned)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from finbrain.advisory.orders import Holding, Order, OrderPlan
from finbrain.advisory.portfolio import Allocation
from finbrain.advisory.proposal import Proposal, propose
from finbrain.advisory.suitability import ClientProfile, Rules, preset
from finbrain.core.decision import Decision, utcnow
from finbrain.core.errors import ConflictError, FinbrainError, ValidationError
from finbrain.core.money import Money
from finbrain.core.settings import Settings
from finbrain.platform import decisions
from finbrain.platform.advisory import queries
from finbrain.platform.advisory.tables import AdvisoryProposal
from finbrain.platform.tenancy import Caller

RULES = "cn"  # the suitability preset proposals are checked against (证券期货投资者适当性管理办法)


def rules() -> Rules:
    return preset(RULES)


@dataclass(frozen=True)
class HoldingSpec:
    """A holding as the API takes it: the code, its market value (a decimal string in the
    shelf's currency), days since the latest purchase, and shares for an ETF."""

    code: str
    value: str
    held_days: int | None = None
    units: str | None = None


def current_profile(
    session: Session, client_id: str, at: datetime, *, field: str = "client_id"
) -> ClientProfile:
    """The client's stored profile, refused when its answers contradict each other and no
    adviser has confirmed them yet, or when it has expired (re-assess first); ``field`` names
    the client in the refusal."""
    row = queries.client(session, client_id, field=field)
    if row.needs_review:
        raise ConflictError(
            code="FB-ADVISORY-ASSESSMENT-REVIEW", field=field, rule="assessment_confirmed"
        )
    profile = queries.profile_of(row)
    if not profile.is_current(at):
        until = profile.expires_at.date().isoformat() if profile.expires_at else "-"
        raise ConflictError(
            code="FB-ADVISORY-ASSESSMENT-EXPIRED",
            field=field,
            rule="assessment_current",
            expired=until,
        )
    return profile


def make(
    session: Session,
    settings: Settings,
    caller: Caller,
    client_id: str,
    cash: Money,
    holdings: Sequence[HoldingSpec] = (),
    method: str = "target_risk",
    *,
    at: datetime | None = None,
) -> tuple[AdvisoryProposal, Decision]:
    """Propose for ``client_id`` and record it (see the module doc)."""
    at = at or utcnow()
    profile = current_profile(session, client_id, at)
    loaded = queries.loaded_shelf(session)
    if len(loaded.shelf) == 0:
        raise ValidationError(
            code="FB-ADVISORY-NO-SHELF", field="shelf", rule="at_least_one_product"
        )
    held = [_holding(h, loaded.shelf.currency) for h in holdings]
    ruleset = rules()
    result = propose(
        profile, loaded.shelf, loaded.prices, rules=ruleset, cash=cash, holdings=held,
        at=at, method=method, history=loaded.history,  # type: ignore[arg-type]
    )  # fmt: skip
    if result.allocation is None or result.plan is None:  # nothing suits: refused, not recorded
        raise _nothing_suits(profile, result)
    decision = decisions.record(
        session, result.decision.for_tenant(caller.tenant_id), settings=settings, caller=caller
    )
    row = AdvisoryProposal(
        tenant_id=caller.tenant_id,
        id=decision.id,
        client_id=client_id,
        category=profile.category.label,
        profile=profile.to_json(),
        method=method,
        currency=loaded.shelf.currency,
        cash=str(result.plan.cash_before.amount),
        holdings=[_holding_json(h) for h in held],
        weights={c: round(w, 6) for c, w in result.allocation.nonzero().items()},
        orders=[_order_json(o) for o in result.plan.orders],
        figures=_figures(result, result.allocation, result.plan),
        shelf_version=loaded.version,
        created_at=decision.created_at,
    )
    session.add(row)
    session.flush()
    return row, decision


def _holding(spec: HoldingSpec, currency: str) -> Holding:
    where = f"holdings.{spec.code}"
    try:
        value = Money(spec.value, currency)
    except ValidationError as exc:
        raise ValidationError(field=f"{where}.value", rule=exc.rule or "money") from None
    units = None
    if spec.units is not None:
        try:
            units = Decimal(spec.units)
        except ArithmeticError:
            raise ValidationError(field=f"{where}.units", rule="decimal_number") from None
    return Holding(spec.code, value, spec.held_days, units)


def _nothing_suits(profile: ClientProfile, result: Proposal) -> FinbrainError:
    """The library's ``decline`` as a refusal naming the rule, with its reasons as the
    detail (the products left out and why)."""
    why = "; ".join(r.text.en for r in result.decision.reasons[1:5])
    category = profile.category.label
    return ValidationError(
        why or None,
        code="FB-ADVISORY-EMPTY-SHELF",
        field="shelf",
        rule=f"a_suitable_product_for_{category}",
        category=category,
    )


def _holding_json(h: Holding) -> dict[str, Any]:
    return {
        "code": h.code,
        "value": str(h.value.amount),
        "held_days": h.held_days,
        "units": None if h.units is None else str(h.units),
    }


def _order_json(order: Order) -> dict[str, Any]:
    return {
        "code": order.code,
        "side": order.side,
        "amount": str(order.amount.amount),
        "fee": str(order.fee.amount),
        "units": None if order.units is None else str(order.units),
    }


def _figures(result: Proposal, allocation: Allocation, plan: OrderPlan) -> dict[str, Any]:
    return {
        "expected_return": round(allocation.expected_return, 6),
        "volatility": round(allocation.volatility, 6),
        "max_drawdown": round(allocation.max_drawdown, 6),
        "vol_budget": allocation.vol_budget,
        "fallback": allocation.fallback,
        "fees": str(plan.fees.amount),
        "cash_after": str(plan.cash_after.amount),
        "used": list(allocation.used),
        "proxied": dict(result.history.proxied),
    }
