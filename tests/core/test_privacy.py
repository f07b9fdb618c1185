from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finbrain.core.privacy import MaskingFilter, mask_text

KEY = "fbk_01M8GWFE3G1BYBE9PWYH57KGSS_nfKg4JWbvEI6MIBusvqtuTEi6VZWIPDHz1HRA3n8RQo"


@pytest.mark.parametrize(
    ("raw", "secret"),
    [
        ("id=110101199003074518", "19900307"),
        ("id 11010119900307451X end", "19900307"),
        ("legacy 110101900307451", "900307"),
        ("call 13812345678", "1234"),
        ("call +86 13812345678", "1234567"),
        ("card 6222021234567890123", "02123456789"),
        ("card 6222 0212 3456 7890", "0212 3456"),
        (f"key {KEY}", "nfKg4JWbvEI6"),
        ("Authorization: Bearer abc.def-ghi", "abc.def"),
    ],
)
def test_personal_data_and_keys_are_masked(raw: str, secret: str) -> None:
    masked = mask_text(raw)
    assert secret not in masked
    assert masked != raw


def test_ordinary_numbers_survive() -> None:
    text = "amount 12345.67 at 2026-11-28T10:00:00Z, 42 items, id 01ARZ3NDEKTSV4RRFFQ69G5FAV"
    assert mask_text(text) == text


def test_filter_masks_arguments_and_extras(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("finbrain.test.privacy")
    handler_filter = MaskingFilter()
    logger.addFilter(handler_filter)
    try:
        with caplog.at_level(logging.INFO, logger="finbrain.test.privacy"):
            logger.info(
                "applicant %s phone %s", "110101199003074518", "13812345678", extra={"fb_key": KEY}
            )
    finally:
        logger.removeFilter(handler_filter)
    record = caplog.records[-1]
    assert "19900307" not in record.getMessage()
    assert "5678" in record.getMessage()
    assert "nfKg4" not in str(record.fb_key)  # type: ignore[attr-defined]


@given(st.text(min_size=1, max_size=600).filter(lambda s: s.strip()))
def test_a_masked_name_is_short_and_shows_one_character(name: str) -> None:
    from finbrain.core.privacy import mask_name

    masked = mask_name(name)
    assert masked == name.strip()[0] + "***" and len(masked) == 4


def test_a_long_name_does_not_give_away_its_length() -> None:
    from finbrain.core.privacy import mask_name

    assert mask_name("王" * 500) == mask_name("王小明") == "王***"
