"""What canonical JSON cannot carry exactly is refused with the field and the rule, never a
crash: integers beyond ±(2^53 - 1) (JCS numbers are IEEE doubles: 2^53 + 1 would be digested as
2^53) and non-finite floats."""

from __future__ import annotations

import pytest

from finbrain.core import canonical
from finbrain.core.canonical import MAX_SAFE_INTEGER, canonical_json, check_canonical, digest
from finbrain.core.errors import ValidationError


@pytest.fixture(params=["orjson", "python"], autouse=True)
def writer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "python":
        monkeypatch.setattr(canonical, "_orjson", None)
    return str(request.param)


def test_the_largest_safe_integers_are_written_exactly() -> None:
    assert MAX_SAFE_INTEGER == 2**53 - 1
    assert (
        canonical_json([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER])
        == b"[9007199254740991,-9007199254740991]"
    )
    check_canonical({"a": [MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER, 1.5, True]})


@pytest.mark.parametrize("big", [2**53, -(2**53), 2**53 + 1, 10**30])
def test_an_unsafe_integer_is_refused_naming_its_path(big: int) -> None:
    value = {"applicant_id": "A1", "features": {"credit_amount": 1000, "extra": [1, {"n": big}]}}
    with pytest.raises(ValidationError) as raised:
        digest(value)
    assert raised.value.field == "features.extra.1.n"
    assert raised.value.rule == "safe_integer"
    with pytest.raises(ValidationError) as checked:
        check_canonical(value["features"], "applicants.3.features")
    assert checked.value.field == "applicants.3.features.extra.1.n"
    assert checked.value.rule == "safe_integer"


@pytest.mark.parametrize("bad", [float("inf"), float("-inf"), float("nan")])
def test_a_non_finite_float_is_refused_naming_its_path(bad: float) -> None:
    with pytest.raises(ValidationError) as raised:
        canonical_json({"features": {"x": bad}})
    assert (raised.value.field, raised.value.rule) == ("features.x", "finite_number")


def test_booleans_are_not_integers() -> None:
    check_canonical({"flag": True})
    assert canonical_json({"flag": True}) == b'{"flag":true}'
