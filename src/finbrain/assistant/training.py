"""The assistant's intent model: what it learns from, and one call to train it.

The intents are BANKING77's 77 plus the three tasks BANKING77 lacks (``freeze_card``,
``unfreeze_card``, ``check_balance``) and ``oos`` (out of scope). Shipped with finbrain, so
always there: the Chinese BANKING77 set and ``data/task_intents.csv`` (zh + en messages for
the three tasks and for chit-chat and other businesses, written for finbrain). When the public
data sets are in the data folder (``finbrain.datasets``), ``include_public`` adds BANKING77's
English training split and, from CLINC150, the queries of the same three tasks (``balance``,
``freeze_account``, ``report_lost_card``), its out-of-scope training queries and
``oos_per_intent`` queries of each of its non-banking intents as out of scope.
"""

from __future__ import annotations

import csv
import io
from importlib import resources
from typing import Any

from finbrain.assistant.corpus import load_banking77_zh
from finbrain.assistant.nlu.encoders import CachedEncoder, default_encoders
from finbrain.assistant.nlu.intents import IntentClassifier

__all__ = ["CLINC_TASKS", "assistant_training_set", "load_task_intents", "train_intent_model"]

CLINC_TASKS = {
    "balance": "check_balance",
    "freeze_account": "freeze_card",
    "report_lost_card": "lost_or_stolen_card",
}
# CLINC150's banking and credit-card intents: in scope for a bank, so never trained as oos
_CLINC_BANK = frozenset(
    {
        "transfer",
        "transactions",
        "balance",
        "freeze_account",
        "pay_bill",
        "bill_balance",
        "bill_due",
        "interest_rate",
        "routing",
        "min_payment",
        "order_checks",
        "pin_change",
        "report_fraud",
        "account_blocked",
        "spending_history",
        "credit_score",
        "report_lost_card",
        "credit_limit",
        "rewards_balance",
        "new_card",
        "application_status",
        "card_declined",
        "international_fees",
        "apr",
        "redeem_rewards",
        "credit_limit_change",
        "damaged_card",
        "replacement_card_duration",
        "improve_credit_score",
        "expiration_date",
    }
)


def load_task_intents(split: str = "train") -> tuple[list[str], list[str]]:
    """``(texts, labels)`` of ``data/task_intents.csv`` for ``split`` (``train`` / ``test``)."""
    raw = resources.files("finbrain.assistant").joinpath("data/task_intents.csv")
    texts, labels = [], []
    for record in csv.DictReader(io.StringIO(raw.read_text("utf-8"))):
        if record["split"] == split and record["text"].strip():
            texts.append(record["text"].strip())
            labels.append(record["label"].strip())
    return texts, labels


def _public(oos_per_intent: int) -> tuple[list[str], list[str]]:
    from finbrain.core.errors import DatasetMissingError
    from finbrain.datasets import load_banking77, load_clinc150

    try:
        banking = load_banking77()
        clinc = load_clinc150()["train"]
    except DatasetMissingError:  # a fresh install without the data folder: shipped data only
        return [], []
    train = banking[banking["split"] == "train"]
    texts, labels = train["text"].tolist(), train["label"].astype(str).tolist()
    counts: dict[str, int] = {}
    for text, label in zip(clinc["text"], clinc["label"].astype(str), strict=True):
        if label in CLINC_TASKS:
            texts.append(text)
            labels.append(CLINC_TASKS[label])
        elif label == "oos" or (label not in _CLINC_BANK and counts.get(label, 0) < oos_per_intent):
            counts[label] = counts.get(label, 0) + 1
            texts.append(text)
            labels.append("oos")
    return texts, labels


def assistant_training_set(
    include_public: bool = True, oos_per_intent: int = 20
) -> tuple[list[str], list[str]]:
    """``(texts, labels)`` the assistant's intent model learns from (see the module doc)."""
    zh = load_banking77_zh()
    zh = zh[zh["split"] == "train"]
    texts, labels = zh["text"].tolist(), zh["label"].astype(str).tolist()
    extra_texts, extra_labels = load_task_intents("train")
    texts += extra_texts
    labels += extra_labels
    if include_public:
        public_texts, public_labels = _public(oos_per_intent)
        texts += public_texts
        labels += public_labels
    return texts, labels


def train_intent_model(
    encoders: Any = "auto", include_public: bool = True, **params: Any
) -> IntentClassifier:
    """Fit the assistant's :class:`IntentClassifier` on :func:`assistant_training_set`
    (``params`` go to the classifier). A few minutes on one core with both encoders (most of
    it embedding the messages), seconds with TF-IDF alone. With ``"auto"`` the encoders are
    wrapped in a :class:`CachedEncoder`, which :meth:`Assistant.build` shares with the
    knowledge base so that a message is embedded once per turn."""
    texts, labels = assistant_training_set(include_public)
    if encoders == "auto":  # cached: the knowledge base then reuses each message's embedding
        encoders = [CachedEncoder(enc, maxsize=20_000) for enc in default_encoders()]
    return IntentClassifier(encoders=encoders, **params).fit(texts, labels)
