"""The credit policy (授信政策): the rating master scale, the PD cut-offs that turn a probability
of default into approve / refer / decline, a PD on the scorecards' points scale, and the 70/30
development protocol every credit model is built and measured on.

The cut-offs are data stored with each model (``policy`` in its model card), so changing policy
is a new model version, never a code change; ``DEFAULT_POLICY`` fills what a model leaves out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

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
    **extra: Any,
) -> dict[str, Any]:
    """Hold-out discrimination (AUC, KS) and the facts every model card records."""
    from sklearn.metrics import roc_auc_score, roc_curve

    fpr, tpr, _ = roc_curve(y_test, risk)
    return {
        "auc": float(roc_auc_score(y_test, risk)),
        "ks": float(np.max(tpr - fpr)),
        "n_train": n_train,
        "n_test": len(y_test),
        "bad_rate": float(np.mean(target)),
        **extra,
        "policy": policy or DEFAULT_POLICY,
    }
