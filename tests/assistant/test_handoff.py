"""Hand-off to a person: explicit requests, out of scope, low confidence or margin, and
repeated failure; every routing is a Decision with zh/en reasons and no message text."""

from __future__ import annotations

import pytest

from finbrain.assistant import HandoffPolicy, route, wants_human
from finbrain.assistant.nlu import IntentResult
from finbrain.core.errors import ValidationError


def result(
    intent: str = "lost_or_stolen_card",
    confidence: float = 0.9,
    margin: float = 0.8,
    note: str | None = None,
) -> IntentResult:
    oos = intent == "oos"
    return IntentResult(intent, confidence, margin, oos, "zh", ((intent, confidence),), note)


@pytest.mark.parametrize(
    "text",
    [
        "转人工",
        "我要找人工客服",
        "让真人来跟我说",
        "I want to talk to a person",
        "get me a live agent",
        "Speak to someone please",
    ],
)
def test_explicit_requests_for_a_person(text: str) -> None:
    assert wants_human(text)
    assert route(result(), text, session_id="s1").outcome == "handoff"


@pytest.mark.parametrize("text", ["我的卡丢了", "不用转人工，我自己来", "", None, "humane"])
def test_no_request_for_a_person(text: object) -> None:
    assert not wants_human(text)


def test_a_confident_answer_is_answered_with_the_intent_in_its_reason() -> None:
    decision = route(result(), "我的卡丢了", session_id="s1")
    assert decision.outcome == "answer" and decision.capability == "assistant"
    assert decision.reasons[0].code == "AS-UNDERSTOOD"
    # named in words in each language (people read reasons in the console), never the id
    assert "lost or stolen card" in decision.reasons[0].text.en
    assert "银行卡丢失或被盗" in decision.reasons[0].text.zh
    assert "lost_or_stolen_card" not in str(decision.reasons[0].text)
    assert decision.tenant_id == "" and decision.receipt is None


@pytest.mark.parametrize(
    ("res", "code"),
    [
        (result("oos", 0.9, 0.8), "AS-OUT-OF-SCOPE"),
        (result(confidence=0.3, margin=0.2), "AS-LOW-CONFIDENCE"),
        (result(confidence=0.6, margin=0.05), "AS-LOW-MARGIN"),
        (result("oos", 0.0, 0.0, note="empty"), "AS-UNREADABLE"),
    ],
)
def test_not_understood_asks_again_then_hands_off(res: IntentResult, code: str) -> None:
    first = route(res, "…", session_id="s1", failures=0)
    assert first.outcome == "clarify" and first.reasons[0].code == code
    second = route(res, "…", session_id="s1", failures=1)
    assert second.outcome == "handoff"
    assert [r.code for r in second.reasons][:2] == ["AS-REPEATED-FAILURE", code]
    assert all(r.text.zh and r.text.en for r in second.reasons)


def test_the_message_is_digested_not_stored() -> None:
    text = "我的卡号是6222020202020202，身份证110101199003071234"
    decision = route(result(), text, session_id="s1")
    dumped = decision.model_dump_json()
    assert "6222020202020202" not in dumped and "110101199003071234" not in dumped
    assert len(decision.input_digest) == 64


def test_max_failures_one_hands_off_at_the_first_miss() -> None:
    policy = HandoffPolicy(max_failures=1)
    assert route(result("oos"), "x", session_id="s", policy=policy).outcome == "handoff"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"min_confidence": 1.5}, "min_confidence"),
        ({"min_margin": -0.1}, "min_margin"),
        ({"max_failures": 0}, "max_failures"),
    ],
)
def test_bad_policy_names_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        HandoffPolicy(**kwargs)
    assert caught.value.field == field
