"""The forbidden-promise check (禁止承诺保本保收益): advice text may not promise capital or
returns.

China's asset-management rules (资管新规, 2018, art. 19 on 刚性兑付) and the suitability rules
forbid promising principal protection or returns for investment products; MiFID II (art. 24(3))
and FINRA Rule 2210 forbid misleading or promissory statements. :func:`find_promises` returns
every forbidden phrase in a text (zh or en, full-width forms and spaces inside Han phrases
normalised) that is not negated ("不保本", "not guaranteed", "no guarantee" are what a
disclosure must say, and pass); :func:`check_promises` raises naming the field and the term.
The phrase lists are data (``data/promises.json``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from finbrain.core.decision import BilingualText
from finbrain.core.errors import ValidationError

__all__ = ["Promise", "check_promises", "find_promises"]


@dataclass(frozen=True, slots=True)
class Promise:
    term: str
    start: int
    excerpt: str


@cache
def _patterns() -> tuple[
    re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]
]:
    raw = resources.files("finbrain.advisory").joinpath("data/promises.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(raw)
    zh = re.compile("|".join(re.escape(t) for t in sorted(data["zh"], key=len, reverse=True)))
    en = re.compile(r"\b(?:" + "|".join(data["en"]) + r")\b", re.IGNORECASE)
    zh_neg = re.compile("(?:" + "|".join(re.escape(t) for t in data["zh_negations"]) + ")$")
    en_neg = re.compile(
        r"\b(?:" + "|".join(data["en_negations"]) + r")\W+(?:\w+\W+){0,2}$", re.IGNORECASE
    )
    allowed = re.compile("|".join(re.escape(t) for t in data["allowed"]), re.IGNORECASE)
    return zh, en, zh_neg, en_neg, allowed


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    # spaces or punctuation used to split a Han phrase (保 本, 保-本) do not hide it
    return re.sub(r"(?<=[\u4e00-\u9fff])[\s\-_·.]+(?=[\u4e00-\u9fff])", "", text)


def find_promises(text: str | BilingualText | Iterable[str]) -> list[Promise]:
    """Every forbidden promise in ``text`` (a string, a zh/en pair, or several strings)."""
    if isinstance(text, BilingualText):
        parts = [text.zh, text.en]
    elif isinstance(text, str):
        parts = [text]
    else:
        parts = [str(t) for t in text]
    zh, en, zh_neg, en_neg, allowed = _patterns()
    found: list[Promise] = []
    for part in parts:
        clean = allowed.sub(lambda m: " " * len(m.group(0)), _normalise(part))
        for match in zh.finditer(clean):
            before = clean[max(0, match.start() - 3) : match.start()]
            if not zh_neg.search(before):
                found.append(_promise(clean, match))
        for match in en.finditer(clean):
            before = clean[max(0, match.start() - 30) : match.start()]
            if not en_neg.search(before):
                found.append(_promise(clean, match))
    return found


def _promise(text: str, match: re.Match[str]) -> Promise:
    excerpt = text[max(0, match.start() - 12) : match.end() + 12]
    return Promise(match.group(0), match.start(), excerpt)


def check_promises(text: str | BilingualText | Iterable[str], *, field: str = "text") -> None:
    """Raise a ValidationError (rule ``no_forbidden_promise``, the term named) if ``text``
    promises capital or returns."""
    found = find_promises(text)
    if found:
        raise ValidationError(
            f"forbidden promise: {found[0].term!r} in {found[0].excerpt!r}",
            field=field,
            rule="no_forbidden_promise",
            term=found[0].term,
        )
