"""Cleaning and cutting a customer's message into the tokens the intent model counts.

- ``normalise``: Unicode NFKC (full-width ``ＡＰＰ１２３`` becomes ``APP123``), lower case,
  whitespace collapsed, control characters dropped, cut to ``max_chars``.
- ``words``: Latin words as they are; runs of Han characters cut by jieba with a bank-term user
  dictionary (信用卡, 挂失, 花呗 … are kept whole) — or, when jieba is not installed, by single
  characters, so the model still works (a little less well).
- ``char_ngrams``: character n-grams inside each Latin word (padded with spaces, as
  scikit-learn's ``char_wb``) and inside each Han run (1- to 3-grams: Chinese has no spaces,
  so character n-grams are the robust half of its features, typos included).

jieba is optional (the ``assistant`` extra): its tokenizer is created on first use, private to
this module (jieba's own global dictionary is left alone), with the user dictionary added.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["DEFAULT_MAX_CHARS", "bank_terms", "char_ngrams", "has_jieba", "normalise", "words"]

DEFAULT_MAX_CHARS = 512
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202f\ufeff]")
# one token: a run of Han characters, or a Latin/digit word (with inner ' or -), or one symbol
_SEGMENT = re.compile(
    r"(?P<han>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)"
    r"|(?P<word>[0-9a-z\u00c0-\u024f]+(?:['\-][0-9a-z\u00c0-\u024f]+)*)"
)
_LOCK = threading.Lock()


def normalise(text: object, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """NFKC, lower case, no control characters, single spaces, at most ``max_chars``."""
    if not isinstance(text, str):
        return ""
    text = text[: max_chars * 4]  # bound the work before NFKC on a huge message
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text).lower()
    return _SPACE.sub(" ", text).strip()[:max_chars]


@lru_cache(maxsize=1)
def bank_terms() -> tuple[str, ...]:
    """The bank terms of the user dictionary (``data/bank_terms_zh.txt``), in file order."""
    raw = (
        resources.files("finbrain.assistant").joinpath("data/bank_terms_zh.txt").read_text("utf-8")
    )
    terms = []
    for line in raw.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            terms.append(line.split()[0])
    return tuple(terms)


@lru_cache(maxsize=1)
def _jieba() -> Any | None:
    try:
        import jieba
    except ImportError:
        return None
    with _LOCK:
        jieba.setLogLevel(60)  # no "Building prefix dict" chatter on stderr
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        raw = resources.files("finbrain.assistant").joinpath("data/bank_terms_zh.txt")
        for line in raw.read_text("utf-8").splitlines():
            parts = line.strip().split()
            if not parts or parts[0].startswith("#"):
                continue
            freq = int(parts[1]) if len(parts) > 1 else None
            tag = parts[2] if len(parts) > 2 else None
            tokenizer.add_word(parts[0], freq, tag)
    return tokenizer


def has_jieba() -> bool:
    """True when jieba is installed (Chinese is then cut into words, not only characters)."""
    return _jieba() is not None


def _cut_han(run: str) -> list[str]:
    tokenizer = _jieba()
    if tokenizer is None:
        return list(run)
    return [w for w in tokenizer.cut(run, HMM=True) if w.strip()]


def words(text: str) -> list[str]:
    """Word tokens of an already normalised message (Han runs cut by jieba)."""
    tokens: list[str] = []
    for match in _SEGMENT.finditer(text):
        han = match.group("han")
        if han is not None:
            tokens.extend(_cut_han(han))
        else:
            tokens.append(match.group("word"))
    return tokens


def char_ngrams(
    text: str, latin: tuple[int, int] = (2, 5), han: tuple[int, int] = (1, 3)
) -> list[str]:
    """Character n-grams of a normalised message: ``latin`` sizes inside space-padded Latin
    words, ``han`` sizes inside runs of Han characters."""
    grams: list[str] = []
    for match in _SEGMENT.finditer(text):
        run = match.group("han")
        if run is not None:
            low, high = han
        else:
            run = f" {match.group('word')} "
            low, high = latin
        size = len(run)
        for n in range(low, high + 1):
            grams.extend(run[i : i + n] for i in range(size - n + 1))
    return grams
