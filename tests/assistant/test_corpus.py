"""The Chinese BANKING77 set shipped in the package: every intent, enough messages, held out."""

from __future__ import annotations

from finbrain.assistant import load_banking77_zh
from finbrain.assistant.nlu import detect_language

BANKING77_HAS = {
    "card_arrival",
    "Refund_not_showing_up",
    "reverted_card_payment?",
    "country_support",
}


def test_every_intent_has_twenty_training_messages_and_a_held_out_test() -> None:
    frame = load_banking77_zh()
    train = frame[frame["split"] == "train"]
    test = frame[frame["split"] == "test"]
    counts = train["label"].value_counts()
    assert len(counts) == 77 and counts.min() >= 20
    assert set(test["label"]) == set(train["label"])
    assert set(train["label"]) >= BANKING77_HAS
    assert not set(train["text"]) & set(test["text"])  # held out: no message in both
    assert not train["text"].duplicated().any()


def test_the_messages_are_chinese_some_with_english_words() -> None:
    frame = load_banking77_zh()
    languages = frame["text"].map(detect_language)
    assert (languages == "zh").mean() > 0.9
    assert frame["text"].str.contains("[A-Za-z]", regex=True).sum() >= 50
