"""Personal data is masked in what the assistant keeps; hand-off carries the masked transcript."""

from __future__ import annotations

import pytest

from finbrain.assistant import Assistant, ConversationState, mask_personal
from finbrain.assistant.demo_bank import DemoBank

from .conftest import TODAY, KeywordModel


@pytest.mark.parametrize(
    ("text", "hidden", "kept"),
    [
        ("我叫张三丰，卡号6222020202020202丢了", ["三丰", "6222020202020202"], ["我叫张", "丢了"]),
        ("手机13812345678", ["13812345678"], ["138****5678"]),
        ("身份证110101199003071234", ["110101199003071234"], ["110101"]),
        ("My name is Jane Smith", ["Jane", "Smith"], ["My name is J***"]),
        ("mail me at jane.smith@example.com", ["jane.smith", "example.com"], ["mail me"]),
        ("账号 123456789012", ["123456789012"], ["账号"]),
        ("姓名：欧阳娜娜", ["阳娜娜"], ["姓名：欧"]),
    ],
)
def test_personal_data_is_masked(text: str, hidden: list[str], kept: list[str]) -> None:
    masked = mask_personal(text)
    assert all(h not in masked for h in hidden), masked
    assert all(k in masked for k in kept), masked


@pytest.mark.parametrize("text", ["我是不是被多扣钱了", "I am not sure", "我的卡丢了", "yes"])
def test_ordinary_words_stay(text: str) -> None:
    assert mask_personal(text) == text


def test_long_and_odd_input_is_cut_and_never_raises() -> None:
    assert len(mask_personal("字" * 10_000)) <= 501
    assert mask_personal(None) == "" and mask_personal(42) == ""


def test_a_request_for_a_person_hands_off_with_the_masked_transcript() -> None:
    assistant = Assistant(KeywordModel())  # type: ignore[arg-type]
    bank = DemoBank.sample(TODAY)
    state = ConversationState.new("s-9", "c-demo")
    first = assistant.reply(state, "我叫李小明，手机13812345678，我的卡丢了", bank, today=TODAY)
    reply = assistant.reply(first.state, "转人工", bank, today=TODAY)
    assert reply.outcome == "handoff" and reply.handoff is not None
    assert reply.handoff.reasons[0] == "AS-HUMAN-REQUEST"
    assert reply.handoff.pending_task == "report_lost_card"
    dumped = reply.state.to_json() + repr(reply.handoff)
    assert "13812345678" not in dumped and "小明" not in dumped
    assert [t.role for t in reply.handoff.transcript] == ["customer", "assistant"] * 2
    waiting = assistant.reply(reply.state, "hello?", bank, today=TODAY)
    assert waiting.outcome == "handoff" and waiting.state.pending is None


def test_two_misses_in_a_row_hand_off() -> None:
    assistant = Assistant(KeywordModel())  # type: ignore[arg-type]
    bank = DemoBank.sample(TODAY)
    first = assistant.reply(ConversationState.new("s", "c-demo"), "今天天气", bank, today=TODAY)
    second = assistant.reply(first.state, "讲个笑话", bank, today=TODAY)
    assert first.outcome == "clarify" and first.state.failures == 1
    assert second.outcome == "handoff" and second.handoff is not None
    assert second.handoff.reasons[0] == "AS-REPEATED-FAILURE"
