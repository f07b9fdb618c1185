"""Intelligent customer service (智能客服): bilingual (zh/en) understanding of customer messages,
offline on CPU.

- ``finbrain.assistant.nlu``: language detection, Chinese word cutting with a bank-term
  dictionary, packaged sentence encoders, the intent classifier with an out-of-scope class;
- ``load_banking77_zh``: the Chinese BANKING77 set written for this project (77 intents,
  training and held-out test utterances), shipped as package data.

Names are imported on first use, so ``import finbrain.assistant`` loads no scikit-learn.
"""

from __future__ import annotations

from finbrain.core.lazy import lazy_exports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from finbrain.assistant.corpus import load_banking77_zh

_EXPORTS = {"load_banking77_zh": ".corpus"}
__all__ = ["load_banking77_zh"]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
