"""Money: an exact amount (``Decimal``) in one ISO 4217 currency.

Floats are refused everywhere (0.1 + 0.2 is not a bank's arithmetic). Adding or comparing two
currencies is an error, not a silent conversion. Rounding to the currency's minor unit is explicit
and defaults to half-up (四舍五入, what Chinese banks and most statements use); banker's rounding is
one argument away. ``allocate`` splits an amount into parts that always add back to the whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import total_ordering
from typing import Any

from finbrain.core.errors import CurrencyMismatchError, ValidationError

# ISO 4217 minor units for the currencies a bank on this platform meets; others may be registered.
MINOR_UNITS: dict[str, int] = {
    "CNY": 2, "HKD": 2, "MOP": 2, "TWD": 2, "USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "KRW": 0,
    "SGD": 2, "AUD": 2, "CAD": 2, "CHF": 2, "NZD": 2, "THB": 2, "MYR": 2, "IDR": 2, "VND": 0,
    "RUB": 2, "INR": 2, "AED": 2, "SAR": 2, "KWD": 3, "BHD": 3, "OMR": 3, "JOD": 3, "TND": 3,
    "CLP": 0, "ISK": 0, "UGX": 0, "XAF": 0, "XOF": 0,
}  # fmt: skip


def register_currency(code: str, minor_units: int) -> None:
    if len(code) != 3 or not code.isalpha() or not code.isupper():
        raise ValidationError(field="currency", rule="iso4217_code", value=code)
    if not 0 <= minor_units <= 4:
        raise ValidationError(field="minor_units", rule="between_0_and_4", value=minor_units)
    MINOR_UNITS[code] = minor_units


def ascii_decimal(text: str, field: str = "amount") -> str:
    """``text`` if it is written in ASCII, else a ValidationError (rule ``ascii_decimal``).

    The one rule for every amount written as text (money, risk events, the API): Python's
    ``Decimal`` also reads full-width digits (１２３), other scripts' digits (١٢٣) and digit-group
    underscores (1_000), which a bank's systems do not write and a person does not mean."""
    if not text.isascii() or "_" in text:
        raise ValidationError(field=field, rule="ascii_decimal", value=text)
    return text


def _to_decimal(value: object, field: str = "amount") -> Decimal:
    if isinstance(value, bool | float):
        raise ValidationError(field=field, rule="not_float", value=repr(value))
    if isinstance(value, str):
        ascii_decimal(value, field)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation:
            raise ValidationError(field=field, rule="decimal_number", value=str(value)) from None
    else:
        raise ValidationError(field=field, rule="decimal_number", value=type(value).__name__)
    if not result.is_finite():
        raise ValidationError(field=field, rule="finite", value=str(result))
    return result


@total_ordering
class Money:
    """An exact amount in one currency. Immutable and hashable."""

    __slots__ = ("_amount", "_currency")
    _amount: Decimal
    _currency: str

    def __init__(self, amount: Decimal | int | str, currency: str) -> None:
        currency = currency.upper() if isinstance(currency, str) else currency
        if currency not in MINOR_UNITS:
            raise ValidationError(field="currency", rule="iso4217_code", value=str(currency))
        object.__setattr__(self, "_amount", _to_decimal(amount))
        object.__setattr__(self, "_currency", currency)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Money is immutable")

    @property
    def amount(self) -> Decimal:
        return self._amount

    @property
    def currency(self) -> str:
        return self._currency

    @property
    def minor_units(self) -> int:
        return MINOR_UNITS[self.currency]

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        """From an integer count of minor units (fen, cents), as core banking systems store it."""
        if isinstance(minor, bool) or not isinstance(minor, int):
            raise ValidationError(field="minor", rule="integer", value=repr(minor))
        return cls(Decimal(minor).scaleb(-MINOR_UNITS[currency.upper()]), currency)

    def to_minor(self) -> int:
        """Integer minor units; the amount must already be exact at that precision."""
        scaled = self.amount.scaleb(self.minor_units)
        if scaled != scaled.to_integral_value():
            raise ValidationError(field="amount", rule="exact_in_minor_units", value=str(self))
        return int(scaled)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatchError(
                field="currency", rule="same_currency", left=self.currency, right=other.currency
            )

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, Money):
            raise ValidationError(field="factor", rule="not_money")
        return Money(self.amount * _to_decimal(factor, "factor"), self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.currency == other.currency and self.amount == other.amount

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.amount < other.amount

    def __hash__(self) -> int:
        return hash((self.currency, self.amount))

    def __bool__(self) -> bool:
        return bool(self.amount)

    def quantize(self, rounding: str = ROUND_HALF_UP) -> Money:
        """Round to the currency's minor unit (e.g. fen for CNY)."""
        exp = Decimal(1).scaleb(-self.minor_units)
        return Money(self.amount.quantize(exp, rounding=rounding), self.currency)

    def allocate(self, ratios: Sequence[int | Decimal | str]) -> list[Money]:
        """Split into parts proportional to ``ratios``, in minor units, that add up exactly.

        Leftover minor units go one each to the parts with the largest remainders (ties to the
        earlier part), so no fen is created or lost.
        """
        if not ratios:
            raise ValidationError(field="ratios", rule="non_empty")
        weights = [_to_decimal(r, "ratios") for r in ratios]
        if any(w < 0 for w in weights):
            raise ValidationError(field="ratios", rule="non_negative")
        total_weight = sum(weights, Decimal(0))
        if total_weight <= 0:
            raise ValidationError(field="ratios", rule="positive_sum")
        total = self.to_minor()
        sign = -1 if total < 0 else 1
        magnitude = abs(total)
        exact = [Decimal(magnitude) * w / total_weight for w in weights]
        floors = [int(e) for e in exact]
        leftover = magnitude - sum(floors)
        order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
        for i in order[:leftover]:
            floors[i] += 1
        return [Money.from_minor(sign * f, self.currency) for f in floors]

    def __repr__(self) -> str:
        return f"Money('{self.amount}', '{self.currency}')"

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def to_json(self) -> dict[str, str]:
        """Amount as a string: JSON numbers are floats to most clients."""
        return {"amount": str(self.amount), "currency": self.currency}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Money:
        if not isinstance(data, dict) or set(data) != {"amount", "currency"}:
            raise ValidationError(field="money", rule="object_with_amount_and_currency")
        return cls(data["amount"], data["currency"])
