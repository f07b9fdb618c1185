"""Normalising and cutting messages: full-width forms, bank terms kept whole, n-grams."""

from __future__ import annotations

import pytest

from finbrain.assistant.nlu import char_ngrams, normalise, words
from finbrain.assistant.nlu.text import bank_terms, has_jieba


def test_normalise_folds_width_case_space_and_controls() -> None:
    assert normalise("  ＡＰＰ\u200b　打不开\n\tPIN  ") == "app 打不开 pin"


def test_normalise_cuts_to_max_chars_and_survives_non_text() -> None:
    assert len(normalise("卡" * 10_000, max_chars=100)) == 100
    assert normalise(None) == ""  # type: ignore[arg-type]


def test_bank_terms_are_read_from_the_package() -> None:
    terms = bank_terms()
    assert {"信用卡", "挂失", "花呗", "年费"} <= set(terms)


@pytest.mark.skipif(not has_jieba(), reason="jieba not installed (char n-grams only)")
def test_jieba_keeps_bank_terms_whole() -> None:
    tokens = words(normalise("我的信用卡丢了要挂失，花呗年费怎么算"))
    for term in ("信用卡", "挂失", "花呗", "年费"):
        assert term in tokens


def test_latin_words_stay_words_in_a_chinese_message() -> None:
    tokens = words(normalise("我的APP打不开, top-up 失败"))
    assert "app" in tokens and "top-up" in tokens


def test_char_ngrams_cover_han_runs_and_padded_latin_words() -> None:
    grams = char_ngrams("卡丢了 pin")
    assert {"卡", "卡丢", "卡丢了", " p", "pin "} <= set(grams)
    assert "了 " not in grams  # Han runs are not padded: no n-gram crosses into the space
