"""Every intent the model can read, every task and slot has a name in both languages, so no
decision reason shows an identifier to a person in the console."""

from __future__ import annotations

import re

from finbrain.assistant.dialogue import TASKS
from finbrain.assistant.texts import _catalogue, readable
from finbrain.assistant.training import assistant_training_set

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def test_every_intent_task_and_slot_has_a_zh_and_en_name() -> None:
    names = _catalogue("intent_names")
    _, labels = assistant_training_set(include_public=False)
    wanted = set(labels) | set(TASKS) | {s for t in TASKS.values() for s in t.asks}
    assert wanted <= names.keys(), sorted(wanted - names.keys())
    for identifier in wanted:
        for language in ("zh", "en"):
            shown = readable(identifier, language)
            assert shown and not SNAKE.search(shown), (identifier, language, shown)
        assert re.search(r"[\u4e00-\u9fff]", readable(identifier, "zh")), identifier


def test_identifiers_inside_a_value_are_named_and_the_rest_kept() -> None:
    assert readable("report_lost_card card=card-credit", "zh") == "挂失银行卡 卡=card-credit"
    assert readable("freeze_card, top_up_limits", "en") == "freeze card, top up limits"
    assert readable(0.93, "zh") == 0.93
