"""The bank's own uplift model (增益模型), trained on the platform from its recorded campaign
outcomes and used by every selection that brings no uplift of its own.

Training data are the campaigns' arms (``MarketingAssignment``) whose response the bank has
recorded: a customer contacted with an offer is in that offer's treatment arm (its label in
the model: the offer's ``treatment``, else its code), a customer of the control group in the
control arm — the group the arbitration held out at random among the customers it would have
chosen, so treated and control are comparable. The features are each customer's profile as it
was when chosen (point in time: no later behaviour leaks in). A T-learner of calibrated
LightGBM response models is fitted on every outcome and measured cross-fitted (Qini
coefficient and uplift at 30% per offer, each row scored by a model of the other folds); it is
registered like the credit models
(``platform.registry``: JSON with LightGBM's own text, never a pickle) and made champion.

Loaded models are cached by the version row's digest: a new version is a new row, so every
server process sees a newly trained champion at once.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from finbrain.core.decision import ModelRef
from finbrain.core.errors import NotFoundError, ValidationError
from finbrain.platform import registry
from finbrain.platform.marketing.tables import MarketingAssignment
from finbrain.platform.store.database import Database
from finbrain.platform.store.models import ModelVersion

CAPABILITY = "marketing"
NAME = "uplift"
CONTROL = "control"
MIN_PER_ARM = 20  # recorded outcomes per arm (and at least 2 responders and 2 non-responders)
FOLDS = 5
SEED = 0
# Shallow, slow trees: an arm of a bank's pilot holds hundreds of customers, not millions.
ESTIMATOR: dict[str, Any] = {
    "n_estimators": 100,
    "learning_rate": 0.05,
    "num_leaves": 4,
    "min_child_samples": 20,
}


def training_rows(session: Session) -> pd.DataFrame:
    """Every arm with a recorded response: campaign, customer, arm label, responded, features."""
    rows = session.execute(
        select(
            MarketingAssignment.campaign_id,
            MarketingAssignment.customer_id,
            MarketingAssignment.arm,
            MarketingAssignment.treatment,
            MarketingAssignment.responded,
            MarketingAssignment.features,
        )
        .where(MarketingAssignment.responded.is_not(None))
        .order_by(MarketingAssignment.id)
    ).all()
    return pd.DataFrame(
        [
            {
                "campaign": c,
                "customer_id": cid,
                "label": CONTROL if arm == CONTROL else t,
                "responded": int(bool(r)),
                "features": f or {},
            }
            for c, cid, arm, t, r, f in rows
        ],
        columns=["campaign", "customer_id", "label", "responded", "features"],
    )


def check_trainable(data: pd.DataFrame) -> dict[str, int]:
    """Rows per arm, or a refusal naming what is missing: a control arm, at least one offer,
    ``MIN_PER_ARM`` outcomes in each arm with both responses among them."""
    counts = data.groupby("label")["responded"].agg(["size", "sum"]) if len(data) else None
    if counts is None or CONTROL not in counts.index:
        raise ValidationError(field="outcomes", rule="control_group_outcomes_recorded")
    if len(counts) < 2:
        raise ValidationError(field="outcomes", rule="treated_outcomes_recorded")
    for label, (size, responders) in counts.iterrows():
        if size < MIN_PER_ARM or not 2 <= responders <= size - 2:
            raise ValidationError(
                field=f"outcomes.{label}",
                rule=f"at_least_{MIN_PER_ARM}_outcomes_with_both_responses",
            )
    return {str(k): int(v) for k, v in counts["size"].items()}


def _features(data: pd.DataFrame) -> pd.DataFrame:
    """The features table: every profile feature any row has (missing where a row lacks it)."""
    frame = pd.DataFrame(list(data["features"]), index=data.index).apply(
        pd.to_numeric, errors="coerce"
    )
    usable = [c for c in sorted(frame.columns) if frame[c].notna().any()]
    if not usable:
        raise ValidationError(field="outcomes.features", rule="profiled_customers")
    out: pd.DataFrame = frame[usable].astype(float)
    return out


def _folds(data: pd.DataFrame) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold

    strata = data["label"].astype(str) + "/" + data["responded"].astype(str)
    split = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    return list(split.split(np.zeros(len(data)), strata))


def _learner() -> Any:
    from finbrain.marketing import Propensity, TLearner

    estimator = Propensity(calibration="sigmoid", random_state=SEED, **ESTIMATOR)
    return TLearner(control=CONTROL, estimator=estimator)


def fit(data: pd.DataFrame) -> tuple[Any, dict[str, Any]]:
    """The T-learner on every recorded outcome, and its measures cross-fitted: each row's
    uplift predicted by a model fitted on the other folds (so every outcome is used to measure
    once, never by a model that saw it: a pilot of a few hundred customers is too small for a
    single held-out share to say anything)."""
    from finbrain.marketing import qini_coefficient, uplift_at_k

    counts = check_trainable(data)
    X = _features(data)  # noqa: N806
    y, labels = data["responded"].to_numpy(), data["label"].to_numpy(dtype=object)
    model = _learner().fit(X, y, labels)
    crossed = np.zeros((len(data), len(model.treatments_)))
    for train, held in _folds(data):
        fold = _learner().fit(X.iloc[train], y[train], labels[train])
        crossed[held] = fold.predict(X.iloc[held])[
            :, [fold.treatments_.index(t) for t in model.treatments_]
        ]
    per_offer: dict[str, Any] = {}
    for k, label in enumerate(model.treatments_):
        rows = np.isin(labels, [label, CONTROL])
        treated = (labels[rows] == label).astype(int)
        per_offer[label] = {
            "qini": round(qini_coefficient(y[rows], crossed[rows, k], treated), 4),
            "uplift_at_30": round(uplift_at_k(y[rows], crossed[rows, k], treated, k=0.3), 4),
            "response_rate": round(float(y[labels == label].mean()), 4),
        }
    metrics = {
        "learner": "t_learner",
        "rows": len(data),
        "arms": counts,
        "control_response_rate": round(float(y[labels == CONTROL].mean()), 4),
        "offers": per_offer,
        "features": list(model.columns_.features),
        "campaigns": sorted(set(data["campaign"])),
        "protocol": f"{FOLDS}-fold cross-fitted, stratified by arm and response; the stored "
        "model is fitted on every outcome",
    }
    return model, metrics


def train(db: Database, tenant_id: str) -> dict[str, Any]:
    """Fit, register and promote the bank's uplift model from its recorded outcomes."""
    from finbrain.marketing.export import to_json

    with db.tenant(tenant_id, write=False) as session:
        data = training_rows(session)
    model, metrics = fit(data)
    with db.tenant(tenant_id) as session:
        row = registry.register(
            session,
            tenant_id,
            capability=CAPABILITY,
            name=NAME,
            kind="t_learner",
            artifact=to_json(model),
            metrics=metrics,
        )
        registry.promote(session, row.id)
        return {
            "model_id": row.id,
            "version": row.version,
            "rows": metrics["rows"],
            "offers": metrics["offers"],
            "status": row.status,
        }


def training_work(context: Any) -> Any:
    """The ``marketing.train`` job."""

    def work(params: dict[str, Any], progress: Any) -> dict[str, Any]:
        progress(10, "reading the recorded outcomes")
        return train(context.db, context.tenant_id)

    return work


@lru_cache(maxsize=16)
def _loaded(digest: str, artifact: str) -> Any:
    from finbrain.marketing.export import from_json

    return from_json(artifact)


def champion(session: Session) -> ModelVersion | None:
    """The bank's champion uplift model (None before the first is trained)."""
    try:
        return registry.champion(session, CAPABILITY)
    except NotFoundError:
        return None


def loaded(row: ModelVersion) -> Any:
    """The fitted model of a registered version (cached by the version's digest)."""
    return _loaded(row.digest, row.artifact)


def reference(row: ModelVersion) -> ModelRef:
    return ModelRef(id=f"marketing-{row.name}", version=str(row.version), digest=row.digest)


def predict(row: ModelVersion, features: list[dict[str, Any]]) -> tuple[Any, list[str]]:
    """Uplift per customer and treatment label (customers' profile features; a feature a
    customer lacks is missing, which LightGBM routes as it learnt)."""
    model = loaded(row)
    frame = pd.DataFrame(features, columns=list(model.columns_.features)).apply(
        pd.to_numeric, errors="coerce"
    )
    return model.predict(frame.astype(float)), list(model.treatments_)
