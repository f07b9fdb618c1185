"""Assistant.build shares the intent model's encoders with the knowledge base, so one message
is embedded once per turn; FAQ answers come back in the customer's language with a decision."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

from finbrain.assistant import Assistant, ConversationState, DemoBank, load_demo_faq
from finbrain.assistant.nlu import CachedEncoder, IntentClassifier

from .conftest import TODAY


class CountingEncoder:
    """Bag-of-characters vectors; counts how often each text is embedded."""

    name = "counting"
    dim = 64

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            self.seen[text] = self.seen.get(text, 0) + 1
            for ch in text:
                out[i, zlib.crc32(ch.encode()) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=out, where=norms > 0)


TRAIN = {
    "card_arrival": ["我的卡还没到", "卡什么时候寄到", "where is my card", "card not arrived"],
    "exchange_rate": ["汇率是多少", "外币汇率怎么算", "what exchange rate", "rate for euros"],
    "oos": ["今天天气", "讲个笑话", "play music", "tell me a joke"],
}


def test_build_embeds_a_message_once_and_answers_from_the_faq() -> None:
    encoder = CountingEncoder()
    shared = [CachedEncoder(encoder)]
    texts = [t for ts in TRAIN.values() for t in ts]
    labels = [k for k, ts in TRAIN.items() for _ in ts]
    model = IntentClassifier(encoders=shared, calibrate=False).fit(texts, labels)
    assistant = Assistant.build(model, load_demo_faq(), faq_min_probability=0.5)
    assert assistant.knowledge is not None and assistant.knowledge.encoders == shared
    bank = DemoBank.sample(TODAY)
    message = "新卡寄出后多久能收到"
    reply = assistant.reply(ConversationState.new("s", "c"), message, bank, today=TODAY)
    assert encoder.seen[message] == 1
    assert reply.outcome == "answer" and reply.faq_id == "card-arrival"
    assert reply.text.startswith("新卡寄出后") and reply.language == "zh"
    codes = [r.code for d in reply.decisions for r in d.reasons]
    assert "AS-FAQ-MATCH" in codes or "AS-FAQ-INTENT" in codes
    english = assistant.reply(ConversationState.new("s", "c"), "when will my new card arrive", bank,
                              today=TODAY)  # fmt: skip
    assert english.language == "en" and english.text.startswith("A new card")


def test_late_fusion_of_the_feature_blocks_keeps_probabilities() -> None:
    texts = [t for ts in TRAIN.values() for t in ts]
    labels = [k for k, ts in TRAIN.items() for _ in ts]
    encoders = [CachedEncoder(CountingEncoder())]
    fused = IntentClassifier(encoders=encoders, view_weight=0.5, cv=2).fit(texts, labels)
    plain = IntentClassifier(encoders=encoders, cv=2).fit(texts, labels)
    assert len(fused.views_) == 2 and plain.views_ == []
    proba = fused.predict_proba(["汇率是多少", "where is my card"])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert not np.allclose(proba, plain.predict_proba(["汇率是多少", "where is my card"]))
    assert fused.predict(["外币汇率怎么算"])[0] == "exchange_rate"
