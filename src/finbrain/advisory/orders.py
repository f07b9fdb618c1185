"""Orders from current holdings to target weights (调仓指令), in exact money.

:func:`plan_orders` sells first (to fund the buys), then buys, and respects what a real
account meets:

- a holding still inside its lock-up (封闭期 / 最短持有期) is not sold (``ORD-LOCKED``);
- a product outside its sale window is not bought (``ORD-CLOSED``);
- a product the suitability rules exclude is never bought (``ORD-NOT-SUITABLE``), whatever the
  target says;
- a purchase is rounded down to the product's increment (``lot``: an amount, or for an ETF a
  board lot of shares at the day's price); a first purchase below ``min_purchase`` is dropped
  (``ORD-BELOW-MINIMUM``), as is an ETF order under one lot (``ORD-BELOW-LOT``);
- a trade smaller than ``min_trade`` of the portfolio is not worth its cost (``ORD-SMALL``),
  unless it closes a position;
- fees: a purchase pays ``buy_fee`` (at least ``min_fee``) out of the amount paid; a sale pays
  the redemption fee of its holding period; buys are scaled down when the cash and the sale
  proceeds do not cover them. What is not invested stays in cash.

Every skipped trade is reported with a reason (zh and en); nothing is silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any, Literal

from finbrain.advisory.reasons import reason
from finbrain.advisory.shelf import Product, Shelf
from finbrain.core.decision import Reason
from finbrain.core.errors import ValidationError
from finbrain.core.money import Money

__all__ = ["Holding", "Order", "OrderPlan", "holdings_by_code", "plan_orders"]

LONG_HELD = 10**6  # days: a holding with no purchase date is past every fee tier


@dataclass(frozen=True)
class Holding:
    """A position: its market value now, and for how long it has been held (the latest
    purchase: lock-ups and redemption-fee tiers run from it; None: long held). ``units``:
    shares, for products bought in shares."""

    code: str
    value: Money
    held_days: int | None = None
    units: Decimal | None = None


@dataclass(frozen=True)
class Order:
    code: str
    side: Literal["buy", "sell"]
    amount: Money
    """Buy: the cash paid, fee included. Sell: the value redeemed, before the fee."""
    fee: Money
    units: Decimal | None = None
    """Shares, for products traded in shares (ETFs)."""

    @property
    def net(self) -> Money:
        """Buy: the value that lands in the product. Sell: the cash received."""
        return self.amount - self.fee


@dataclass(frozen=True)
class OrderPlan:
    orders: tuple[Order, ...]
    skipped: tuple[Reason, ...]
    cash_before: Money
    cash_after: Money
    fees: Money
    values_after: Mapping[str, Money]
    total_before: Money

    def weights_after(self) -> dict[str, float]:
        total = sum((v.amount for v in self.values_after.values()), self.cash_after.amount)
        if not total:
            return {}
        return {c: float(v.amount / total) for c, v in self.values_after.items() if v}


def _money(value: Any, currency: str, field: str) -> Money:
    if isinstance(value, Money):
        if value.currency != currency:
            raise ValidationError(field=field, rule="shelf_currency", currency=currency)
        return value
    try:
        return Money(value, currency)
    except ValidationError as exc:
        raise ValidationError(field=field, rule=exc.rule or "money") from None


def holdings_by_code(
    shelf: Shelf, holdings: Iterable[Holding] | Mapping[str, Any]
) -> dict[str, Holding]:
    """Holdings (``Holding`` objects, or code -> Money) checked against the shelf: on it, in its
    currency, one per product, not negative; the field named otherwise."""
    items: list[Holding] = []
    if isinstance(holdings, Mapping):
        for code, value in holdings.items():
            items.append(
                value
                if isinstance(value, Holding)
                else Holding(str(code), _money(value, shelf.currency, f"holdings.{code}"))
            )
    else:
        items = list(holdings)
    out: dict[str, Holding] = {}
    for item in items:
        where = f"holdings.{item.code}"
        if not isinstance(item, Holding):
            raise ValidationError(field="holdings", rule="holding_objects")
        if not shelf.has(item.code):
            raise ValidationError(field=where, rule="on_the_shelf")
        if item.code in out:
            raise ValidationError(field=where, rule="one_holding_per_product")
        value = _money(item.value, shelf.currency, where)
        if value.amount < 0:
            raise ValidationError(field=where, rule="not_negative", value=str(value.amount))
        if item.units is not None and item.units < 0:
            raise ValidationError(field=f"{where}.units", rule="not_negative")
        if item.held_days is not None and (
            not isinstance(item.held_days, int) or item.held_days < 0
        ):
            raise ValidationError(field=f"{where}.held_days", rule="days_not_negative")
        out[item.code] = item
    return out


def _floor(amount: Decimal, step: Decimal) -> Decimal:
    return (amount / step).to_integral_value(rounding=ROUND_DOWN) * step


def plan_orders(
    shelf: Shelf,
    target: Mapping[str, float] | Any,
    holdings: Iterable[Holding] | Mapping[str, Any],
    cash: Money | Decimal | int | str,
    *,
    on: date,
    eligible: Iterable[str] | None = None,
    prices: Mapping[str, Any] | None = None,
    min_trade: float = 0.005,
) -> OrderPlan:
    """Orders taking ``holdings`` + ``cash`` towards ``target`` weights (code -> weight, or a
    Series; weights summing to at most 1, the rest cash). ``eligible``: the codes that may be
    bought (the suitability mask; None: every code in ``target``). ``prices``: the day's
    price per share of products traded in shares."""
    currency = shelf.currency
    cash_m = _money(cash, currency, "cash")
    if cash_m.amount < 0:
        raise ValidationError(field="cash", rule="not_negative")
    held = holdings_by_code(shelf, holdings)
    weights = {str(k): float(v) for k, v in dict(target).items()}
    for code, w in weights.items():
        if not shelf.has(code):
            raise ValidationError(field=f"target.{code}", rule="on_the_shelf")
        if not (w == w) or w < 0 or w > 1 + 1e-9:  # NaN-safe
            raise ValidationError(field=f"target.{code}", rule="weight_0_to_1")
    if sum(weights.values()) > 1 + 1e-6:
        raise ValidationError(field="target", rule="weights_sum_to_at_most_1")
    if not 0 <= min_trade < 1:
        raise ValidationError(field="min_trade", rule="fraction_0_to_1")
    allowed = set(weights) if eligible is None else set(eligible)
    total = cash_m + sum((h.value for h in held.values()), Money.zero(currency))
    if not total:
        raise ValidationError(field="cash", rule="something_to_invest")
    values = {c: h.value for c, h in held.items()}
    orders: list[Order] = []
    skipped: list[Reason] = []
    small = total * Decimal(str(min_trade))
    zero = Money.zero(currency)
    goal = {c: (total * Decimal(str(round(weights.get(c, 0.0), 8)))).quantize()
            for c in shelf.codes}  # fmt: skip
    available = cash_m
    fees = zero
    # -- sells ---------------------------------------------------------------------------
    for code in shelf.codes:
        have = values.get(code, zero)
        want = goal[code]
        if have <= want:
            continue
        product, holding = shelf[code], held[code]
        delta = have - want
        closing = not want
        if delta < small and not closing:
            skipped.append(reason("ORD-SMALL", feature=code, code=code, amount=str(delta)))
            continue
        days = LONG_HELD if holding.held_days is None else holding.held_days
        if days < product.lock_up_days:
            skipped.append(
                reason("ORD-LOCKED", feature=code, code=code, days=product.lock_up_days - days)
            )
            continue
        units = None
        if product.by_shares and holding.units is not None and holding.units > 0:
            per_share = have.amount / holding.units
            units = (
                holding.units
                if closing
                else min(holding.units, _floor(delta.amount / per_share, product.lot))
            )
            if not units:
                skipped.append(
                    reason("ORD-BELOW-LOT", feature=code, code=code, lot=str(product.lot))
                )
                continue
            amount = (
                have if units == holding.units else Money(units * per_share, currency).quantize()
            )
        else:
            amount = have if closing else delta.quantize()
        fee = (amount * product.sell_fee(days)).quantize()
        orders.append(Order(code, "sell", amount, fee, units))
        values[code] = have - amount
        available = available + amount - fee
        fees = fees + fee
    # -- buys ----------------------------------------------------------------------------
    wants: list[tuple[Product, Money]] = []
    for code in shelf.codes:
        have = values.get(code, zero)
        want = goal[code] - have
        if want <= zero:
            continue
        product = shelf[code]
        if code not in allowed:
            skipped.append(reason("ORD-NOT-SUITABLE", feature=code, code=code))
            continue
        if want < small:
            skipped.append(reason("ORD-SMALL", feature=code, code=code, amount=str(want)))
            continue
        if product.withdrawn:
            skipped.append(reason("ORD-WITHDRAWN", feature=code, code=code))
            continue
        if not product.is_open(on):
            skipped.append(reason("ORD-CLOSED", feature=code, code=code, date=on.isoformat()))
            continue
        wants.append((product, want))
    need = sum((w for _, w in wants), zero)
    scale = min(Decimal(1), available.amount / need.amount) if need else Decimal(1)
    for product, want in wants:
        order = _buy(
            product,
            (want * scale).quantize(),
            have=values.get(product.code, zero),
            prices=prices,
            skipped=skipped,
        )
        if order is None:
            continue
        if order.amount > available:  # rounding never overdraws
            continue
        orders.append(order)
        values[product.code] = values.get(product.code, zero) + order.net
        available = available - order.amount
        fees = fees + order.fee
    return OrderPlan(
        orders=tuple(orders), skipped=tuple(skipped), cash_before=cash_m,
        cash_after=available, fees=fees,
        values_after={c: v for c, v in values.items() if v}, total_before=total,
    )  # fmt: skip


def _buy(
    product: Product,
    amount: Money,
    *,
    have: Money,
    prices: Mapping[str, Any] | None,
    skipped: list[Reason],
) -> Order | None:
    code = product.code
    currency = amount.currency
    if product.by_shares:
        price = None if prices is None else prices.get(code)
        if price is None:
            raise ValidationError(field=f"prices.{code}", rule="price_for_share_products")
        price_d = Decimal(str(price))
        if not price_d.is_finite() or price_d <= 0:
            raise ValidationError(field=f"prices.{code}", rule="positive_price")
        fee_rate = 1 + product.buy_fee
        units = _floor(amount.amount / (price_d * fee_rate), product.lot)
        cost = Money(units * price_d, currency).quantize()
        fee = product.buy_cost(cost)
        while units > 0 and cost + fee > amount:  # a minimum fee may push it over
            units -= product.lot
            cost = Money(units * price_d, currency).quantize()
            fee = product.buy_cost(cost)
        if units <= 0:
            skipped.append(reason("ORD-BELOW-LOT", feature=code, code=code, lot=str(product.lot)))
            return None
        if not have and cost < Money(product.min_purchase, currency):
            skipped.append(
                reason(
                    "ORD-BELOW-MINIMUM", feature=code, code=code, minimum=str(product.min_purchase)
                )
            )
            return None
        return Order(code, "buy", cost + fee, fee, units)
    paid = Money(_floor(amount.amount, product.lot), currency)
    if not have and paid < Money(product.min_purchase, currency):
        skipped.append(
            reason("ORD-BELOW-MINIMUM", feature=code, code=code, minimum=str(product.min_purchase))
        )
        return None
    if not paid:
        skipped.append(reason("ORD-BELOW-LOT", feature=code, code=code, lot=str(product.lot)))
        return None
    return Order(code, "buy", paid, product.buy_cost(paid), None)
