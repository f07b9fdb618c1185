"""Choosing and checking a model when the customers drift (客群漂移下的模型选择与检验).

A propensity model is trained on past campaigns and used on the next one; a random split
measures neither the drift nor how a model survives it. These are the tools for a choice made
before the new campaign's outcomes are known:

- :func:`rolling_origin` — time-ordered validation folds taken from the training period only:
  train on every row before an origin, validate on the ``horizon`` rows after it (several
  origins, so the choice does not rest on one slice).
- :func:`within_group_auc` — the AUC inside each group (a campaign month, a branch) averaged:
  how well a model ranks customers *of the same period*, which a regime-level feature learnt
  from a handful of periods cannot inflate.
- :func:`compare` — candidates (estimators such as :class:`~finbrain.marketing.Propensity`
  with different columns, or functions) on those folds, best first, by the mean of the pooled
  and the within-group AUC: a candidate is chosen before the test window is ever read.
- :func:`population_stability` — the population stability index (PSI) of one column between
  two samples (< 0.1 stable, 0.1–0.25 moderate, > 0.25 a shift, as credit teams read it).
- :func:`adversarial_auc` — how well a classifier tells the rows of two samples apart
  (0.5: the same population; 1.0: nothing in common).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from finbrain.core.errors import ValidationError
from finbrain.marketing._columns import Columns, as_frame

__all__ = [
    "adversarial_auc",
    "compare",
    "population_stability",
    "rolling_origin",
    "within_group_auc",
]

Fit = Callable[[pd.DataFrame, np.ndarray, pd.DataFrame], np.ndarray]


def rolling_origin(n: int, horizon: int, origins: Sequence[int]) -> list[tuple[int, int]]:
    """``(origin, end)`` per origin over ``n`` time-ordered rows: train on rows ``[0, origin)``,
    validate on ``[origin, end)`` with ``end = min(origin + horizon, n)``."""
    if not isinstance(n, int) or n < 2:
        raise ValidationError(field="n", rule="integer_at_least_2")
    if not isinstance(horizon, int) or horizon < 1:
        raise ValidationError(field="horizon", rule="positive_integer")
    if not origins:
        raise ValidationError(field="origins", rule="at_least_one_origin")
    out = []
    for i, origin in enumerate(origins):
        if not isinstance(origin, int | np.integer) or not 0 < origin < n:
            raise ValidationError(field=f"origins.{i}", rule="inside_the_rows")
        out.append((int(origin), min(int(origin) + horizon, n)))
    return out


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score))


def within_group_auc(y: Any, score: Any, groups: Any, min_rows: int = 50) -> float:
    """The mean AUC inside each group with both outcomes and at least ``min_rows`` rows,
    weighted by the group's rows (NaN when no group qualifies)."""
    target = np.asarray(y, dtype=float).ravel()
    values = np.asarray(score, dtype=float).ravel()
    keys = pd.Series(np.asarray(groups, dtype=object).ravel())
    if not len(target) == len(values) == len(keys):
        raise ValidationError(field="score", rule="same_length_as_y")
    if keys.isna().any():
        raise ValidationError(field="groups", rule="no_missing_groups")
    total, weight = 0.0, 0
    for _, index in keys.groupby(keys, sort=False).indices.items():
        part = target[index]
        if len(index) >= min_rows and 0 < part.sum() < len(index):
            total += _auc(part, values[index]) * len(index)
            weight += len(index)
    return total / weight if weight else float("nan")


def _scorer(candidate: Any) -> Fit:
    if callable(candidate) and not hasattr(candidate, "fit"):
        return candidate  # type: ignore[no-any-return]
    from sklearn.base import clone

    def fit(a: pd.DataFrame, y: np.ndarray, b: pd.DataFrame) -> np.ndarray:
        return np.asarray(clone(candidate).fit(a, y).predict_proba(b)[:, 1], dtype=float)

    return fit


def compare(
    candidates: Mapping[str, Any],
    X: Any,  # noqa: N803
    y: Any,
    folds: Sequence[tuple[int, int]],
    groups: Any = None,
) -> pd.DataFrame:
    """Each candidate — an estimator with ``fit`` / ``predict_proba`` (cloned for every fold)
    or a function ``(X_train, y_train, X_valid) -> scores`` — trained on the rows before each
    fold's origin and scored on the fold (``folds`` from :func:`rolling_origin`). One row per
    candidate, best first: ``pooled`` (mean AUC over the folds), ``within`` (mean
    :func:`within_group_auc` over the folds, with ``groups``) and ``score`` (their mean; the
    pooled AUC alone without ``groups``)."""
    if not candidates:
        raise ValidationError(field="candidates", rule="at_least_one_candidate")
    frame = as_frame(X)
    target = np.asarray(y, dtype=float).ravel()
    if len(target) != len(frame):
        raise ValidationError(field="y", rule="same_length_as_X")
    keys = None if groups is None else np.asarray(groups, dtype=object).ravel()
    if keys is not None and len(keys) != len(frame):
        raise ValidationError(field="groups", rule="same_length_as_X")
    if not folds:
        raise ValidationError(field="folds", rule="at_least_one_fold")
    for i, (origin, end) in enumerate(folds):
        if not 0 < origin < end <= len(frame):
            raise ValidationError(field=f"folds.{i}", rule="inside_the_rows")
    rows = []
    for name, candidate in candidates.items():
        fit = _scorer(candidate)
        pooled, within = [], []
        for origin, end in folds:
            score = fit(frame.iloc[:origin], target[:origin], frame.iloc[origin:end])
            pooled.append(_auc(target[origin:end], score))
            if keys is not None:
                within.append(within_group_auc(target[origin:end], score, keys[origin:end]))
        mean_pooled = float(np.mean(pooled))
        mean_within = float(np.mean(within)) if within else float("nan")
        combined = (mean_pooled + mean_within) / 2 if within else mean_pooled
        rows.append(
            {"candidate": name, "pooled": mean_pooled, "within": mean_within, "score": combined}
        )
    table = pd.DataFrame(rows).set_index("candidate")
    return table.sort_values("score", ascending=False, kind="stable")


def population_stability(expected: Any, actual: Any, bins: int = 10) -> float:
    """PSI of one column: ``Σ (a − e) · ln(a / e)`` over the bins of ``expected`` (its deciles
    for a number, its values for a category or a number with at most ``bins`` of them;
    missing is a bin of its own; an empty bin counts as 0.01%)."""
    if not isinstance(bins, int) or bins < 2:
        raise ValidationError(field="bins", rule="integer_at_least_2")
    e, a = pd.Series(expected), pd.Series(actual)
    if e.notna().sum() == 0:
        raise ValidationError(field="expected", rule="at_least_one_value")
    numeric = pd.api.types.is_numeric_dtype(e.dtype) and not isinstance(
        e.dtype, pd.CategoricalDtype
    )
    if numeric and e.nunique() > bins:
        # bins [q_i, q_i+1) between the distinct deciles, the top one from the largest value up:
        # a column mostly at one value (999 = never contacted) keeps that value in a bin of its own
        edges = np.unique(np.nanquantile(e.to_numpy(dtype=float), np.linspace(0, 1, bins + 1)))

        def binned(s: pd.Series) -> pd.Series:
            v = s.to_numpy(dtype=float)
            return pd.Series(np.where(np.isnan(v), -1, np.searchsorted(edges, v, side="right")))

        e_bins, a_bins = binned(e), binned(a)
    else:  # a category, or a number with at most ``bins`` values: one bin per value
        e_bins, a_bins = e.astype(object).fillna("<missing>"), a.astype(object).fillna("<missing>")
    levels = sorted(set(e_bins) | set(a_bins), key=str)
    p = e_bins.value_counts(normalize=True).reindex(levels, fill_value=0).to_numpy()
    q = a_bins.value_counts(normalize=True).reindex(levels, fill_value=0).to_numpy()
    p, q = np.clip(p, 1e-4, None), np.clip(q, 1e-4, None)
    return float(np.sum((q - p) * np.log(q / p)))


def adversarial_auc(
    a: Any,
    b: Any,
    features: Sequence[str] | None = None,
    folds: int = 5,
    random_state: int = 0,
    n_jobs: int = 1,
) -> float:
    """Cross-validated AUC of a LightGBM classifier telling rows of ``b`` from rows of ``a``
    on ``features`` (default: the columns of ``a``)."""
    import lightgbm as lgb
    from sklearn.model_selection import StratifiedKFold

    first, second = as_frame(a, "a"), as_frame(b, "b")
    columns = Columns.learn(first, features, field="a")
    both = pd.concat([columns.frame(first, "a"), columns.frame(second, "b")], ignore_index=True)
    label = np.r_[np.zeros(len(first)), np.ones(len(second))]
    if not isinstance(folds, int) or not 2 <= folds <= min(len(first), len(second)):
        raise ValidationError(field="folds", rule="integer_from_2_to_the_smaller_sample")
    params = {
        "objective": "binary",
        "learning_rate": 0.05,
        "num_leaves": 15,
        "min_child_samples": 50,
        "seed": random_state,
        "deterministic": True,
        "verbose": -1,
        "num_threads": n_jobs,
    }
    score = np.zeros(len(both))
    split = StratifiedKFold(folds, shuffle=True, random_state=random_state)
    for train, held in split.split(both, label):
        data = lgb.Dataset(
            both.iloc[train],
            label=label[train],
            categorical_feature=list(columns.categories) or "auto",
        )
        booster = lgb.train(params, data, num_boost_round=200)
        score[held] = booster.predict(both.iloc[held])
    return _auc(label, score)
