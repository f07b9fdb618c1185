"""Reject inference: a scorecard learns only from accepted applicants (rejects have no
outcome), which biases it towards the accepted population. Two standard corrections:

- augmentation (re-weighting): accepts are weighted by 1 / P(accept | score band), so bands
  where most applicants were rejected count for the rejects they stand for;
- parcelling: each reject is given an outcome at random with the bad rate of its score band
  among accepts, raised by a factor (rejects are riskier than accepts at the same score), and
  added to the training data (seeded, so a model can be rebuilt exactly).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from finbrain.core.errors import ValidationError


def _bands(score: np.ndarray, reference: np.ndarray, n_bands: int) -> tuple[np.ndarray, np.ndarray]:
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, n_bands + 1)[1:-1]))
    return np.searchsorted(edges, score, side="right"), edges


def augmentation_weights(accepted_score: Any, rejected_score: Any, n_bands: int = 10) -> np.ndarray:
    """Weights for accepted applicants: 1 / acceptance rate of their score band."""
    acc = np.asarray(accepted_score, dtype=float)
    rej = np.asarray(rejected_score, dtype=float)
    everyone = np.concatenate([acc, rej])
    acc_band, edges = _bands(acc, everyone, n_bands)
    rej_band = np.searchsorted(edges, rej, side="right")
    n_acc = np.bincount(acc_band, minlength=len(edges) + 1).astype(float)
    n_rej = np.bincount(rej_band, minlength=len(edges) + 1).astype(float)
    rate = n_acc / np.maximum(n_acc + n_rej, 1)
    return np.asarray(1.0 / np.maximum(rate[acc_band], 1e-3), dtype=float)


def parcel(
    accepted: pd.DataFrame,
    accepted_y: Any,
    accepted_score: Any,
    rejected: pd.DataFrame,
    rejected_score: Any,
    *,
    n_bands: int = 10,
    risk_factor: float = 1.5,
    random_state: int = 0,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Training data with rejects parcelled: (X, y)."""
    if risk_factor < 1:
        raise ValidationError(field="risk_factor", rule="at_least_1")
    y_acc = np.asarray(accepted_y, dtype=float)
    acc_score = np.asarray(accepted_score, dtype=float)
    rej_score = np.asarray(rejected_score, dtype=float)
    acc_band, edges = _bands(acc_score, acc_score, n_bands)
    bads = np.bincount(acc_band, weights=y_acc, minlength=len(edges) + 1)
    counts = np.bincount(acc_band, minlength=len(edges) + 1)
    band_rate = (bads + 0.5) / (counts + 1.0)
    p_bad = np.clip(
        band_rate[np.searchsorted(edges, rej_score, side="right")] * risk_factor, 0.0, 1.0
    )
    inferred = (np.random.default_rng(random_state).random(len(rejected)) < p_bad).astype(float)
    X = pd.concat([accepted, rejected], ignore_index=True)  # noqa: N806
    return X, np.concatenate([y_acc, inferred])
