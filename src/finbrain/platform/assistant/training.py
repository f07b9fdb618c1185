"""Training the tenant's intent model: the ``assistant.train`` job (API, CLI, demo), which fits
``finbrain.assistant.train_intent_model`` on the shipped data (Chinese BANKING77, the task
intents) and, when the data folder has them, BANKING77's English training split and CLINC150;
measures it on the held-out Chinese test sets; stores it in the registry (``artifact``: JSON
and NumPy arrays, never a pickle) and makes it the champion the message route loads.

``encoders``: ``none`` trains TF-IDF alone (seconds to a minute); ``packaged`` adds the
sentence encoders installed with finbrain's ``assistant`` extra (a few minutes: most of it
embedding the messages)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from finbrain.platform import registry
from finbrain.platform.assistant import artifact, queries
from finbrain.platform.store.database import Database
from finbrain.platform.store.models import ModelVersion

MODEL_NAME = "intent"
ENCODERS = ("none", "packaged")


def training_data(public: bool = True) -> tuple[list[str], list[str], str]:
    """``(texts, labels, digest)`` the model learns from; the digest (SHA-256 of the messages
    and labels) tells whether a stored model learnt from exactly this data."""
    from finbrain.assistant.training import assistant_training_set

    texts, labels = assistant_training_set(public)
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(f"{label}\x1f{text}\x1e".encode())
    return texts, labels, digest.hexdigest()


def train(encoders: str = "none", public: bool = True) -> tuple[Any, dict[str, Any]]:
    """A fitted intent model and its measures (held-out Chinese accuracy, sizes, seconds)."""
    import numpy as np

    from finbrain.assistant.corpus import load_banking77_zh
    from finbrain.assistant.nlu.encoders import CachedEncoder, default_encoders
    from finbrain.assistant.nlu.intents import IntentClassifier
    from finbrain.assistant.training import load_task_intents

    started = time.perf_counter()
    texts, labels, digest = training_data(public)
    # as train_intent_model does: cached encoders, shared with the knowledge base at run time
    chosen: list[Any] = []
    if encoders == "packaged":
        chosen = [CachedEncoder(e, maxsize=20_000) for e in default_encoders()]
    model = IntentClassifier(encoders=chosen or None)
    model.fit(texts, labels)
    seconds = time.perf_counter() - started
    zh = load_banking77_zh()
    zh = zh[zh["split"] == "test"]
    task_texts, task_labels = load_task_intents("test")
    metrics = {
        "accuracy_zh_test": round(float(np.mean(model.predict(zh["text"].tolist())
                                                == zh["label"].astype(str).to_numpy())), 4),
        "accuracy_task_test": round(float(np.mean(model.predict(task_texts)
                                                  == np.asarray(task_labels))), 4),
        "n_train": len(texts), "intents": len(model.classes_), "public_data": public,
        "encoders": [getattr(e, "name", "") for e in model.features_.encoders_],
        "data_digest": digest, "seconds": round(seconds, 1),
    }  # fmt: skip
    return model, metrics


def register(session: Session, tenant_id: str, model: Any, metrics: dict[str, Any]) -> ModelVersion:
    """Store a trained model and make it the assistant's champion."""
    row = registry.register(
        session, tenant_id, capability="assistant", name=MODEL_NAME, kind=artifact.KIND,
        artifact=artifact.dump(model), metrics=metrics,
    )  # fmt: skip
    return registry.promote(session, row.id)


def training_work(db: Database, tenant_id: str) -> Callable[..., dict[str, Any]]:
    """The background job: train, store, promote."""

    def work(params: dict[str, Any], progress: Callable[[int, str], None]) -> dict[str, Any]:
        encoders, public = params.get("encoders", "none"), bool(params.get("public", True))
        progress(5, "reading the training data")
        _, _, digest = training_data(public)
        with db.tenant(tenant_id, write=False) as session:
            current = queries.champion_model(session)
        if current is not None and _same(current.metrics, digest, encoders):
            # training is deterministic: the same data and settings give the same model
            return {"model_id": current.id, "version": current.version, "unchanged": True}
        progress(10, "training")
        model, metrics = train(encoders, public)
        progress(90, "registering")
        with db.tenant(tenant_id) as session:
            row = register(session, tenant_id, model, metrics)
            return {"model_id": row.id, "version": row.version, "status": row.status, **metrics}

    return work


def _same(metrics: dict[str, Any], digest: str, encoders: str) -> bool:
    trained_with = "packaged" if metrics.get("encoders") else "none"
    return metrics.get("data_digest") == digest and trained_with == encoders
