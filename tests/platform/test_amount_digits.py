"""One rule for amounts written as text, everywhere: ASCII digits only (rule ``ascii_decimal``).
Python's Decimal reads full-width (１２３) and other Unicode digits (١٢٣) and digit-group
underscores (1_000); a risk event took "１２３" as 123 while a card application refused it, so
money, risk events and the API all refuse them now, naming the field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from finbrain.core.errors import ValidationError
from finbrain.core.money import Money
from finbrain.risk.events import parse_event
from tests.conftest import Platform
from tests.platform.test_card_application import application

NOT_ASCII = ["１２３", "１２３.５０", "١٢٣", "12３", "1_000", "1_000.50"]


def _event(amount: str) -> dict[str, Any]:
    return {
        "event_id": "amt-1",
        "kind": "card",
        "occurred_at": datetime.now(UTC).isoformat(),
        "amount": amount,
        "currency": "CNY",
        "customer_id": "C1",
        "card_id": "K1",
    }


@pytest.mark.parametrize("text", NOT_ASCII)
def test_the_libraries_refuse_them(text: str) -> None:
    with pytest.raises(ValidationError) as money:
        Money(text, "CNY")
    assert (money.value.field, money.value.rule) == ("amount", "ascii_decimal")
    with pytest.raises(ValidationError) as event:
        parse_event(_event(text))
    assert (event.value.field, event.value.rule) == ("amount", "ascii_decimal")


def test_ascii_amounts_still_pass() -> None:
    assert Money(" 123.50 ", "CNY").amount == Money("123.5", "CNY").amount
    assert parse_event(_event("123.50")).amount == Money("123.50", "CNY").amount


@pytest.mark.parametrize("text", ["１２３", "١٢٣.00", "1_000"])
def test_the_api_refuses_them_alike(platform: Platform, text: str) -> None:
    _, key = platform.new_tenant()
    h = {"Authorization": f"Bearer {key}", "Accept-Language": "en"}
    r = platform.client.post("/v1/risk/events", json=_event(text), headers=h)
    assert r.status_code == 422, r.text
    assert (r.json()["field"], r.json()["rule"]) == ("amount", "ascii_decimal")
    r = platform.client.post("/v1/risk/events/batch", json={"events": [_event(text)]}, headers=h)
    assert r.status_code == 422, r.text
    assert (r.json()["field"], r.json()["rule"]) == ("events[0].amount", "ascii_decimal")
    body = application("APP-FW", monthly_income={"amount": text, "currency": "CNY"})
    r = platform.client.post("/v1/applications/credit-card", json=body, headers=h)
    assert r.status_code == 422, r.text
    assert (r.json()["field"], r.json()["rule"]) == ("monthly_income.amount", "ascii_decimal")
