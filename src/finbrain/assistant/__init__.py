"""Intelligent customer service (智能客服): bilingual (zh/en) understanding of customer messages,
offline on CPU.

- ``finbrain.assistant.nlu``: language detection, Chinese word cutting with a bank-term
  dictionary, packaged sentence encoders, the intent classifier with an out-of-scope class;
- ``route`` with a ``HandoffPolicy``: answer, ask again or hand off to a person, as a
  ``Decision`` with zh/en reasons; ``wants_human`` spots an explicit request;
- ``parse_amount`` / ``parse_date``: slot values such as 五百块 and 上周三;
- ``QuestionMatcher``: do two questions mean the same (FAQ matching; first version);
- ``load_banking77_zh``: the Chinese BANKING77 set written for this project (77 intents,
  training and held-out test utterances), shipped as package data.

Names are imported on first use, so ``import finbrain.assistant`` loads no scikit-learn.
"""

from __future__ import annotations

from finbrain.core.lazy import lazy_exports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from finbrain.assistant.corpus import load_banking77_zh
    from finbrain.assistant.handoff import HandoffPolicy, route, wants_human
    from finbrain.assistant.matching import QuestionMatcher
    from finbrain.assistant.slots import chinese_number, parse_amount, parse_date

_EXPORTS = {
    "load_banking77_zh": ".corpus",
    "HandoffPolicy": ".handoff",
    "route": ".handoff",
    "wants_human": ".handoff",
    "QuestionMatcher": ".matching",
    "chinese_number": ".slots",
    "parse_amount": ".slots",
    "parse_date": ".slots",
}
__all__ = [
    "HandoffPolicy",
    "QuestionMatcher",
    "chinese_number",
    "load_banking77_zh",
    "parse_amount",
    "parse_date",
    "route",
    "wants_human",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
