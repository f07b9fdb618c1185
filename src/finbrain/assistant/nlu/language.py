"""Which language a customer wrote in: Chinese, English, a mix of both, or neither.

Counted, not modelled: Han characters against Latin words. A Chinese message with one English
word in it ("我的APP打不开") is still Chinese; "how do I 挂失 my card" is still English; when
neither side dominates the message is ``mixed``. Messages with no letters at all (emoji, digits,
punctuation, empty) are ``unknown``.
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = ["Language", "detect_language", "script_counts"]

Language = Literal["zh", "en", "mixed", "unknown"]

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+(?:'[A-Za-z]+)?")
# about 1.5 Han characters make one Chinese word: the two sides are compared in words
_HAN_PER_WORD = 1.5
_MINORITY_SHARE = 0.34


def script_counts(text: str) -> tuple[int, int]:
    """``(Han characters, Latin words)`` in ``text``."""
    return len(_HAN.findall(text)), len(_LATIN_WORD.findall(text))


def detect_language(text: object) -> Language:
    """``"zh"``, ``"en"``, ``"mixed"`` or ``"unknown"`` for one message (never raises on str)."""
    if not isinstance(text, str):
        return "unknown"
    han, latin = script_counts(text)
    if han == 0 and latin == 0:
        return "unknown"
    if latin == 0:
        return "zh"
    if han == 0:
        return "en"
    zh_words = han / _HAN_PER_WORD
    minority = min(zh_words, latin) / max(zh_words, latin)
    if minority >= _MINORITY_SHARE:
        return "mixed"
    return "zh" if zh_words > latin else "en"
