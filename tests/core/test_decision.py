from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError
from ulid import ULID

from finbrain.core.canonical import canonical_json, digest
from finbrain.core.decision import BilingualText, Decision, Reason, Subject


def _decision(**over: object) -> Decision:
    fields: dict[str, object] = {
        "tenant_id": "T",
        "capability": "credit",
        "action": "score",
        "subject": Subject(type="applicant", id="A-1"),
        "outcome": "decline",
        "score": 0.31,
        "reasons": [
            Reason(
                code="CR-UTIL-HIGH",
                text=BilingualText(zh="额度使用率高", en="High utilisation"),
                feature="utilisation",
                value=0.93,
                contribution=-42.0,
            )
        ],
    }
    fields.update(over)
    return Decision.for_input({"income": 1000, "age": 30}, **fields)


def test_input_digest_ignores_key_order_and_spacing() -> None:
    assert digest({"b": 1, "a": [1, 2.5]}) == digest({"a": [1, 2.5], "b": 1})
    assert canonical_json({"b": 1, "a": "中"}) == '{"a":"中","b":1}'.encode()
    assert _decision().input_digest == digest({"age": 30, "income": 1000})


def test_decimal_keeps_digits_in_canonical_form() -> None:
    from decimal import Decimal

    assert canonical_json({"x": Decimal("12345678901234567.89")}) == b'{"x":"12345678901234567.89"}'


def test_decision_round_trips_through_json() -> None:
    first = _decision()
    again = Decision.model_validate_json(first.model_dump_json())
    assert again == first and again is not first
    assert again.model_dump() == first.model_dump()
    assert again.created_at == first.created_at and again.created_at.tzinfo is not None
    assert again.reasons[0].text.zh == "额度使用率高" and again.reasons[0].value == 0.93
    assert again != _decision()  # another decision: its own id and time
    assert "receipt" not in first.ledger_entry()


def test_decision_ids_sort_by_creation_time() -> None:
    made = []
    for _ in range(5):
        made.append(_decision())
        time.sleep(0.002)  # a ULID orders by millisecond; within one its order is random
    ids = [d.id for d in made]
    assert len(set(ids)) == 5
    assert ids == sorted(ids)
    for decision in made:
        # The id carries its creation time to the millisecond.
        stamp = ULID.from_str(decision.id).datetime
        assert abs(stamp - decision.created_at) < timedelta(seconds=1)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("created_at", datetime(2026, 1, 1)),  # naive time
        ("capability", "Credit Scoring"),
        ("outcome", ""),
        ("reasons", [{"code": "bad code", "text": {"zh": "x", "en": "y"}}]),
        ("reasons", [{"code": "OK", "text": {"zh": "", "en": "y"}}]),
    ],
)
def test_invalid_decisions_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as info:
        _decision(**{field: value})
    assert field in str(info.value)


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        _decision(surprise=1)
