"""Intelligent customer service (智能客服): bilingual (zh/en) understanding of customer messages,
offline on CPU.

- ``finbrain.assistant.nlu``: language detection, Chinese word cutting with a bank-term
  dictionary, packaged sentence encoders, the intent classifier with an out-of-scope class;
- ``route`` with a ``HandoffPolicy``: answer, ask again or hand off to a person, as a
  ``Decision`` with zh/en reasons; ``wants_human`` spots an explicit request;
- ``parse_amount`` / ``parse_date``: slot values such as 五百块 and 上周三;
- ``QuestionMatcher``: do two questions mean the same (FAQ matching; first version);
- ``load_banking77_zh``: the Chinese BANKING77 set written for this project (77 intents,
  training and held-out test utterances), shipped as package data;
- ``Assistant.reply``: one message in, a ``Reply`` out (tasks with slots and confirmation
  against a ``BankBackend``, FAQ answers from a ``KnowledgeBase``, hand-off with a masked
  transcript); ``ConversationState`` is what the platform stores per session;
- ``train_intent_model``: the assistant's intent model from the shipped (and public) data.

Names are imported on first use, so ``import finbrain.assistant`` loads no scikit-learn.
"""

from __future__ import annotations

from finbrain.core.lazy import lazy_exports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from finbrain.assistant.backend import (
        Account,
        ActionResult,
        Balance,
        BankBackend,
        Card,
        DisputeRequest,
        Transfer,
    )
    from finbrain.assistant.chat import Assistant, Reply
    from finbrain.assistant.corpus import load_banking77_zh
    from finbrain.assistant.demo_bank import DemoBank
    from finbrain.assistant.dialogue import ActionTaken, Confirmation
    from finbrain.assistant.handoff import HandoffPolicy, route, wants_human
    from finbrain.assistant.knowledge import FaqEntry, FaqHit, KnowledgeBase, load_demo_faq
    from finbrain.assistant.matching import QuestionMatcher
    from finbrain.assistant.slots import chinese_number, parse_amount, parse_date, parse_merchant
    from finbrain.assistant.state import ConversationState, PendingTask, Turn
    from finbrain.assistant.training import train_intent_model
    from finbrain.assistant.transcript import Handoff, mask_personal

_EXPORTS = {
    "Account": ".backend",
    "ActionResult": ".backend",
    "Balance": ".backend",
    "BankBackend": ".backend",
    "Card": ".backend",
    "DisputeRequest": ".backend",
    "Transfer": ".backend",
    "Assistant": ".chat",
    "Reply": ".chat",
    "load_banking77_zh": ".corpus",
    "DemoBank": ".demo_bank",
    "ActionTaken": ".dialogue",
    "Confirmation": ".dialogue",
    "HandoffPolicy": ".handoff",
    "route": ".handoff",
    "wants_human": ".handoff",
    "FaqEntry": ".knowledge",
    "FaqHit": ".knowledge",
    "KnowledgeBase": ".knowledge",
    "load_demo_faq": ".knowledge",
    "QuestionMatcher": ".matching",
    "chinese_number": ".slots",
    "parse_amount": ".slots",
    "parse_date": ".slots",
    "parse_merchant": ".slots",
    "ConversationState": ".state",
    "PendingTask": ".state",
    "Turn": ".state",
    "train_intent_model": ".training",
    "Handoff": ".transcript",
    "mask_personal": ".transcript",
}
__all__ = [
    "Account",
    "ActionResult",
    "ActionTaken",
    "Assistant",
    "Balance",
    "BankBackend",
    "Card",
    "Confirmation",
    "ConversationState",
    "DemoBank",
    "DisputeRequest",
    "FaqEntry",
    "FaqHit",
    "Handoff",
    "HandoffPolicy",
    "KnowledgeBase",
    "PendingTask",
    "QuestionMatcher",
    "Reply",
    "Transfer",
    "Turn",
    "chinese_number",
    "load_banking77_zh",
    "load_demo_faq",
    "mask_personal",
    "parse_amount",
    "parse_date",
    "parse_merchant",
    "route",
    "train_intent_model",
    "wants_human",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
