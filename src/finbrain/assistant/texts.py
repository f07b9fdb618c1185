"""What the assistant says, in zh and en: templates are data (``data/replies.json``), and so are
the reasons of its decisions (``data/action_reasons.json``); this module fills them in."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from finbrain.assistant.backend import Account, Card
from finbrain.core.decision import BilingualText, Reason

__all__ = ["ReplyLanguage", "amount_text", "date_text", "item_text", "reason", "say"]

ReplyLanguage = Literal["zh", "en"]


@lru_cache(maxsize=4)
def _catalogue(name: str) -> dict[str, dict[str, str]]:
    raw = resources.files("finbrain.assistant").joinpath(f"data/{name}.json")
    loaded: dict[str, dict[str, str]] = json.loads(raw.read_text("utf-8"))
    return loaded


def say(key: str, language: ReplyLanguage, **params: Any) -> str:
    """The reply ``key`` in ``language`` with ``params`` filled in."""
    return _catalogue("replies")[key][language].format(**params)


def reason(code: str, value: Any = None, **params: Any) -> Reason:
    """A decision reason from the action catalogue, both languages filled."""
    texts = _catalogue("action_reasons")[code]
    fill = {"value": value, **params}
    return Reason(
        code=code,
        text=BilingualText(zh=texts["zh"].format(**fill), en=texts["en"].format(**fill)),
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
