"""Slot values: Chinese and English amounts (as Decimal) and dates relative to today."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from finbrain.assistant import chinese_number, parse_amount, parse_date, parse_merchant

SUNDAY = date(2026, 12, 6)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("三百零五", 305),
        ("十二", 12),
        ("两千五", 2500),
        ("一万二", 12_000),
        ("一万零五十", 10_050),
        ("一二三", 123),
        ("三亿", 300_000_000),
        ("abc", None),
        ("", None),
    ],
)
def test_chinese_number(text: str, value: int | None) -> None:
    assert chinese_number(text) == value


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("上周三在超市被扣了五百块", "500"),
        ("两千五百块", "2500"),
        ("一万二块钱", "12000"),
        ("三块五", "3.50"),
        ("八毛", "0.80"),
        ("五十块钱", "50"),
        ("¥200", "200"),
        ("我被扣了1,234.50元", "1234.50"),
        ("转了3万", "30000"),
        ("I was charged 40 dollars", "40"),
        ("$50 twice", "50"),
        ("1.5k", "1500"),
    ],
)
def test_parse_amount(text: str, amount: str) -> None:
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize(
    "text", ["卡号6222020202020202丢了", "三天前", "5号那笔", "", None, "💰" * 5000, 42]
)
def test_no_amount_is_none_not_a_guess(text: object) -> None:
    assert parse_amount(text) is None


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("今天", date(2026, 12, 6)),
        ("昨天在淘宝买的", date(2026, 12, 5)),
        ("大前天", date(2026, 12, 3)),
        ("三天前", date(2026, 12, 3)),
        ("上周三扣的款", date(2026, 11, 25)),
        ("这周五", date(2026, 12, 4)),
        ("上个星期天", date(2026, 11, 29)),
        ("上礼拜二", date(2026, 11, 24)),
        ("上上周一", date(2026, 11, 16)),
        ("三月五号", date(2026, 3, 5)),
        ("12月31日", date(2025, 12, 31)),  # not after today: last year's
        ("10号那笔", date(2026, 11, 10)),  # the 10th of this month is ahead: last month's
        ("2024年3月5日", date(2024, 3, 5)),
        ("2024-03-05", date(2024, 3, 5)),
        ("yesterday", date(2026, 12, 5)),
        ("last Wednesday", date(2026, 12, 2)),
        ("2 days ago", date(2026, 12, 4)),
    ],
)
def test_parse_date(text: str, day: date) -> None:
    assert parse_date(text, today=SUNDAY) == day


@pytest.mark.parametrize("text", ["2月30日", "99999 days ago", "", None, "随便说说", "45号"])
def test_impossible_or_absent_dates_are_none(text: object) -> None:
    assert parse_date(text, today=SUNDAY) is None


@pytest.mark.parametrize(
    ("text", "amount"),
    [("三千五", "3500"), ("500", "500"), ("两千", "2000"), ("1.5万", "15000"), ("一万二", "12000")],
)
def test_a_bare_number_is_an_amount_when_one_was_asked(text: str, amount: str) -> None:
    assert parse_amount(text, bare=True) == Decimal(amount)


@pytest.mark.parametrize("text", ["三千五", "500", "两千"])
def test_a_bare_number_is_no_amount_otherwise(text: str) -> None:
    assert parse_amount(text) is None


def test_a_card_number_is_never_an_amount_even_when_asked() -> None:
    assert parse_amount("6222020202020202", bare=True) is None


@pytest.mark.parametrize(
    ("text", "merchant"),
    [
        ("昨天在淘宝被扣了500块", "淘宝"),
        ("在星巴克消费了35元", "星巴克"),
        ("商户是京东", "京东"),
        ("I was charged 40 dollars at Amazon yesterday", "amazon"),
        ("a payment from the Apple Store on monday", "apple store"),
        ("charged twice by Uber", "uber"),
    ],
)
def test_parse_merchant(text: str, merchant: str) -> None:
    assert parse_merchant(text) == merchant


@pytest.mark.parametrize(
    ("text", "merchant"), [("星巴克", "星巴克"), ("it was Walmart", "walmart"), ("嗯", None),
                           ("1234", None), ("好的", None)]
)  # fmt: skip
def test_a_short_answer_is_the_merchant_when_one_was_asked(text: str, merchant: str | None) -> None:
    assert parse_merchant(text, bare=True) == merchant


@pytest.mark.parametrize("text", ["现在怎么办", "", None, "'; DROP TABLE x; --" * 100])
def test_no_merchant_is_none(text: object) -> None:
    merchant = parse_merchant(text)
    assert merchant is None or (len(merchant) <= 40 and ";" not in merchant)
