"""What the assistant says, in zh and en: templates are data (``data/replies.json``), and so are
the reasons of its decisions (``data/action_reasons.json``); this module fills them in."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from finbrain.assistant.backend import Account, Card
from finbrain.core.decision import BilingualText, Reason

__all__ = [
    "ReplyLanguage",
    "amount_text",
    "date_text",
    "item_text",
    "readable",
    "reason",
    "reason_texts",
    "say",
]

ReplyLanguage = Literal["zh", "en"]


@lru_cache(maxsize=4)
def _catalogue(name: str) -> dict[str, dict[str, str]]:
    raw = resources.files("finbrain.assistant").joinpath(f"data/{name}.json")
    loaded: dict[str, dict[str, str]] = json.loads(raw.read_text("utf-8"))
    return loaded


# an identifier inside a reason's value (an intent, a task, a slot name): a whole token
_TOKEN = re.compile(r"(?<![\w\-])[A-Za-z][A-Za-z0-9_]*\??(?![\w\-])")


def readable(value: Any, language: ReplyLanguage) -> Any:
    """``value`` with the intents, tasks and slot names it names in words of ``language``
    (``data/intent_names.json``: 已识别意图 银行卡丢失或被盗, not ``lost_or_stolen_card``); a
    decision's reasons are read by people in the console, in either language."""
    if not isinstance(value, str):
        return value
    names = _catalogue("intent_names")
    if value in names:
        return names[value][language]
    return _TOKEN.sub(lambda m: names.get(m.group(0), {}).get(language, m.group(0)), value)


def reason_texts(texts: dict[str, str], fill: dict[str, Any]) -> BilingualText:
    """A reason's template in both languages, its values named in each language."""
    return BilingualText(
        zh=texts["zh"].format(**{k: readable(v, "zh") for k, v in fill.items()}),
        en=texts["en"].format(**{k: readable(v, "en") for k, v in fill.items()}),
    )


def say(key: str, language: ReplyLanguage, **params: Any) -> str:
    """The reply ``key`` in ``language`` with ``params`` filled in."""
    return _catalogue("replies")[key][language].format(**params)


def reason(code: str, value: Any = None, **params: Any) -> Reason:
    """A decision reason from the action catalogue, both languages filled."""
    texts = _catalogue("action_reasons")[code]
    fill = {"value": value, **params}
    return Reason(
        code=code,
        text=reason_texts(texts, fill),
        value=value if isinstance(value, str | int | float | bool) or value is None else str(value),
    )


def item_text(item: Card | Account, language: ReplyLanguage) -> str:
    """尾号1234的信用卡 / credit card ending 1234 (the last four digits only)."""
    family = "card" if isinstance(item, Card) else "account"
    return say(f"{family}.{item.kind}", language, last4=item.last4)


def amount_text(amount: Decimal | str) -> str:
    """1,234.50 (two decimals, thousands grouped)."""
    try:
        return f"{Decimal(amount):,.2f}"
    except ArithmeticError:
        return str(amount)


def date_text(day: date | str | None, language: ReplyLanguage) -> str:
    if day is None:
        return say("unknown", language)
    value = date.fromisoformat(day) if isinstance(day, str) else day
    return say("date.format", language, month=value.month, day=value.day, iso=value.isoformat())
