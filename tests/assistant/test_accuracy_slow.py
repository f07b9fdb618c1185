"""The Chinese goal of issue 19 as a regression check: a model trained on finbrain's Chinese
training set with the packaged encoders reads the held-out Chinese test set at >= 90%.
Slow (embeds about 2,200 messages with both encoders: about a minute on one core)."""

from __future__ import annotations

import numpy as np
import pytest

from finbrain.assistant import load_banking77_zh
from finbrain.assistant.nlu import IntentClassifier, available_encoders


@pytest.mark.slow
def test_chinese_held_out_accuracy_with_the_packaged_encoders() -> None:
    if not available_encoders():
        pytest.skip("no packaged encoder installed")
    frame = load_banking77_zh()
    train, test = frame[frame["split"] == "train"], frame[frame["split"] == "test"]
    model = IntentClassifier(encoders="auto").fit(train["text"], train["label"])
    predicted = model.predict(test["text"].tolist())
    accuracy = float((predicted == np.asarray(test["label"], dtype=object)).mean())
    assert accuracy >= 0.90, accuracy


@pytest.mark.slow
def test_chinese_held_out_accuracy_with_tf_idf_alone() -> None:
    frame = load_banking77_zh()
    train, test = frame[frame["split"] == "train"], frame[frame["split"] == "test"]
    model = IntentClassifier().fit(train["text"], train["label"])
    predicted = model.predict(test["text"].tolist())
    accuracy = float((predicted == np.asarray(test["label"], dtype=object)).mean())
    assert accuracy >= 0.82, accuracy  # measured 0.86 (0.90 when trained with English too)
