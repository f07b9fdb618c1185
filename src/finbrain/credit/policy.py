"""The credit policy (授信政策): the rating master scale, the PD cut-offs that turn a probability
of default into approve / refer / decline, a PD on the scorecards' points scale, and the 70/30
development protocol every credit model is built and measured on.

The cut-offs are data stored with each model (``policy`` in its model card), so changing policy
is a new model version, never a code change; ``DEFAULT_POLICY`` fills what a model leaves out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from finbrain.core.canonical import check_canonical
from finbrain.core.decision import Decision, ModelRef, Subject
from finbrain.core.errors import ValidationError

if TYPE_CHECKING:
    from finbrain.credit.challenger import GBMChallenger
    from finbrain.credit.scorecard import Scorecard

# Rating master scale: grade -> upper bound of its probability of default.
MASTER_SCALE: tuple[tuple[str, float], ...] = (
    ("A", 0.02),
    ("B", 0.05),
    ("C", 0.10),
    ("D", 0.20),
    ("E", 0.35),
    ("F", 1.01),
)
DEFAULT_POLICY: dict[str, float] = {"approve_below_pd": 0.15, "decline_from_pd": 0.40}
APPLICANT_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")  # the bank's own reference
TEST_SIZE = 0.3  # the development protocol: fit on 70%, measure on the stratified 30%


def grade_of(pd_value: float) -> str:
    """The master-scale grade of a probability of default."""
    return next(grade for grade, upper in MASTER_SCALE if pd_value < upper)


def outcome_of(pd_value: float, policy: Mapping[str, float] | None = None) -> str:
    """``approve`` below ``approve_below_pd``, ``decline`` at or above ``decline_from_pd``,
    ``refer`` in between (``policy`` over :data:`DEFAULT_POLICY`)."""
    cut = {**DEFAULT_POLICY, **(policy or {})}
    if pd_value < cut["approve_below_pd"]:
        return "approve"
    if pd_value >= cut["decline_from_pd"]:
        return "decline"
    return "refer"


def points_of(pd_value: float) -> float:
    """A GBM's PD on the scorecards' points scale (PDO 20, 600 at 50:1), so scores compare."""
    p = min(max(pd_value, 1e-6), 1 - 1e-6)
    factor = 20 / math.log(2)
    return round(600 - factor * math.log(50) + factor * math.log((1 - p) / p), 1)


def decide(
    model: Scorecard | GBMChallenger,
    features: Mapping[str, Any],
    *,
    applicant_id: str,
    model_ref: ModelRef | None = None,
    policy: Mapping[str, float] | None = None,
) -> Decision:
    """One applicant's credit decision: the model's PD as a grade of the master scale, an
    outcome by ``policy`` (over :data:`DEFAULT_POLICY`), the score in points (a GBM's PD on the
    scorecards' scale) and the adverse reasons, zh and en, most important first.

    The ``Decision`` is tenant-less and has no receipt: the platform stamps the tenant and
    records it. Refused input names the field (``applicant_id``, ``features.<name>``); every
    feature, known to the model or not, is in the input digest."""
    from finbrain.credit.scorecard import Scorecard

    if not APPLICANT_ID.fullmatch(applicant_id):
        raise ValidationError(field="applicant_id", rule="bank_reference_1_to_128")
    # Refuse what canonical JSON cannot carry exactly (an integer beyond 2^53 - 1, a NaN)
    # before anything is scored.
    check_canonical(features, "features")
    try:
        if isinstance(model, Scorecard):
            result = model.score_record(features)
            pd_value, reasons, score = result.probability_bad, result.reasons, float(result.score)
        else:
            pd_value, reasons = model.explain_record(features)
            score = points_of(pd_value)
    except ValidationError as exc:  # name the field as the caller sent it
        raise ValidationError(exc.detail, field=f"features.{exc.field}", rule=exc.rule) from None
    return Decision.for_input(
        {"applicant_id": applicant_id, "features": features},
        capability="credit",
        action="score",
        subject=Subject(type="applicant", id=applicant_id),
        model=model_ref,
        outcome=outcome_of(pd_value, policy),
        score=score,
        grade=grade_of(pd_value),
        reasons=reasons,
    )


def holdout(X: Any, y: Any, random_state: int = 42) -> tuple[Any, ...]:  # noqa: N803
    """The 70/30 stratified split every credit model is developed on:
    ``(target, x_train, x_test, y_train, y_test)``."""
    from sklearn.model_selection import train_test_split

    target = np.asarray(y)
    return (
        target,
        *train_test_split(
            X, target, test_size=TEST_SIZE, stratify=target, random_state=random_state
        ),
    )


def measured(
    target: np.ndarray,
    y_test: np.ndarray,
    risk: np.ndarray,
    n_train: int,
    policy: Mapping[str, float] | None,
    *,
    pd_test: np.ndarray | None = None,
    points_dev: np.ndarray | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Hold-out discrimination (AUC, KS) and the facts every model card records.

    With ``pd_test`` (the hold-out's predicted PD) the card records its calibration: per decile
    of predicted PD, the mean prediction against the observed bad rate. With ``points_dev`` (the
    development sample's scores in points) it records the score's reference distribution (decile
    edges and counts) that score stability (PSI) in production is measured against."""
    from sklearn.metrics import roc_auc_score, roc_curve

    fpr, tpr, _ = roc_curve(y_test, risk)
    out: dict[str, Any] = {
        "auc": float(roc_auc_score(y_test, risk)),
        "ks": float(np.max(tpr - fpr)),
        "n_train": n_train,
        "n_test": len(y_test),
        "bad_rate": float(np.mean(target)),
    }
    if pd_test is not None:
        out["calibration"] = calibration_table(np.asarray(y_test), np.asarray(pd_test))
    if points_dev is not None:
        out["score_reference"] = score_reference(np.asarray(points_dev, dtype=float))
    return {**out, **extra, "policy": policy or DEFAULT_POLICY}


def calibration_table(
    y: np.ndarray, pd_values: np.ndarray, bins: int = 10
) -> list[dict[str, float]]:
    """Per quantile bin of predicted PD: its mean prediction, the observed bad rate, its size."""
    order = np.argsort(pd_values, kind="stable")
    rows = []
    for part in np.array_split(order, bins):
        if len(part):
            rows.append(
                {
                    "predicted": round(float(pd_values[part].mean()), 4),
                    "observed": round(float(np.mean(y[part])), 4),
                    "n": len(part),
                }
            )
    return rows


def score_reference(points: np.ndarray, bins: int = 10) -> dict[str, list[float]]:
    """The development sample's score deciles (edges) and how many applicants fall in each."""
    edges = np.unique(np.round(np.quantile(points, np.linspace(0, 1, bins + 1)[1:-1]), 1))
    counts = np.bincount(np.searchsorted(edges, points, side="right"), minlength=len(edges) + 1)
    return {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}
