"""Personal data out of what the assistant keeps: transcripts, hand-off tickets, logs.

:func:`mask_personal` applies the platform's own masks (``core.privacy``: resident ID, mobile
and card numbers, API keys) and adds what a chat brings: e-mail addresses, long digit runs
that are neither (account numbers, passports written as digits) and names the customer gives
after a cue ("我叫张三", "我是李四", "姓名：王五", "my name is Jane Smith", "this is John").
A name with no cue cannot be told from other words and is left as it is; that limit is why the
stored transcript is masked *and* cut short, and why the raw message is never stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from finbrain.assistant.state import MAX_TURN_CHARS, ConversationState, Turn
from finbrain.core.privacy import mask_name, mask_text

__all__ = ["Handoff", "mask_personal"]

_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")
_LONG_DIGITS = re.compile(r"(?<![\d*])\d{9,}(?![\d*])")
_ZH_NAME = re.compile(
    r"(?P<cue>我叫|我是|本人|姓名[:：\s]*|名字[是叫:：\s]*|持卡人[:：\s]*|收款人[:：\s]*)"
    r"(?P<name>[\u4e00-\u9fff·]{2,4}?)(?=[，,。.！!？?\s]|的|$|[0-9]|，|卡|身份|手机|电话)"
)
_EN_NAME = re.compile(
    r"(?P<cue>\b(?i:my name is|my name's|i am|i'm|this is|name[:：])\s+)"
    r"(?P<name>[A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+){0,2})"
)
# "我是" also starts "我是不是…", "我是说…": a name cue only before a likely name
_NOT_A_NAME = re.compile(r"^(不是|说|想|要|在|用|从|来|问|客户|银行|本人|学生|老师|外国)")
_EN_NOT_A_NAME = {"Not", "Sure", "Looking", "Trying", "Calling", "Having", "Unable", "The"}


def _zh_name(match: re.Match[str]) -> str:
    name = match["name"]
    if _NOT_A_NAME.match(name):
        return match.group(0)
    return match["cue"] + mask_name(name)


def _en_name(match: re.Match[str]) -> str:
    name = match["name"]
    if name.split()[0] in _EN_NOT_A_NAME:
        return match.group(0)
    return match["cue"] + mask_name(name)


def mask_personal(text: object, max_chars: int = MAX_TURN_CHARS) -> str:
    """``text`` with personal data masked (see the module doc), cut to ``max_chars``
    (an ellipsis marks the cut). Never raises: anything but a str gives ``""``."""
    if not isinstance(text, str):
        return ""
    head = text[: max_chars * 2]  # masking may shorten, never lengthen much: bound the work
    head = mask_text(head)
    head = _EMAIL.sub(lambda m: m.group(0)[:1] + "***@***", head)
    head = _LONG_DIGITS.sub(lambda m: m.group(0)[:2] + "*****" + m.group(0)[-2:], head)
    head = _ZH_NAME.sub(_zh_name, head)
    head = _EN_NAME.sub(_en_name, head)
    return head if len(head) <= max_chars and len(text) <= max_chars * 2 else head[:max_chars] + "…"


def masked_turn(role: str, text: object, intent: str | None = None) -> Turn:
    return Turn(
        role="customer" if role == "customer" else "assistant",
        text=mask_personal(text),
        intent=intent,
    )


@dataclass(frozen=True, slots=True)
class Handoff:
    """A hand-off to a person: the platform opens a ticket in the console queue with it."""

    session_id: str
    customer_id: str
    language: str
    reasons: tuple[str, ...]
    """The routing decision's reason codes, most important first."""
    transcript: tuple[Turn, ...]
    """The conversation so far, masked (the state's own transcript)."""
    pending_task: str | None = None

    @classmethod
    def from_state(cls, state: ConversationState, reasons: tuple[str, ...]) -> Handoff:
        return cls(
            session_id=state.session_id,
            customer_id=state.customer_id,
            language=state.language,
            reasons=reasons,
            transcript=state.turns,
            pending_task=state.pending.task if state.pending else None,
        )
