"""Language detection: Chinese, English, the two mixed, and messages with no letters at all."""

from __future__ import annotations

import pytest

from finbrain.assistant.nlu import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的卡丢了", "zh"),
        ("I lost my card", "en"),
        ("我的APP打不开", "zh"),  # one English word in a Chinese sentence
        ("how do I 挂失 my card", "en"),
        ("top up 失败了怎么办 help", "mixed"),
        ("PIN 被锁", "mixed"),
        ("", "unknown"),
        ("😀😀😀", "unknown"),
        ("12345 ?!", "unknown"),
        ("   ", "unknown"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_non_text_is_unknown_not_an_error() -> None:
    assert detect_language(None) == "unknown"  # type: ignore[arg-type]
    assert detect_language(42) == "unknown"  # type: ignore[arg-type]


def test_a_huge_message_is_answered_quickly() -> None:
    assert detect_language("卡" * 10_000 + "card" * 10) == "zh"
