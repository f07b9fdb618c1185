"""When to hand a customer to a person (转人工): one policy, one ``Decision`` per message.

Signals, in order: an explicit request for a person (人工, 真人, 客服, "agent", "human"…),
an unreadable message, the out-of-scope class, a confidence below ``min_confidence``, and a
margin between the top two intents below ``min_margin``. A message that fails any of the
last four is *not understood*; the first failures ask the customer to rephrase (``clarify``),
and the ``max_failures``-th in a row hands off. An explicit request hands off at once. The
outcome is ``answer``, ``clarify`` or ``handoff``; reasons are codes with zh/en texts read
from ``data/handoff_reasons.json``. The message itself is not stored in the decision: only its
digest (personal data stays out of the record).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from finbrain.assistant.nlu.intents import IntentResult
from finbrain.assistant.texts import reason_texts
from finbrain.core.decision import Decision, ModelRef, Reason, Subject
from finbrain.core.errors import ValidationError

__all__ = ["HandoffPolicy", "route", "wants_human"]

_HUMAN = re.compile(
    r"(转人工|人工客服|人工服务|找人工|要人工|接人工|真人|活人|客服人员|客服经理|找客服|打客服|"
    r"\b(?:human|real person|live agent|an agent|operator|representative)\b|"
    r"\b(?:talk|speak) to (?:a |an )?(?:person|someone|agent|human)\b)",
    re.IGNORECASE,
)
_NEGATED = re.compile(
    r"(不要|不用|不需要|别|don't|do not|no need)\s*(转)?(人工|真人|human|agent)", re.I
)


def wants_human(text: object) -> bool:
    """True when the message asks for a person (zh or en) and does not say it does not."""
    if not isinstance(text, str):
        return False
    head = text[:1000]
    return bool(_HUMAN.search(head)) and not _NEGATED.search(head)


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, dict[str, str]]:
    raw = resources.files("finbrain.assistant").joinpath("data/handoff_reasons.json")
    loaded: dict[str, dict[str, str]] = json.loads(raw.read_text("utf-8"))
    return loaded


def _reason(code: str, value: Any = None, **params: Any) -> Reason:
    texts = _catalogue()[code]
    fill = {"value": value, **params}
    return Reason(
        code=code,
        text=reason_texts(texts, fill),
        value=value,
    )


@dataclass(frozen=True, slots=True)
class HandoffPolicy:
    """The thresholds; defaults suit a calibrated :class:`IntentClassifier`."""

    min_confidence: float = 0.5
    min_margin: float = 0.1
    max_failures: int = 2
    """Hand off on this many not-understood messages in a row (1 = at the first)."""

    def __post_init__(self) -> None:
        for name in ("min_confidence", "min_margin"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValidationError(f"{name}={value}", field=name, rule="between_0_and_1")
        if self.max_failures < 1:
            raise ValidationError(
                f"max_failures={self.max_failures}", field="max_failures", rule="at_least_1"
            )


DEFAULT_POLICY = HandoffPolicy()


def route(
    result: IntentResult,
    text: object,
    *,
    session_id: str,
    failures: int = 0,
    policy: HandoffPolicy = DEFAULT_POLICY,
    model: ModelRef | None = None,
) -> Decision:
    """The decision for one message: ``answer``, ``clarify`` or ``handoff``, with its reasons.
    ``failures`` counts the not-understood messages just before this one in the session; the
    caller adds one when the outcome is ``clarify`` and resets it on ``answer``."""
    confidence = round(float(result.confidence), 4)
    margin = round(float(result.margin), 4)
    reasons: list[Reason] = []
    if wants_human(text):
        reasons.append(_reason("AS-HUMAN-REQUEST"))
    if result.note is not None:
        reasons.append(_reason("AS-UNREADABLE", result.note))
    elif result.out_of_scope:
        reasons.append(_reason("AS-OUT-OF-SCOPE", result.intent))
    else:
        if confidence < policy.min_confidence:
            reasons.append(_reason("AS-LOW-CONFIDENCE", confidence, limit=policy.min_confidence))
        if margin < policy.min_margin:
            reasons.append(_reason("AS-LOW-MARGIN", margin, limit=policy.min_margin))
    human = bool(reasons) and reasons[0].code == "AS-HUMAN-REQUEST"
    not_understood = len(reasons) > int(human)
    if human:
        outcome = "handoff"
    elif not_understood and failures + 1 >= policy.max_failures:
        outcome = "handoff"
        reasons.insert(0, _reason("AS-REPEATED-FAILURE", failures + 1))
    elif not_understood:
        outcome = "clarify"
    else:
        outcome = "answer"
        reasons.append(_reason("AS-UNDERSTOOD", confidence, intent=result.intent))
    message = text if isinstance(text, str) else ""
    return Decision.for_input(
        {"message": message[:1000], "intent": result.intent, "failures": failures},
        capability="assistant",
        action="route",
        subject=Subject(type="session", id=str(session_id)[:128] or "-"),
        model=model,
        outcome=outcome,
        score=confidence,
        grade=None,
        reasons=reasons,
    )
