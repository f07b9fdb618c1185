"""Risk models trained on the tenant's own log and labels, with window features computed
exactly as the engine computes them, and registered for the engine to take."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finbrain.core.errors import ValidationError
from finbrain.platform import registry
from finbrain.platform.risk.tables import RiskEvent, RiskLabel
from finbrain.platform.store.database import Database
from finbrain.risk.events import Event
from finbrain.risk.features import extended_feature_set

if TYPE_CHECKING:
    from finbrain.platform.risk.service import RiskHub


def train_model(frame: Any, *, holdout: float = 0.2) -> tuple[Any, dict[str, Any]]:
    """A LightGBM risk model on a frame of labelled events (event columns, ``is_fraud``).

    Features come from DuckDB SQL generated from the same declarations as the online windows,
    so training and serving see identical numbers. The last ``holdout`` of the period (by time)
    is kept out to measure AP and AUC; the model is then fitted on everything before it.
    """
    import duckdb
    import numpy as np
    from sklearn.metrics import average_precision_score, roc_auc_score

    from finbrain.risk.model import RiskModel
    from finbrain.risk.windows_sql import to_sql

    features = extended_feature_set()
    data = frame.sort_values("occurred_at", kind="stable").reset_index(drop=True)
    data["seq"] = np.arange(len(data), dtype=np.int64)
    con = duckdb.connect()
    try:
        con.register("events", data)
        table = con.execute(to_sql(features, "events")).df()  # ordered by seq
    finally:
        con.close()
    cut = int(len(table) * (1 - holdout))
    train, test = table.iloc[:cut], table.iloc[cut:]
    model = RiskModel().fit(train, train["is_fraud"], feature_set=features)
    scores = model.fraud_probability(test)
    metrics = {
        "ap": round(float(average_precision_score(test["is_fraud"], scores)), 4),
        "auc": round(float(roc_auc_score(test["is_fraud"], scores)), 4),
        "train_events": int(cut),
        "test_events": len(test),
        "fraud_rate": round(float(table["is_fraud"].mean()), 5),
        "features_digest": features.digest,
    }
    return model, metrics


def log_frame(session: Session, limit: int) -> Any:
    """The newest ``limit`` logged events, oldest first, in event-field columns with
    ``is_fraud`` (1 = a stored fraud label, else 0) and ``seq``: what ``train_model`` reads."""
    import numpy as np
    import pandas as pd

    rows = session.execute(
        select(RiskEvent.event_id, RiskEvent.body).order_by(RiskEvent.seq.desc()).limit(limit)
    ).all()
    frauds = {
        event_id
        for event_id, is_fraud in session.execute(select(RiskLabel.event_id, RiskLabel.is_fraud))
        if is_fraud
    }
    names = [n for n in Event.__dataclass_fields__ if n not in ("amount", "occurred_at")]
    records = []
    for event_id, body in reversed(rows):
        fields = body["event"]
        record: dict[str, Any] = {name: fields.get(name) for name in names}
        record["amount"] = float(fields["amount"])
        record["occurred_at"] = fields["occurred_at"]
        record["is_fraud"] = int(event_id in frauds)
        records.append(record)
    columns = [*names, "amount", "occurred_at", "is_fraud"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True, format="ISO8601")
    frame["seq"] = np.arange(len(frame), dtype=np.int64)
    return frame


MIN_TRAINING_FRAUDS = 20  # confirmed frauds, in both the fitting and the held-out part


def training_work(db: Database, tenant_id: str, hub: RiskHub) -> Callable[..., dict[str, Any]]:
    """The background job that trains a risk model on the tenant's own log and labels (the
    case dispositions and ``POST /v1/risk/labels``), registers it and, once committed, makes
    the engine take it: as the challenger in shadow, or as the champion when asked."""
    from finbrain.platform.workers.jobs import Progress

    def work(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
        progress(10, "reading the event log and the labels")
        with db.tenant(tenant_id, write=False) as session:
            frame = log_frame(session, int(params["events"]))
        holdout = float(params["holdout"])
        cut = int(len(frame) * (1 - holdout))
        parts = (frame["is_fraud"].iloc[:cut].sum(), frame["is_fraud"].iloc[cut:].sum())
        if min(parts) < MIN_TRAINING_FRAUDS:
            raise ValidationError(
                field="labels",
                rule="enough_confirmed_frauds",
                needed=MIN_TRAINING_FRAUDS,
                fitting=int(parts[0]),
                held_out=int(parts[1]),
            )
        progress(30, f"features and fitting on {len(frame):,} events")
        model, metrics = train_model(frame, holdout=holdout)
        progress(90, "registering")
        with db.tenant(tenant_id) as session:
            row = register_model(session, tenant_id, model, metrics, str(params["name"]))
            if params.get("promote"):
                registry.promote(session, row.id)
            result = {"model_id": row.id, "version": row.version, "status": row.status, **metrics}
        # Committed: rebuild the engine with the new challenger (or champion).
        hub.tenant(tenant_id).rebuild()
        return result

    return work


def register_model(
    session: Session, tenant_id: str, model: Any, metrics: dict[str, Any], name: str
) -> Any:
    return registry.register(
        session,
        tenant_id,
        capability="risk",
        name=name,
        kind="gbm",
        artifact=model.to_json(),
        metrics=metrics,
    )
