"""LightGBM's parameters for a binary classifier, from an estimator's scikit-learn-style ones.

The credit challenger and the risk model are both gradient-boosted binary classifiers with the
same knobs under scikit-learn names (``subsample``, ``colsample``, ``random_state``); this is
the one place those names become LightGBM's, with the settings both rely on: bagging every
round, deterministic training (the same data gives the same model, so a model's digest is
reproducible) and no console output. No LightGBM import here: it is a plain dict.
"""

from __future__ import annotations

from typing import Any, Protocol


class BoostingParams(Protocol):
    learning_rate: float
    num_leaves: int
    min_child_samples: int
    subsample: float
    colsample: float
    random_state: int


def lightgbm_binary_params(
    estimator: BoostingParams, *, num_threads: int, **extra: Any
) -> dict[str, Any]:
    """The ``lgb.train`` parameters of ``estimator`` (``extra``: e.g. monotone constraints)."""
    return {
        "objective": "binary",
        "learning_rate": estimator.learning_rate,
        "num_leaves": estimator.num_leaves,
        "min_child_samples": estimator.min_child_samples,
        "bagging_fraction": estimator.subsample,
        "bagging_freq": 1,
        "feature_fraction": estimator.colsample,
        **extra,
        "seed": estimator.random_state,
        "deterministic": True,
        "verbose": -1,
        "num_threads": num_threads,
    }
