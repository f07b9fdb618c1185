"""Events: validation names the field and the rule; the handbook maps to events and to SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd
import pytest

from finbrain.core.errors import DatasetMissingError, ValidationError
from finbrain.risk.events import (
    HANDBOOK_CURRENCY,
    Event,
    events_from_handbook,
    frame_from_handbook,
    handbook_sql,
    parse_event,
)
from tests.conftest import service_missing


def _good(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "event_id": "e-1",
        "kind": "card",
        "occurred_at": "2024-03-01T10:15:00+08:00",
        "amount": "128.50",
        "currency": "CNY",
        "customer_id": "c-1",
        "card_id": "card-1",
        "terminal_id": "t-9",
        "mcc": "5411",
        "ip": "2001:DB8::1",
        "channel": "pos",
        "country": "CN",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _rule(data: dict[str, Any]) -> tuple[str | None, str | None]:
    with pytest.raises(ValidationError) as info:
        parse_event(data)
    return info.value.field, info.value.rule


def test_parse_event_normalises_time_amount_and_ip() -> None:
    event = parse_event(_good())
    assert event.occurred_at == datetime(2024, 3, 1, 2, 15, tzinfo=UTC)
    assert event.occurred_at.tzinfo is UTC
    assert event.amount == Decimal("128.50")
    assert event.amount_units == 1_285_000
    assert event.ip == "2001:db8::1"
    assert event.ts_us == 1_709_259_300_000_000


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"occurred_at": "2024-03-01T10:15:00"}, "occurred_at", "timezone_aware"),
        ({"occurred_at": "yesterday"}, "occurred_at", "iso8601"),
        ({"amount": "-5.00"}, "amount", "positive"),
        ({"amount": "0"}, "amount", "positive"),
        ({"amount": "1000000000000.01"}, "amount", "at_most_1e12"),
        ({"amount": "1.005"}, "amount", "at_most_currency_minor_digits"),
        ({"amount": 12.5}, "amount", "not_float_send_a_string"),
        ({"amount": "abc"}, "amount", "decimal_number"),
        ({"amount": "NaN"}, "amount", "finite"),
        ({"currency": "XYZ"}, "currency", "iso4217_code"),
        ({"customer_id": None}, "customer_id", "required"),
        ({"customer_id": ""}, "customer_id", "non_empty_trimmed_at_most_128_chars"),
        ({"event_id": None}, "event_id", "required"),
        ({"card_id": None}, "card_id", "required_for_card"),
        ({"kind": "cheque"}, "kind", "one_of_card_transfer"),
        ({"channel": "fax"}, "channel", "one_of_atm_branch_ecom_mobile_online_pos"),
        ({"mcc": "54a1"}, "mcc", "four_digits"),
        ({"country": "China"}, "country", "iso3166_alpha2"),
        ({"ip": "300.1.1.1"}, "ip", "ip_address"),
        ({"colour": "red"}, "colour", "known_field"),
    ],
)
def test_bad_events_name_the_field_and_rule(change: dict[str, Any], field: str, rule: str) -> None:
    assert _rule(_good(**change)) == (field, rule)


def test_currency_minor_units_decide_the_precision() -> None:
    assert _rule(_good(amount="100.5", currency="JPY")) == (
        "amount",
        "at_most_currency_minor_digits",
    )
    assert parse_event(_good(amount="100", currency="JPY")).amount == Decimal(100)
    assert parse_event(_good(amount="1.234", currency="KWD")).amount_units == 12_340


def test_transfers_need_a_counterparty_not_a_card() -> None:
    data = _good(kind="transfer", card_id=None, terminal_id=None, channel="mobile")
    assert _rule(data) == ("counterparty_account", "required_for_transfer")
    event = parse_event({**data, "counterparty_account": "acct-2", "account_id": "acct-1"})
    assert event.card_id is None and event.counterparty_account == "acct-2"


def test_direct_construction_refuses_naive_time_and_converts_offsets() -> None:
    kwargs: dict[str, Any] = {
        "event_id": "e",
        "kind": "card",
        "amount": Decimal("1.00"),
        "currency": "EUR",
        "customer_id": "c",
        "card_id": "k",
    }
    with pytest.raises(ValidationError) as info:
        Event(occurred_at=datetime(2024, 1, 1, 12), **kwargs)
    assert (info.value.field, info.value.rule) == ("occurred_at", "timezone_aware")
    east = timezone(timedelta(hours=8))
    event = Event(occurred_at=datetime(2024, 1, 1, 12, tzinfo=east), **kwargs)
    assert event.occurred_at == datetime(2024, 1, 1, 4, tzinfo=UTC)
    with pytest.raises(ValidationError) as info:
        Event(occurred_at=event.occurred_at, **{**kwargs, "amount": 1.0})
    assert (info.value.field, info.value.rule) == ("amount", "decimal")


def test_errors_do_not_echo_identifiers() -> None:
    with pytest.raises(ValidationError) as info:
        parse_event(_good(card_id=" 6222020200112233445 "))
    assert info.value.field == "card_id"
    assert "6222020200112233445" not in str(info.value)
    assert "6222020200112233445" not in repr(info.value.params)


def _sample_handbook() -> pd.DataFrame:
    stamps = pd.to_datetime(
        ["2018-04-01 00:00:31", "2018-04-01 00:02:10", "2018-04-01 00:02:10"], utc=True
    )
    return pd.DataFrame(
        {
            "TRANSACTION_ID": [0, 1, 2],
            "TX_DATETIME": stamps,
            "CUSTOMER_ID": [596, 4961, 596],
            "TERMINAL_ID": [3156, 3412, 1365],
            "TX_AMOUNT": [57.16, 0.0, 146.0],
            "TX_FRAUD": [0, 0, 1],
        }
    )


def test_events_from_handbook_map_columns_and_skip_zero_amounts() -> None:
    events = list(events_from_handbook(_sample_handbook()))
    assert [e.event_id for e in events] == ["0", "2"]
    first = events[0]
    assert first.customer_id == first.card_id == "596"
    assert first.terminal_id == "3156"
    assert first.amount == Decimal("57.16")
    assert first.currency == HANDBOOK_CURRENCY
    assert first.occurred_at == datetime(2018, 4, 1, 0, 0, 31, tzinfo=UTC)
    frame = frame_from_handbook(_sample_handbook())
    assert frame["seq"].tolist() == [0, 1]
    assert frame["is_fraud"].tolist() == [0, 1]
    assert frame["card_id"].tolist() == frame["customer_id"].tolist() == [596, 596]


def test_handbook_sql_reads_the_parquet_as_the_frame() -> None:
    from finbrain.datasets.files import verified_path
    from finbrain.datasets.fraud import load_fraud_handbook

    try:
        path = verified_path("fraud/handbook/transactions.parquet")
    except DatasetMissingError as exc:
        service_missing("The real data folder", str(exc))
    head = frame_from_handbook(load_fraud_handbook().iloc[:5000])
    sql = handbook_sql(str(path)) + " QUALIFY seq < 4990"  # the window filter keeps seq intact
    from_sql = duckdb.connect().sql(f"SELECT * FROM ({sql}) ORDER BY seq").df()
    expected = head[head["seq"] < 4990].reset_index(drop=True)
    assert list(from_sql.columns) == list(expected.columns)
    for column in expected.columns:
        left, right = from_sql[column], expected[column]
        if column == "occurred_at":
            left = pd.to_datetime(left, utc=True).astype("datetime64[us, UTC]")
            right = right.astype("datetime64[us, UTC]")
        assert left.tolist() == right.tolist(), column
