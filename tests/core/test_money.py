from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finbrain.core.errors import CurrencyMismatchError, ValidationError
from finbrain.core.money import Money

amounts = st.decimals(
    min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False
)
currencies = st.sampled_from(["CNY", "USD", "HKD", "JPY", "KWD"])


def test_float_is_refused_and_names_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        Money(0.1, "CNY")  # type: ignore[arg-type]
    assert info.value.field == "amount" and info.value.rule == "not_float"
    with pytest.raises(ValidationError) as info:
        Money("1", "CNY") * 1.5
    assert info.value.field == "factor"


def test_unknown_currency_and_bad_number() -> None:
    with pytest.raises(ValidationError) as info:
        Money("1", "XXY")
    assert info.value.field == "currency" and info.value.rule == "iso4217_code"
    with pytest.raises(ValidationError) as info:
        Money("1,5", "CNY")
    assert info.value.rule == "decimal_number"
    with pytest.raises(ValidationError):
        Money("NaN", "CNY")


def test_currencies_do_not_mix() -> None:
    with pytest.raises(CurrencyMismatchError):
        Money("1", "CNY") + Money("1", "USD")
    with pytest.raises(CurrencyMismatchError):
        _ = Money("1", "CNY") < Money("1", "USD")
    assert Money("1", "CNY") != Money("1", "USD")


def test_exact_arithmetic_and_rounding() -> None:
    assert Money("0.1", "CNY") + Money("0.2", "CNY") == Money("0.3", "CNY")
    assert Money("2.345", "CNY").quantize() == Money("2.35", "CNY")  # 四舍五入
    assert Money("2.345", "CNY").quantize(ROUND_HALF_EVEN) == Money("2.34", "CNY")
    assert Money("1.5", "JPY").quantize() == Money("2", "JPY")
    assert Money.from_minor(12345, "CNY") == Money("123.45", "CNY")
    assert Money("1.2345", "KWD").quantize().to_minor() == 1235
    with pytest.raises(ValidationError) as info:
        Money("1.001", "CNY").to_minor()
    assert info.value.rule == "exact_in_minor_units"


def test_json_round_trip_keeps_every_digit() -> None:
    m = Money("12345678901234567.89", "CNY")
    assert m.to_json() == {"amount": "12345678901234567.89", "currency": "CNY"}
    assert Money.from_json(m.to_json()) == m
    with pytest.raises(ValidationError):
        Money.from_json({"amount": "1"})


def test_immutable() -> None:
    m = Money("1", "CNY")
    with pytest.raises(AttributeError):
        m._amount = Decimal(2)  # type: ignore[misc]


@given(amounts, amounts, currencies)
def test_addition_commutes_and_subtraction_inverts(a: Decimal, b: Decimal, cur: str) -> None:
    x, y = Money(a, cur), Money(b, cur)
    assert x + y == y + x
    assert (x + y) - y == x


@given(amounts, st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=12))
def test_allocate_never_creates_or_loses_a_fen(amount: Decimal, ratios: list[int]) -> None:
    if sum(ratios) == 0:
        ratios = [*ratios[:-1], 1]
    whole = Money(amount, "CNY")
    parts = whole.allocate(ratios)
    assert len(parts) == len(ratios)
    assert sum((p for p in parts), Money.zero("CNY")) == whole
    # Each part is within one fen of its exact share, and a zero ratio gets exactly zero.
    total = Decimal(sum(ratios))
    for part, r in zip(parts, ratios, strict=True):
        exact = whole.amount * r / total
        assert abs(part.amount - exact) < Decimal("0.01")
        if r == 0:
            assert part.amount == 0


def test_allocate_rejects_bad_ratios() -> None:
    with pytest.raises(ValidationError) as info:
        Money("1", "CNY").allocate([])
    assert info.value.rule == "non_empty"
    with pytest.raises(ValidationError):
        Money("1", "CNY").allocate([0, 0])
    with pytest.raises(ValidationError):
        Money("1", "CNY").allocate([1, -1])
