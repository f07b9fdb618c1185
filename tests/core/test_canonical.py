"""canonical_json's fast writer gives exactly the bytes of the rfc8785 reference (RFC 8785 JCS):
ledger entries and input digests must never depend on which path wrote them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from finbrain.core.canonical import _plain, canonical_json

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(values)
def test_same_bytes_as_the_reference(value: Any) -> None:
    try:
        expected = rfc8785.dumps(_plain(value))
    except Exception:  # the reference refuses it (e.g. a lone surrogate): so must we
        try:
            canonical_json(value)
        except Exception:
            return
        raise AssertionError("accepted a value the reference refuses") from None
    assert canonical_json(value) == expected


def test_edge_numbers_and_strings() -> None:
    for value in (
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
