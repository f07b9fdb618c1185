"""Understanding a customer's message (自然语言理解): its language, its words, its intent.

``detect_language`` (zh / en / mixed / unknown); ``normalise``, ``words`` and ``char_ngrams``
(jieba with a bank-term dictionary for Chinese); sentence encoders that ship inside their wheels
(``USEEncoder``, ``E5Encoder``) or sit in a bank's own directory
(``SentenceTransformerEncoder``); and ``IntentClassifier``: TF-IDF ⊕ embeddings → a calibrated
linear model with an out-of-scope class. Names are imported on first use::

    from finbrain.assistant.nlu import IntentClassifier
    model = IntentClassifier(encoders="auto").fit(texts, intents)
    model.classify("我的卡丢了")
"""

from __future__ import annotations

from finbrain.core.lazy import lazy_exports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from finbrain.assistant.nlu.encoders import (
        CachedEncoder,
        E5Encoder,
        Encoder,
        SentenceTransformerEncoder,
        USEEncoder,
        available_encoders,
        default_encoders,
        load_encoder,
    )
    from finbrain.assistant.nlu.features import TextFeatures
    from finbrain.assistant.nlu.intents import IntentClassifier, IntentResult
    from finbrain.assistant.nlu.language import detect_language
    from finbrain.assistant.nlu.text import char_ngrams, normalise, words

_EXPORTS = {
    "CachedEncoder": ".encoders",
    "E5Encoder": ".encoders",
    "Encoder": ".encoders",
    "SentenceTransformerEncoder": ".encoders",
    "USEEncoder": ".encoders",
    "available_encoders": ".encoders",
    "default_encoders": ".encoders",
    "load_encoder": ".encoders",
    "TextFeatures": ".features",
    "IntentClassifier": ".intents",
    "IntentResult": ".intents",
    "detect_language": ".language",
    "char_ngrams": ".text",
    "normalise": ".text",
    "words": ".text",
}
__all__ = [
    "CachedEncoder",
    "E5Encoder",
    "Encoder",
    "IntentClassifier",
    "IntentResult",
    "SentenceTransformerEncoder",
    "TextFeatures",
    "USEEncoder",
    "available_encoders",
    "char_ngrams",
    "default_encoders",
    "detect_language",
    "load_encoder",
    "normalise",
    "words",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
