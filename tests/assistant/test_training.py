"""The assistant's training set: BANKING77's intents plus the three tasks BANKING77 lacks and an
out-of-scope class, from shipped data alone when the data folder is absent."""

from __future__ import annotations

from finbrain.assistant.training import assistant_training_set, load_task_intents


def test_the_shipped_training_set_has_the_task_intents_in_both_languages() -> None:
    texts, labels = assistant_training_set(include_public=False)
    assert len(texts) == len(labels) > 1700
    for intent in ("freeze_card", "unfreeze_card", "check_balance", "oos", "lost_or_stolen_card"):
        assert intent in labels
    extra, _ = load_task_intents("train")
    assert any(t.isascii() for t in extra) and any(not t.isascii() for t in extra)
    held_out, _ = load_task_intents("test")
    assert held_out and not set(held_out) & set(texts)
