"""Short answers inside a task: yes, no, and which of the offered cards or accounts.

A confirmation must be a plain yes: short (at most ``MAX_YES_CHARS``), with a yes word and no
no word. "好的，但是先别冻" is not a yes; neither is a long message that happens to contain
"确认" (a prompt-injection text that says "confirm" in passing confirms nothing).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from finbrain.assistant.backend import Account, Card
from finbrain.assistant.nlu.text import normalise

__all__ = ["MAX_YES_CHARS", "choose", "is_no", "is_yes"]

MAX_YES_CHARS = 24
_YES = re.compile(
    r"^(?:是|是的|对|对的|确认|确定|好|好的|好吧|可以|行|嗯|嗯嗯|没错|同意|办吧|冻结吧|挂失吧|解冻吧|提交|"
    r"确认办理|确认冻结|确认挂失|确认解冻|确认提交|yes|y|yeah|yep|ok|okay|sure|confirm|confirmed|"
    r"go ahead|do it|please do|yes please|correct|right)"
    r"(?:[,，.。!！ ]*(?:please|谢谢|thanks|thank you|吧|的|啊|呀))*[,，.。!！ ]*$"
)
_NO = re.compile(
    r"(不是|不对|不要|不用|不行|不了|别|取消|算了|先不|放弃|没有|"
    r"no\b|nope|cancel|stop|don't|do not|wait|never ?mind|not now)"
)
_ORDINAL = (
    re.compile(r"第一|第1|头一|^1$|^一$|\bfirst\b|\b1st\b|^one$"),
    re.compile(r"第二|第2|^2$|^二$|\bsecond\b|\b2nd\b|^two$"),
    re.compile(r"第三|第3|^3$|^三$|\bthird\b|\b3rd\b|^three$"),
)
_KIND_WORDS = {
    "credit": re.compile(r"信用|credit|visa|master"),
    "debit": re.compile(r"借记|储蓄卡|工资卡|debit"),
    "savings": re.compile(r"储蓄|存款|定期|saving"),
    "current": re.compile(r"活期|结算|current|checking"),
}
_FOUR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def is_yes(text: object) -> bool:
    """A plain, short yes (see the module doc)."""
    if not isinstance(text, str):
        return False
    clean = normalise(text, 200)
    return 0 < len(clean) <= MAX_YES_CHARS and bool(_YES.match(clean)) and not _NO.search(clean)


def is_no(text: object) -> bool:
    """A no or a cancel (``不要``, ``取消``, ``算了``, "no", "cancel")."""
    if not isinstance(text, str):
        return False
    clean = normalise(text, 200)
    return bool(clean) and bool(_NO.search(clean))


def choose(
    items: Sequence[Card | Account], text: object, ordinals: bool = False
) -> Card | Account | None:
    """The one item ``text`` points at — by its last four digits, its kind (信用卡, savings) or,
    with ``ordinals`` (the customer was shown the list), its place (第二张, "the first one");
    None when it points at none or at more than one."""
    if not isinstance(text, str) or not items:
        return None
    clean = normalise(text, 200)
    digits = set(_FOUR.findall(clean))
    if digits:
        found = [item for item in items if item.last4 in digits]
        return found[0] if len(found) == 1 else None
    kinds = [kind for kind, pattern in _KIND_WORDS.items() if pattern.search(clean)]
    found = [item for item in items if item.kind in kinds]
    if len(found) == 1:
        return found[0]
    if ordinals and not found:
        places = [i for i, pattern in enumerate(_ORDINAL) if pattern.search(clean)]
        if len(places) == 1 and places[0] < len(items):
            return items[places[0]]
    return None
