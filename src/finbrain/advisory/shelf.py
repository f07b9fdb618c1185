"""The product shelf (产品货架): typed products with their risk level R1-R5 and the terms that
decide what can actually be bought: minimum purchase, lot, fees, lock-up, sale windows.

A :class:`Product` is immutable and validated when made (amounts and rates are ``Decimal``;
a float is refused). A :class:`Shelf` is an ordered set of products in one currency; the
order is the column order of every mask, bound and weight vector built on it.

Price histories: :meth:`Shelf.returns` turns a wide price table (one column per product code)
into daily returns for the optimiser, with documented fallbacks for what real shelves have:

- a gap in a history (a NAV not published on a holiday, or not yet today) is carried forward:
  no return while the price is stale, the move on the day it resumes; gaps longer than
  ``max_gap`` rows are listed in :attr:`ShelfReturns.gaps`;
- a deposit, wealth-management product or money fund with a stated ``expected_return`` and no
  usable history gets a series accruing that rate per calendar day between the table's dates
  (``synthetic``; a Monday holds the weekend's interest): its risk is not in a price;
- any other product with fewer than ``min_history`` returns (a new fund, a product with one
  day of history, no column at all) is spliced onto a proxy: the mean return of the same-kind
  products of the same kind and level that have full histories, else of the same level, else
  of the same kind (``proxied``);
- with no proxy either it is ``excluded``: it gets no weight, with a reason.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np

from finbrain.advisory.levels import RiskLevel
from finbrain.advisory.reasons import reason
from finbrain.core.decision import BilingualText, Reason
from finbrain.core.errors import NotFoundError, ValidationError
from finbrain.core.money import MINOR_UNITS, Money

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Product", "ProductKind", "SaleWindow", "Shelf", "ShelfReturns"]

CODE = re.compile(r"[A-Za-z0-9._\-]{1,32}")
MAX_RATE = Decimal("0.10")  # a fee above 10% is a typo, not a product


class ProductKind(StrEnum):
    """What a product is; the fallbacks and the explanations differ by kind."""

    DEPOSIT = "deposit"  # 存款 (including large certificates of deposit)
    WMP = "wmp"  # 银行理财产品 (wealth-management product)
    MONEY_FUND = "money_fund"  # 货币基金
    BOND_FUND = "bond_fund"  # 债券基金
    MIXED_FUND = "mixed_fund"  # 混合基金
    EQUITY_FUND = "equity_fund"  # 股票基金
    ETF = "etf"  # 交易型开放式指数基金 (bought in shares, by lots)

    @property
    def text(self) -> BilingualText:
        return _KIND_TEXT[self]


_KIND_TEXT = {
    ProductKind.DEPOSIT: BilingualText(zh="存款", en="deposit"),
    ProductKind.WMP: BilingualText(zh="银行理财", en="wealth-management product"),
    ProductKind.MONEY_FUND: BilingualText(zh="货币基金", en="money market fund"),
    ProductKind.BOND_FUND: BilingualText(zh="债券基金", en="bond fund"),
    ProductKind.MIXED_FUND: BilingualText(zh="混合基金", en="mixed fund"),
    ProductKind.EQUITY_FUND: BilingualText(zh="股票基金", en="equity fund"),
    ProductKind.ETF: BilingualText(zh="ETF", en="ETF"),
}
#: Kinds whose value does not move with a market price (a stated rate stands in for history).
RATE_KINDS = frozenset({ProductKind.DEPOSIT, ProductKind.WMP, ProductKind.MONEY_FUND})


@dataclass(frozen=True, slots=True)
class SaleWindow:
    """Days (inclusive) on which a product can be bought (开放期 / 募集期)."""

    opens: date
    closes: date

    def __post_init__(self) -> None:
        if self.closes < self.opens:
            raise ValidationError(field="sale_windows", rule="closes_on_or_after_opens")


def _decimal(value: Any, name: str) -> Decimal:
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str) and not isinstance(value, bool):
        try:
            result = Decimal(value)
        except ArithmeticError:
            raise ValidationError(field=name, rule="decimal_number", value=str(value)) from None
    else:
        raise ValidationError(field=name, rule="decimal_not_float", value=repr(value))
    if not result.is_finite():
        raise ValidationError(field=name, rule="finite", value=str(result))
    return result


@dataclass(frozen=True)
class Product:
    """One product on the shelf.

    ``min_purchase`` (起购金额) and ``lot`` (递增金额) are amounts in the product's currency for
    products bought by amount; an ETF is bought in shares: ``lot`` is the board lot (100
    shares), ``min_purchase`` one lot's worth is checked with the day's price. Fees are rates
    (``Decimal("0.0015")`` = 0.15%): ``buy_fee`` on the amount bought (front load), with
    ``min_fee`` a floor per order (a broker's commission); ``sell_fees`` by holding period:
    ``((0, "0.015"), (7, "0.005"), (365, "0"))`` charges 1.5% under 7 days, then 0.5%, nothing
    after a year; ``management_fee`` yearly. ``lock_up_days``: no redemption for that long after
    a purchase (封闭期 / 最短持有期). ``sale_windows``: the only days it can be bought (empty:
    every day). ``expected_return``: a deposit's rate or a product's performance benchmark
    (业绩比较基准), yearly; it is never a promise. ``complex``: a complex product (MiFID II
    art. 25(4); leveraged or inverse ETFs, structured products). ``withdrawn``: taken off sale
    by the bank (下架): never bought or recommended again; what a client holds may be kept or
    redeemed."""

    code: str
    name: BilingualText  # a {"zh": ..., "en": ...} dict is accepted
    kind: ProductKind
    risk: RiskLevel
    currency: str = "CNY"
    min_purchase: Decimal = Decimal(0)
    lot: Decimal = Decimal("0.01")
    buy_fee: Decimal = Decimal(0)
    min_fee: Decimal = Decimal(0)
    sell_fees: tuple[tuple[int, Decimal], ...] = ()
    management_fee: Decimal = Decimal(0)
    lock_up_days: int = 0
    sale_windows: tuple[SaleWindow, ...] = ()
    expected_return: Decimal | None = None
    complex: bool = False
    high_risk: bool = False
    """Flagged high-risk by the bank beyond its level (R5 products always are)."""
    issuer: str | None = None
    withdrawn: bool = False

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if not isinstance(self.code, str) or not CODE.fullmatch(self.code):
            raise ValidationError(field="code", rule="product_code_1_to_32", value=repr(self.code))
        where = f"products.{self.code}"
        name: Any = self.name
        if isinstance(name, Mapping):
            set_(self, "name", BilingualText(**name))
        elif not isinstance(name, BilingualText):
            raise ValidationError(field=f"{where}.name", rule="zh_and_en_text")
        try:
            set_(self, "kind", ProductKind(self.kind))
        except ValueError:
            raise ValidationError(
                field=f"{where}.kind",
                rule="one_of_kinds",
                value=repr(self.kind),
                allowed=[k.value for k in ProductKind],
            ) from None
        set_(self, "risk", RiskLevel.parse(self.risk, f"{where}.risk"))
        currency = str(self.currency).upper()
        if currency not in MINOR_UNITS:
            raise ValidationError(field=f"{where}.currency", rule="iso4217_code")
        set_(self, "currency", currency)
        for name in ("min_purchase", "lot", "buy_fee", "min_fee", "management_fee"):
            set_(self, name, _decimal(getattr(self, name), f"{where}.{name}"))
        if self.min_purchase < 0 or self.min_fee < 0:
            raise ValidationError(field=f"{where}.min_purchase", rule="not_negative")
        if self.lot <= 0:
            raise ValidationError(field=f"{where}.lot", rule="positive")
        for name in ("buy_fee", "management_fee"):
            if not 0 <= getattr(self, name) <= MAX_RATE:
                raise ValidationError(field=f"{where}.{name}", rule="rate_between_0_and_0.10")
        tiers = tuple(
            (int(days), _decimal(rate, f"{where}.sell_fees")) for days, rate in self.sell_fees
        )
        if any(not 0 <= r <= MAX_RATE for _, r in tiers) or any(d < 0 for d, _ in tiers):
            raise ValidationError(field=f"{where}.sell_fees", rule="rate_between_0_and_0.10")
        if [d for d, _ in tiers] != sorted({d for d, _ in tiers}):
            raise ValidationError(field=f"{where}.sell_fees", rule="days_increasing")
        set_(self, "sell_fees", tiers)
        if isinstance(self.lock_up_days, bool) or not isinstance(self.lock_up_days, int):
            raise ValidationError(field=f"{where}.lock_up_days", rule="integer_days")
        if self.lock_up_days < 0:
            raise ValidationError(field=f"{where}.lock_up_days", rule="not_negative")
        windows = tuple(
            w if isinstance(w, SaleWindow) else SaleWindow(*w) for w in self.sale_windows
        )
        set_(self, "sale_windows", tuple(sorted(windows, key=lambda w: w.opens)))
        if not isinstance(self.withdrawn, bool):
            raise ValidationError(field=f"{where}.withdrawn", rule="true_or_false")
        if self.expected_return is not None:
            rate = _decimal(self.expected_return, f"{where}.expected_return")
            if not Decimal("-0.5") < rate < Decimal("1"):
                raise ValidationError(field=f"{where}.expected_return", rule="yearly_rate")
            set_(self, "expected_return", rate)

    @property
    def by_shares(self) -> bool:
        """Bought in shares by board lots (an ETF), not by amount."""
        return self.kind is ProductKind.ETF

    @property
    def is_high_risk(self) -> bool:
        return self.high_risk or self.risk == RiskLevel.R5

    @property
    def lock_up_years(self) -> float:
        return self.lock_up_days / 365.0

    def is_open(self, on: date) -> bool:
        """Can it be bought on ``on``? (Always, unless it has sale windows or was withdrawn.)"""
        if self.withdrawn:
            return False
        if not self.sale_windows:
            return True
        return any(w.opens <= on <= w.closes for w in self.sale_windows)

    def sell_fee(self, held_days: int) -> Decimal:
        """The redemption fee rate after ``held_days`` (the last tier at or below it)."""
        rate = Decimal(0)
        for days, tier in self.sell_fees:
            if held_days >= days:
                rate = tier
        return rate

    def buy_cost(self, amount: Money) -> Money:
        """The fee on buying ``amount`` (rounded half-up to the minor unit, at least
        ``min_fee``)."""
        fee = (amount * self.buy_fee).quantize()
        floor = Money(self.min_fee, amount.currency)
        return max(fee, floor) if amount else Money.zero(amount.currency)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Product:
        """From a JSON-like mapping (amounts and rates as strings, windows as ISO date pairs)."""
        if not isinstance(data, Mapping):
            raise ValidationError(field="products", rule="object_per_product")
        known = set(cls.__dataclass_fields__)
        if unknown := sorted(set(data) - known):
            raise ValidationError(field=f"products.{unknown[0]}", rule="known_product_field")
        values = dict(data)
        if "sale_windows" in values:
            where = f"products.{values.get('code')}.sale_windows"
            try:
                values["sale_windows"] = tuple(
                    SaleWindow(date.fromisoformat(a), date.fromisoformat(b))
                    for a, b in values["sale_windows"]
                )
            except ValidationError as exc:
                raise ValidationError(field=where, rule=exc.rule) from None
            except (TypeError, ValueError):
                raise ValidationError(field=where, rule="iso_date_pairs") from None
        if "sell_fees" in values:
            values["sell_fees"] = tuple((int(d), r) for d, r in values["sell_fees"])
        try:
            return cls(**values)
        except TypeError as exc:
            raise ValidationError(str(exc), field="products", rule="required_fields") from None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code, "name": self.name.model_dump(), "kind": self.kind.value,
            "risk": self.risk.label, "currency": self.currency,
            "min_purchase": str(self.min_purchase), "lot": str(self.lot),
            "buy_fee": str(self.buy_fee), "min_fee": str(self.min_fee),
            "sell_fees": [[d, str(r)] for d, r in self.sell_fees],
            "management_fee": str(self.management_fee), "lock_up_days": self.lock_up_days,
            "sale_windows": [[w.opens.isoformat(), w.closes.isoformat()]
                             for w in self.sale_windows],
            "complex": self.complex, "high_risk": self.high_risk,
        }  # fmt: skip
        if self.expected_return is not None:
            out["expected_return"] = str(self.expected_return)
        if self.issuer is not None:
            out["issuer"] = self.issuer
        if self.withdrawn:
            out["withdrawn"] = True
        return out


@dataclass(frozen=True)
class ShelfReturns:
    """Daily returns for the optimiser and what was done to get them."""

    returns: pd.DataFrame
    """One column per usable product (shelf order), one row per day."""
    proxied: Mapping[str, str]
    """Code -> what its missing history was spliced from (``"kind+risk:bond_fund/R2"``,
    ``"risk:R4"``, ``"kind:etf"``)."""
    synthetic: tuple[str, ...]
    excluded: Mapping[str, Reason]
    gaps: Mapping[str, int]
    """Code -> the longest run of carried-forward prices, where over ``max_gap``."""

    @property
    def codes(self) -> list[str]:
        return [str(c) for c in self.returns.columns]


class Shelf(Sequence[Product]):
    """An ordered set of products in one currency (the order of every vector built on it)."""

    def __init__(self, products: Iterable[Product]) -> None:
        items = tuple(products)
        for item in items:
            if not isinstance(item, Product):
                raise ValidationError(field="products", rule="product_objects")
        codes = [p.code for p in items]
        seen: set[str] = set()
        for code in codes:
            if code in seen:
                raise ValidationError(field=f"products.{code}", rule="unique_code")
            seen.add(code)
        currencies = {p.currency for p in items}
        if len(currencies) > 1:
            raise ValidationError(
                field="products.currency",
                rule="one_currency_per_shelf",
                currencies=sorted(currencies),
            )
        self._products = items
        self._index = {c: i for i, c in enumerate(codes)}
        self.currency = currencies.pop() if currencies else "CNY"

    @classmethod
    def from_dicts(cls, rows: Iterable[Mapping[str, Any]]) -> Shelf:
        return cls(Product.from_dict(row) for row in rows)

    def __len__(self) -> int:
        return len(self._products)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            try:
                return self._products[self._index[key]]
            except KeyError:
                raise NotFoundError(
                    field="product", rule="on_the_shelf", kind="product", code=key
                ) from None
        return self._products[key]

    def __iter__(self) -> Iterator[Product]:
        return iter(self._products)

    def __contains__(self, item: object) -> bool:  # a code or a product
        if isinstance(item, str):
            return item in self._index
        return item in self._products

    def has(self, code: str) -> bool:
        """Is a product with this code on the shelf?"""
        return code in self._index

    def index_of(self, code: str) -> int:
        if code not in self._index:
            raise NotFoundError(field="product", rule="on_the_shelf", kind="product", code=code)
        return self._index[code]

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self._products]

    @property
    def risks(self) -> np.ndarray:
        """Risk levels 1-5 as an int8 vector, in shelf order."""
        return np.fromiter(
            (int(p.risk) for p in self._products), dtype=np.int8, count=len(self._products)
        )

    def open_on(self, on: date) -> np.ndarray:
        """Which products can be bought on ``on`` (sale windows)."""
        return np.fromiter(
            (p.is_open(on) for p in self._products), dtype=bool, count=len(self._products)
        )

    def subset(self, codes: Iterable[str]) -> Shelf:
        return Shelf(self[c] for c in codes)

    def returns(
        self,
        prices: pd.DataFrame,
        *,
        min_history: int = 60,
        max_gap: int = 5,
        lookback: int | None = None,
    ) -> ShelfReturns:
        """Daily returns of every product from ``prices`` (wide: a ``DatetimeIndex``, one
        column per code; other columns are ignored) with the fallbacks of the module doc."""
        import pandas as pd

        if not isinstance(prices, pd.DataFrame) or not isinstance(prices.index, pd.DatetimeIndex):
            raise ValidationError(field="prices", rule="frame_with_datetime_index")
        if not prices.index.is_monotonic_increasing or not prices.index.is_unique:
            raise ValidationError(field="prices.index", rule="increasing_unique_dates")
        if min_history < 2:
            raise ValidationError(field="min_history", rule="at_least_2")
        own = [c for c in self.codes if c in prices.columns]
        frame = prices[own] if lookback is None else prices[own].iloc[-(lookback + 1) :]
        try:
            values = frame.to_numpy(dtype="float64", na_value=np.nan)
        except (TypeError, ValueError):
            bad = next(c for c in own if not pd.api.types.is_numeric_dtype(prices[c]))
            raise ValidationError(field=f"prices.{bad}", rule="numeric_prices") from None
        missing = np.isnan(values)
        broken = np.isinf(values) | (~missing & (np.where(missing, 1.0, values) <= 0))
        if broken.any():
            raise ValidationError(
                field=f"prices.{own[int(np.argmax(broken.any(axis=0)))]}",
                rule="positive_finite_prices",
            )
        # the longest run of missing prices after each product's first one (vectorised)
        inside = missing & np.maximum.accumulate(~missing, axis=0)
        run = np.cumsum(inside, axis=0)
        run = run - np.maximum.accumulate(np.where(inside, 0, run), axis=0)
        longest = run.max(axis=0) if len(run) else np.zeros(len(own), dtype=int)
        gaps: dict[str, int] = {c: int(g) for c, g in zip(own, longest, strict=True) if g > max_gap}
        # carried forward after the first price, to the end (today's NAV may not be out yet)
        rows = np.where(missing, 0, np.arange(len(values))[:, None])
        dense = values[np.maximum.accumulate(rows, axis=0), np.arange(len(own))[None, :]]
        with np.errstate(invalid="ignore", divide="ignore"):
            rets = dense[1:] / dense[:-1] - 1.0
        index = frame.index[1:]
        # interest accrues per calendar day: a Monday's return holds the weekend's
        dates = frame.index
        stamps = dates.to_numpy(dtype="datetime64[ns]")  # UTC, vectorised (no Timestamps)
        calendar_days = np.diff(stamps) / np.timedelta64(1, "D")
        column = {c: i for i, c in enumerate(own)}
        counts = (~np.isnan(rets)).sum(axis=0)
        full = [
            c
            for c in own
            if counts[column[c]] >= len(index) - max_gap and counts[column[c]] >= min_history
        ]
        out: dict[str, np.ndarray] = {}
        proxied: dict[str, str] = {}
        synthetic: list[str] = []
        excluded: dict[str, Reason] = {}
        for product in self._products:
            code = product.code
            have = int(counts[column[code]]) if code in column else 0
            series = rets[:, column[code]] if code in column else np.full(len(index), np.nan)
            if have >= min_history:  # enough to stand alone; missing early days spliced
                out[code] = _splice(series, rets, column, full, product, self, proxied)
                continue
            if (  # a stated rate accrues over the table's days (two at least to estimate on)
                product.kind in RATE_KINDS
                and product.expected_return is not None
                and len(index) >= 2
            ):
                rate = 1.0 + float(product.expected_return)
                out[code] = rate ** (calendar_days / 365.0) - 1.0
                synthetic.append(code)
                continue
            spliced = _splice(series, rets, column, full, product, self, proxied)
            if np.isnan(spliced).any() or len(spliced) < min_history:  # no proxy, or too short
                excluded[code] = reason(
                    "SHELF-NO-HISTORY",
                    feature=code,
                    value=have,
                    code=code,
                    have=have,
                    need=min_history,
                )
                proxied.pop(code, None)
                continue
            out[code] = spliced
        codes = [c for c in self.codes if c in out]
        matrix = np.column_stack([out[c] for c in codes]) if codes else np.empty((len(index), 0))
        returns = pd.DataFrame(matrix, index=index, columns=pd.Index(codes, name="product"))
        return ShelfReturns(returns, proxied, tuple(synthetic), excluded, gaps)


def _splice(
    series: np.ndarray,
    rets: np.ndarray,
    column: Mapping[str, int],
    full: list[str],
    product: Product,
    shelf: Shelf,
    proxied: dict[str, str],
) -> np.ndarray:
    """``series`` with its missing days filled by the mean of the products with full
    histories of the same kind and level, else of the same level, else of the same kind;
    ``proxied`` records which."""
    gaps = np.isnan(series)
    if not gaps.any():
        return series
    others = [c for c in full if c != product.code]
    for label, peers in (
        (f"kind+risk:{product.kind.value}/{product.risk.label}",
         [c for c in others if shelf[c].kind is product.kind and shelf[c].risk == product.risk]),
        (f"risk:{product.risk.label}", [c for c in others if shelf[c].risk == product.risk]),
        (f"kind:{product.kind.value}", [c for c in others if shelf[c].kind is product.kind]),
    ):  # fmt: skip
        if peers:
            with warnings.catch_warnings():  # a day none of them has: stays missing
                warnings.simplefilter("ignore", RuntimeWarning)
                proxy = np.nanmean(rets[:, [column[c] for c in peers]], axis=1)
            proxied[product.code] = label
            return np.where(gaps, proxy, series)
    return series
