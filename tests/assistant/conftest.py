"""A keyword intent model (deterministic, instant) and the demo bank, for the dialogue tests."""

from __future__ import annotations

import re
from datetime import date

import pytest

from finbrain.assistant.demo_bank import DemoBank
from finbrain.assistant.nlu import IntentResult
from finbrain.assistant.nlu.language import detect_language

TODAY = date(2026, 12, 6)  # a Sunday

RULES = [
    (r"解冻|unfreeze|unlock", "unfreeze_card"),
    (r"冻结|锁卡|freeze|lock", "freeze_card"),
    (r"丢|lost|stole|偷", "lost_or_stolen_card"),
    (r"余额|balance|多少钱", "check_balance"),
    (r"不认识|没买|扣了|recogni[sz]e|dispute|charged", "card_payment_not_recognised"),
    (r"转账|transfer", "pending_transfer"),
    (r"年费|annual fee", "annual_fee_question"),
]


class KeywordModel:
    """Reads an intent from keywords; anything else is out of scope."""

    def classify(self, text: object) -> IntentResult:
        message = text if isinstance(text, str) else ""
        language = detect_language(message)
        if not message.strip():
            return IntentResult("oos", 0.0, 0.0, True, language, (), "empty")
        for pattern, intent in RULES:
            if re.search(pattern, message, re.IGNORECASE):
                return IntentResult(intent, 0.95, 0.9, False, language, ((intent, 0.95),))
        return IntentResult("oos", 0.9, 0.85, True, language, (("oos", 0.9),))


@pytest.fixture
def bank() -> DemoBank:
    return DemoBank.sample(TODAY)
