"""canonical_json's fast paths (orjson, and the pure-Python writer used without it) give exactly
the bytes of the rfc8785 reference (RFC 8785 JCS): ledger entries and input digests must never
depend on which path wrote them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finbrain.core import canonical
from finbrain.core.canonical import _plain, canonical_json


@pytest.fixture(params=["orjson", "python"], autouse=True)
def writer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs on both fast paths."""
    if request.param == "python":
        monkeypatch.setattr(canonical, "_orjson", None)
    else:
        assert canonical._orjson is not None, "orjson is a pinned dependency"
    return str(request.param)


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    # features: magnitudes around every switch between fixed and exponent notation
    | st.builds(lambda m, e: m * 10.0**e, st.floats(-10, 10), st.integers(-9, 22))
    | st.integers(-(2**60), 2**60).map(float)
    | st.text()
)
# Keys: ASCII, the BMP's top (U+E000-U+FFFF) and beyond it, whose UTF-16 order differs.
keys = st.text(max_size=8) | st.text(
    st.sampled_from("aZ~\u00e9\u4e2d\ue000\uffff\U0001f600\U00010000"), max_size=4
)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(keys, children, max_size=5),
    max_leaves=30,
)


# The fixture only picks the path, the same for every example.
@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values)
def test_same_bytes_as_the_reference(writer: str, value: Any) -> None:
    try:
        expected = rfc8785.dumps(_plain(value))
    except Exception:  # the reference refuses it (e.g. a lone surrogate): so must we
        try:
            canonical_json(value)
        except Exception:
            return
        raise AssertionError("accepted a value the reference refuses") from None
    assert canonical_json(value) == expected


def test_edge_numbers_and_strings(writer: str) -> None:
    for value in (
        1e-5,
        9.99999e-6,
        1e-6,
        1.5e-7,
        1e16,
        9999999999999998.0,
        1e20,
        2.0**53,
        {"\uffff": 1, "\U0001f600": 2, "\u00e9": 3},
        0.0,
        -0.0,
        1e21,
        1e-7,
        5e-324,
        1.7976931348623157e308,
        123456789.123456789,
        2**53 - 1,
        -(2**53) + 1,
        "\u2028\u2029",
        'é\x00\x1f"\\',
        {"b": 1, "a": [1, "x"]},
        {"\u20ac": 1, "$": 2, "\U0001f600": 3},
        Decimal("12.30"),
    ):
        assert canonical_json(value) == rfc8785.dumps(_plain(value)), value
