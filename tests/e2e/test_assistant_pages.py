"""The assistant in the console, in headless Chromium: a signed-in user chats as the demo
customer (a lost card reported only after the yes, the card's status changing on the page),
asks for a person and an agent takes and closes the ticket in the queue; the knowledge base is
edited (added, refused with the field named, used by the next message, deleted); a bank with no
model is told so and can start its training; Chinese and English."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import LiveServer
from tests.e2e.test_console import sign_in
from tests.platform.assistant_seed import seed_assistant

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
REFUSED = (
    "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
)


def _bank(live: LiveServer, name: str, **seed: bool) -> str:
    tenant_id, key = live.platform.new_tenant(name)
    seed_assistant(live.platform, tenant_id, **seed)
    return key


def _send(page: Any, text: str) -> None:
    page.fill("[data-testid=chat-text]", text)
    page.click("[data-testid=chat-send]")
    page.wait_for_url("**/console/assistant")


def test_chat_report_a_lost_card_then_hand_off_to_an_agent(
    page: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    sign_in(page, live, _bank(live, "Chat Bank"))
    page.wait_for_url("**/console/decisions")
    page.goto(f"{live.url}/console/lang/zh?next=/console/decisions")
    page.click("[data-testid=nav-assistant]")
    page.wait_for_url("**/console/assistant")
    expect(page.locator("[data-testid=model-summary]")).to_contain_text("意图模型")
    expect(page.locator("[data-testid=empty-chat]")).to_be_visible()
    expect(page.locator("[data-testid=card-status-5678]")).to_have_text("正常")

    _send(page, "我的信用卡丢了")
    expect(page.locator("[data-testid=turn-assistant]").last).to_contain_text("5678")
    expect(page.locator("[data-testid=awaiting-confirm]")).to_be_visible()
    expect(page.locator("[data-testid=card-status-5678]")).to_have_text("正常")  # not yet
    _send(page, "确认")
    expect(page.locator("[data-testid=turn-assistant]").last).to_contain_text("已挂失")
    expect(page.locator("[data-testid=card-status-5678]")).to_have_text("已挂失")
    expect(page.locator("[data-testid=awaiting-confirm]")).to_have_count(0)

    # personal data typed in the chat is stored (and shown back) masked
    _send(page, "我的手机号是13812345678，我要转人工")
    expect(page.locator("[data-testid=handed-off]")).to_be_visible()
    expect(page.locator("[data-testid=transcript]")).not_to_contain_text("13812345678")

    page.click("[data-testid=nav-assistant-tickets]")
    page.wait_for_url("**/console/assistant/tickets")
    expect(page.locator("[data-testid=ticket-row]")).to_have_count(1)
    expect(page.locator("[data-testid=ticket-row]")).to_contain_text("客户要求人工")
    page.click("[data-testid=ticket-transcript] summary")
    expect(page.locator("[data-testid=ticket-transcript]")).to_contain_text("我的信用卡丢了")
    page.click("[data-testid=ticket-take]")
    expect(page.locator("[data-testid=flash]")).to_contain_text("已接入")
    expect(page.locator("[data-testid=ticket-status]")).to_have_text("处理中")
    page.click("[data-testid=ticket-close]")
    expect(page.locator("[data-testid=ticket-status]")).to_have_text("已结束")
    page.click("[data-testid=filter-open]")
    expect(page.locator("[data-testid=no-tickets]")).to_be_visible()

    # the closed ticket reset the conversation: the assistant answers again, in English too
    page.goto(f"{live.url}/console/lang/en?next=/console/assistant")
    expect(page.locator("[data-testid=empty-chat]")).to_be_visible()
    _send(page, "What is the annual fee of the credit card?")
    expect(page.locator("[data-testid=turn-assistant]").last).to_contain_text("980 yuan a year")
    page.click("[data-testid=new-chat]")
    expect(page.locator("[data-testid=empty-chat]")).to_be_visible()
    assert browser_errors == []


def test_edit_the_knowledge_base_and_the_chat_uses_it(
    page: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    sign_in(page, live, _bank(live, "KB Bank"))
    page.wait_for_url("**/console/decisions")
    page.click("[data-testid=nav-assistant-knowledge]")
    page.wait_for_url("**/console/assistant/knowledge")
    summary = page.locator("[data-testid=kb-summary]").inner_text()

    page.fill("[data-testid=entry-id]", "gold bar")  # a space: refused, the field named
    page.fill("[data-testid=entry-questions]", "你们卖金条吗\nDo you sell gold bars?")
    page.fill("[data-testid=entry-answer-zh]", "本行网点出售实物金条，100克起。")
    page.fill("[data-testid=entry-answer-en]", "Our branches sell gold bars from 100 g.")
    page.click("[data-testid=entry-save]")
    expect(page.locator("[data-testid=entry-error-field]")).to_have_text("entries.0.id")
    expect(page.locator("[data-testid=entry-questions]")).to_have_value(
        "你们卖金条吗\nDo you sell gold bars?"
    )
    browser_errors.remove(REFUSED)
    page.fill("[data-testid=entry-id]", "gold-bar")
    page.click("[data-testid=entry-save]")
    expect(page.locator("[data-testid=flash]")).to_contain_text("gold-bar")
    expect(page.locator("[data-testid=kb-summary]")).not_to_have_text(summary)
    expect(page.locator("[data-testid=entry-gold-bar]")).to_be_visible()

    page.click("[data-testid=nav-assistant]")
    _send(page, "你们卖金条吗")
    expect(page.locator("[data-testid=turn-assistant]").last).to_contain_text("100克")

    page.click("[data-testid=nav-assistant-knowledge]")
    page.click("[data-testid=entry-gold-bar] summary")
    page.locator("[data-testid=entry-gold-bar] [data-testid=edit-answer-zh]").fill("金条已售罄。")
    page.locator("[data-testid=entry-gold-bar] [data-testid=edit-save]").click()
    expect(page.locator("[data-testid=flash]")).to_contain_text("gold-bar")
    page.click("[data-testid=entry-gold-bar] summary")
    page.locator("[data-testid=entry-gold-bar] [data-testid=entry-delete]").click()
    expect(page.locator("[data-testid=entry-gold-bar]")).to_have_count(0)
    assert browser_errors == []


def test_a_bank_without_a_model_is_told_and_can_train_one(
    page: Any, live: LiveServer, browser_errors: list[str]
) -> None:
    sign_in(page, live, _bank(live, "New Bank", model=False))
    page.wait_for_url("**/console/decisions")
    page.click("[data-testid=nav-assistant]")
    expect(page.locator("[data-testid=no-model]")).to_be_visible()
    page.fill("[data-testid=chat-text]", "你好")
    page.click("[data-testid=chat-send]")
    expect(page.locator("[data-testid=chat-error]")).to_contain_text("train")
    browser_errors.remove(
        "Failed to load resource: the server responded with a status of 409 (Conflict)"
    )
    page.click("[data-testid=train]")
    page.wait_for_url("**/console/assistant")
    expect(page.locator("[data-testid=flash]")).to_be_visible()
    # the job runs after the answer: once done, the page shows the model and the chat answers
    for _ in range(180):
        page.reload()
        if page.locator("[data-testid=model-summary]").count():
            break
        page.wait_for_timeout(1000)
    expect(page.locator("[data-testid=model-summary]")).to_be_visible()
    _send(page, "我的卡丢了")
    expect(page.locator("[data-testid=turn-assistant]").last).to_contain_text("哪张卡")
    assert browser_errors == []
