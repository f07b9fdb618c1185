"""The demo bank's assistant and the stored intent model: the demo trains one (from the shipped
data alone when the data folder has no assistant sets, and says so), once; a stored model
scores exactly as the trained one, and its artifact holds no pickle."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from sqlalchemy import select

from finbrain.assistant.training import assistant_training_set
from finbrain.core.errors import ValidationError
from finbrain.platform.assistant import artifact, demo, queries
from finbrain.platform.assistant.tables import AssistantCard, AssistantFaq
from tests.conftest import Platform
from tests.platform.assistant_seed import trained


def test_the_demo_trains_on_the_shipped_data_when_the_folder_has_none(
    sqlite_platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "_has_public_data", lambda: False)
    tenant_id, key = sqlite_platform.new_tenant()
    label = demo.ensure_demo_assistant(sqlite_platform.db, tenant_id)
    assert "shipped data only" in label and demo.DEMO_CUSTOMER in label
    assert demo.ensure_demo_assistant(sqlite_platform.db, tenant_id) == label  # once
    with sqlite_platform.db.tenant(tenant_id, write=False) as session:
        champion = queries.champion_model(session)
        cards = list(session.scalars(select(AssistantCard.last4)))
        faq = list(session.scalars(select(AssistantFaq.entry_id)))
    assert champion is not None and champion.version == 1
    assert champion.metrics["public_data"] is False
    assert champion.metrics["accuracy_zh_test"] >= 0.85
    assert sorted(cards) == ["1234", "5678"] and len(faq) == 22
    said = sqlite_platform.client.post(
        "/v1/assistant/messages",
        json={"session_id": "demo", "customer_id": demo.DEMO_CUSTOMER, "text": "我的卡丢了"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert said.status_code == 200 and said.json()["intent"] == "lost_or_stolen_card"


def test_a_stored_model_scores_as_the_trained_one() -> None:
    text, _ = trained()
    model = artifact.load(text)
    again = artifact.load(artifact.dump(model))
    texts, _ = assistant_training_set(include_public=False)
    probe = [*texts[::7], "", "😀", "x" * 5000, "我的卡丢了 lost card", "<script>"]
    assert np.array_equal(model.predict(probe), again.predict(probe))
    assert np.allclose(model.predict_proba(probe), again.predict_proba(probe), rtol=0, atol=1e-12)
    assert again.classify("我的卡丢了").intent == "lost_or_stolen_card"


def test_an_artifact_is_json_and_numbers_never_a_pickle() -> None:
    text, _ = trained()
    document = json.loads(text)
    assert document["format"] == artifact.FORMAT and document["encoders"] == []
    raw = base64.b64decode(document["arrays"])
    with np.load(io.BytesIO(raw), allow_pickle=False) as arrays:  # would raise on objects
        assert all(arrays[name].dtype != object for name in arrays.files)
    with pytest.raises(ValidationError):
        artifact.load(json.dumps({**document, "format": "pickle"}))


def test_a_loaded_model_keeps_its_weights_column_major() -> None:
    """As liblinear leaves them: scoring a message then multiplies without copying the
    weight matrix (a row-major copy made each message 80 times slower)."""
    model = artifact.load(trained()[0])
    assert model.model_.coef_.flags["F_CONTIGUOUS"]
