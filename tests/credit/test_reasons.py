"""Reason texts in the reader's language: the built-in datasets' category levels in Chinese."""

from __future__ import annotations

import pandas as pd


def test_german_levels_read_in_chinese_and_stay_as_they_are_in_english() -> None:
    from finbrain.credit.reasons import label_text, level_text
    from finbrain.datasets import load_german

    feature = "status_of_existing_checking_account"
    bin_label = "{... < 0 DM, no checking account}"
    assert label_text(feature, bin_label, "zh") == "{支票账户余额 < 0 马克, 无支票账户}"
    assert label_text(feature, bin_label, "en") == bin_label
    assert label_text(feature, "missing", "zh") == "缺失"
    assert level_text("telephone", "none", "zh") == "无" and level_text("x", "none", "zh") == "none"
    frame = load_german()  # every level of every categorical column has its Chinese
    checked = 0
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            for level in map(str, frame[column].unique()):
                assert level_text(column, level, "zh") != level, (column, level)
                checked += 1
    assert checked == 54
