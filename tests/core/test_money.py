from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finbrain.core.errors import CurrencyMismatchError, ValidationError
from finbrain.core.money import MINOR_UNITS, Money, ascii_decimal, register_currency

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


# --------------------------------------------------------------------------------------------
# Refusals name the field, the rule and the offending value; each rule is pinned.


def _refusal(call: object) -> ValidationError:
    assert callable(call)
    with pytest.raises(ValidationError) as info:
        call()
    return info.value


def test_every_refusal_names_field_rule_and_value() -> None:
    class Odd:
        pass

    cases: list[tuple[object, dict[str, object]]] = [
        (lambda: Money(0.1, "CNY"), {"field": "amount", "rule": "not_float", "value": "0.1"}),
        (lambda: Money(True, "CNY"), {"field": "amount", "rule": "not_float", "value": "True"}),
        (
            lambda: Money("1,5", "CNY"),
            {"field": "amount", "rule": "decimal_number", "value": "1,5"},
        ),
        (
            lambda: Money(Odd(), "CNY"),
            {"field": "amount", "rule": "decimal_number", "value": "Odd"},
        ),
        (
            lambda: Money("Infinity", "CNY"),
            {"field": "amount", "rule": "finite", "value": "Infinity"},
        ),
        (lambda: Money("-inf", "CNY"), {"field": "amount", "rule": "finite", "value": "-Infinity"}),
        (lambda: Money("NaN", "CNY"), {"field": "amount", "rule": "finite", "value": "NaN"}),
        (lambda: Money("1", "XXY"), {"field": "currency", "rule": "iso4217_code", "value": "XXY"}),
        (lambda: Money("1", 156), {"field": "currency", "rule": "iso4217_code", "value": "156"}),
        (
            lambda: Money("1", "CNY") * 1.5,
            {"field": "factor", "rule": "not_float", "value": "1.5"},
        ),
        (
            lambda: Money("1", "CNY") * "x",
            {"field": "factor", "rule": "decimal_number", "value": "x"},
        ),
        (
            lambda: Money("1", "CNY") * Decimal("NaN"),
            {"field": "factor", "rule": "finite", "value": "NaN"},
        ),
        (lambda: Money("1", "CNY") * Money("2", "CNY"), {"field": "factor", "rule": "not_money"}),
        (
            lambda: Money.from_minor(True, "CNY"),
            {"field": "minor", "rule": "integer", "value": "True"},
        ),
        (
            lambda: Money.from_minor("100", "CNY"),
            {"field": "minor", "rule": "integer", "value": "'100'"},
        ),
        (
            lambda: Money("1.001", "CNY").to_minor(),
            {"field": "amount", "rule": "exact_in_minor_units", "value": "1.001 CNY"},
        ),
        (
            lambda: Money.from_json({"amount": "1"}),
            {"field": "money", "rule": "object_with_amount_and_currency"},
        ),
        (
            lambda: Money.from_json([1, "CNY"]),  # type: ignore[arg-type]
            {"field": "money", "rule": "object_with_amount_and_currency"},
        ),
        (lambda: Money("1", "CNY").allocate([]), {"field": "ratios", "rule": "non_empty"}),
        (lambda: Money("1", "CNY").allocate([1, -1]), {"field": "ratios", "rule": "non_negative"}),
        (lambda: Money("1", "CNY").allocate([0, 0]), {"field": "ratios", "rule": "positive_sum"}),
        (
            lambda: Money("1", "CNY").allocate([1, 0.5]),
            {"field": "ratios", "rule": "not_float", "value": "0.5"},
        ),
        (
            lambda: Money("1.001", "CNY").allocate([1, 1]),
            {"field": "amount", "rule": "exact_in_minor_units", "value": "1.001 CNY"},
        ),
    ]
    for call, params in cases:
        error = _refusal(call)
        assert type(error) is ValidationError
        assert (error.field, error.rule) == (params["field"], params["rule"])
        assert error.params == params


@pytest.mark.parametrize("text", ["１２３", "١٢٣", "1_000", "12.5\u3000", "１.５"])
def test_amounts_are_written_in_ascii(text: str) -> None:
    """Decimal also reads full-width and other scripts' digits and digit-group underscores;
    an amount does not, wherever it enters (amount, factor, ratios)."""
    for call, field in [
        (lambda: Money(text, "CNY"), "amount"),
        (lambda: Money("1", "CNY") * text, "factor"),
        (lambda: Money("1", "CNY").allocate(["1", text]), "ratios"),
        (lambda: ascii_decimal(text), "amount"),
        (lambda: ascii_decimal(text, "limit"), "limit"),
    ]:
        error = _refusal(call)
        assert error.params == {"field": field, "rule": "ascii_decimal", "value": text}
    assert ascii_decimal("-1234.50") == "-1234.50" and ascii_decimal(" 1e3 ") == " 1e3 "


def test_currencies_do_not_mix_in_any_operation() -> None:
    cny, usd = Money("1", "CNY"), Money("1", "USD")
    mixed = [
        lambda: cny + usd,
        lambda: cny - usd,
        lambda: usd - cny,
        lambda: cny < usd,
        lambda: cny <= usd,
        lambda: cny > usd,
        lambda: cny >= usd,
    ]
    for call in mixed:
        with pytest.raises(CurrencyMismatchError) as info:
            call()
        assert info.value.field == "currency" and info.value.rule == "same_currency"
        assert {info.value.params["left"], info.value.params["right"]} == {"CNY", "USD"}
    with pytest.raises(CurrencyMismatchError) as info:
        _ = Money("5", "CNY") - Money("2", "USD")
    assert info.value.params == {
        "field": "currency",
        "rule": "same_currency",
        "left": "CNY",
        "right": "USD",
    }


def test_money_does_not_mix_with_plain_numbers() -> None:
    m = Money("1", "CNY")
    for call in (lambda: m + 1, lambda: m - 1, lambda: 1 - m, lambda: m < 1):
        with pytest.raises(TypeError):
            call()
    assert m != 1 and m != Decimal(1) and m != "1 CNY"


def test_arithmetic_results() -> None:
    price = Money("12.34", "CNY")
    assert price - Money("0.35", "CNY") == Money("11.99", "CNY")
    assert Money("0.35", "CNY") - price == Money("-11.99", "CNY")
    assert price * 3 == Money("37.02", "CNY")
    assert 3 * price == Money("37.02", "CNY")
    assert price * Decimal("0.5") == Money("6.17", "CNY")
    assert price * "-2" == Money("-24.68", "CNY")
    assert Decimal("1.5") * price == Money("18.510", "CNY")
    assert (price * 3).currency == "CNY" and (3 * Money("2", "JPY")).currency == "JPY"
    assert price * 0 == Money.zero("CNY")
    assert -price == Money("-12.34", "CNY") and (-price).currency == "CNY"
    negative = -price
    assert -negative == price
    assert abs(Money("-12.34", "USD")) == Money("12.34", "USD")
    assert abs(price) == price
    assert Money.zero("KWD") == Money("0.000", "KWD") and Money.zero("KWD").currency == "KWD"


def test_order_truth_and_hash() -> None:
    one, two = Money("1", "CNY"), Money("2", "CNY")
    assert one < two and not two < one and not one < Money("1.00", "CNY")
    assert one <= Money("1.00", "CNY") and two > one and two >= two
    assert sorted([two, one, Money("-3", "CNY")]) == [Money("-3", "CNY"), one, two]
    assert not Money.zero("CNY") and not Money("0.00", "CNY") and Money("0.01", "CNY")
    assert bool(Money("-0.01", "CNY"))
    # Equal amounts hash equally whatever their trailing zeros; currencies keep them apart.
    assert hash(Money("1.50", "CNY")) == hash(Money("1.5", "CNY"))
    assert len({Money("1.50", "CNY"), Money("1.5", "CNY"), Money("1.5", "USD")}) == 2
    assert len({Money(str(n), "CNY") for n in range(50)}) == 50
    # Distinct amounts hash apart (a constant hash would keep sets right but make them slow).
    assert len({hash(Money(str(n), "CNY")) for n in range(50)}) == 50


def test_currency_codes_are_normalised() -> None:
    assert Money("1", "cny").currency == "CNY"
    assert Money("1", "Jpy") == Money("1", "JPY")
    assert Money.from_minor(150, "usd") == Money("1.50", "USD")
    assert Money(" 2.50 ", "CNY").amount == Decimal("2.50")


def test_quantize_rounds_to_the_minor_unit_of_each_currency() -> None:
    assert Money("2.344", "CNY").quantize() == Money("2.34", "CNY")
    assert Money("2.345", "CNY").quantize().amount.as_tuple().exponent == -2
    assert Money("2.5", "JPY").quantize() == Money("3", "JPY")
    assert Money("2.5", "JPY").quantize(ROUND_HALF_EVEN) == Money("2", "JPY")
    assert Money("1.0005", "KWD").quantize() == Money("1.001", "KWD")
    assert str(Money("7", "KWD").quantize()) == "7.000 KWD"
    assert Money("-2.345", "CNY").quantize() == Money("-2.35", "CNY")  # half away from zero


# ISO 4217 (list one, current funds): minor units of every currency in the table.
ISO_4217_MINOR_UNITS = {
    "CNY": 2, "HKD": 2, "MOP": 2, "TWD": 2, "USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "KRW": 0,
    "SGD": 2, "AUD": 2, "CAD": 2, "CHF": 2, "NZD": 2, "THB": 2, "MYR": 2, "IDR": 2, "VND": 0,
    "RUB": 2, "INR": 2, "AED": 2, "SAR": 2, "KWD": 3, "BHD": 3, "OMR": 3, "JOD": 3, "TND": 3,
    "CLP": 0, "ISK": 0, "UGX": 0, "XAF": 0, "XOF": 0,
}  # fmt: skip


def test_minor_units_of_every_currency_follow_iso_4217() -> None:
    assert MINOR_UNITS == ISO_4217_MINOR_UNITS
    for code, units in MINOR_UNITS.items():
        money = Money.from_minor(1, code)
        assert money.minor_units == units
        assert money.amount == Decimal(1).scaleb(-units), code
        assert money.to_minor() == 1
        assert Money("1", code).to_minor() == 10**units


def test_register_currency_checks_the_code_and_the_minor_units() -> None:
    bad_codes = ["CL", "CLFF", "CL1", "clf", "Clf", ""]
    for code in bad_codes:
        error = _refusal(lambda code=code: register_currency(code, 4))
        assert error.params == {"field": "currency", "rule": "iso4217_code", "value": code}
    for units in (-1, 5):
        error = _refusal(lambda units=units: register_currency("CLF", units))
        assert error.params == {
            "field": "minor_units",
            "rule": "between_0_and_4",
            "value": units,
        }
    assert "CLF" not in MINOR_UNITS
    try:
        register_currency("CLF", 4)  # Unidad de Fomento: ISO 4217 gives it four decimals
        register_currency("XBT", 0)
        assert Money.from_minor(12345, "CLF") == Money("1.2345", "CLF")
        assert Money("1.5", "XBT").quantize() == Money("2", "XBT")
    finally:
        MINOR_UNITS.pop("CLF", None)
        MINOR_UNITS.pop("XBT", None)


def test_allocate_gives_leftover_fen_to_the_largest_remainders() -> None:
    def split(amount: str, ratios: list[int | str], currency: str = "CNY") -> list[str]:
        return [str(p.amount) for p in Money(amount, currency).allocate(ratios)]

    # 10 fen over 1:2:3 -> exact 1.67, 3.33, 5; floors 1, 3, 5 and one fen left over: it goes
    # to the first part (remainder 0.67), not the last or the largest.
    assert split("0.10", [1, 2, 3]) == ["0.02", "0.03", "0.05"]
    assert split("-0.10", [1, 2, 3]) == ["-0.02", "-0.03", "-0.05"]
    # 100 fen over 3 equal parts: ties go to the earlier part.
    assert split("1.00", [1, 1, 1]) == ["0.34", "0.33", "0.33"]
    # 5 fen over 3:7 -> 1.5 and 3.5: a tie again, the earlier part wins.
    assert split("0.05", [3, 7]) == ["0.02", "0.03"]
    # 7 fen over 1:1:1:1 -> two leftover fen to the first two.
    assert split("0.07", [1, 1, 1, 1]) == ["0.02", "0.02", "0.02", "0.01"]
    # 12 fen over 1:2:3:4 -> 1.2, 2.4, 3.6, 4.8: the two leftover fen go to the last two.
    assert split("0.12", [1, 2, 3, 4]) == ["0.01", "0.02", "0.04", "0.05"]
    assert split("0.12", ["0.1", "0.2", "0.3", "0.4"]) == ["0.01", "0.02", "0.04", "0.05"]
    assert split("100", [1, 1, 1], "JPY") == ["34", "33", "33"]
    assert split("0.010", [1, 1], "KWD") == ["0.005", "0.005"]
    assert split("0.00", [1, 2]) == ["0.00", "0.00"]
    parts = Money("1.00", "USD").allocate([Decimal(1), Decimal(3)])
    assert parts == [Money("0.25", "USD"), Money("0.75", "USD")]
    assert all(p.currency == "USD" for p in parts)
