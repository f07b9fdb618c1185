"""Customer segmentation (客群细分): k-means or a Gaussian mixture on scaled features.

Scaling: amounts, counts and days are heavy-tailed, so every feature that is not a share goes
through a signed ``log1p`` first; then each feature is centred and divided by its standard
deviation (missing values take the feature's median, learnt in ``fit``).

The number of segments is chosen by a stated criterion over ``k_range``: the silhouette (higher
is better; over every customer up to ``sample_size``, beyond that on a seeded sample, as it is
quadratic) for k-means, the BIC (lower is better) for the mixture; ``scores_`` keeps every k's
value, ``n_segments_`` the choice. Everything is seeded by ``random_state``: the same data and
seed give the same segments. Segment numbers do not depend on the algorithm's internal order
either: segment 0 is the largest, ties broken by the centre's coordinates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.mixture import GaussianMixture

from finbrain.profile.errors import ProfileInputError
from finbrain.profile.features import FeatureCatalog, default_catalog
from finbrain.profile.personas import Persona, describe_segments

__all__ = ["SEGMENT_FEATURES", "Segmenter"]

# A default-catalogue set that describes behaviour without repeating itself (the windows of one
# measure are nearly collinear): what the benchmark and the docs segment on.
SEGMENT_FEATURES: Final = (
    "recency_days",
    "frequency_365d",
    "monetary_365d",
    "avg_ticket_365d",
    "share_travel_365d",
    "share_digital_365d",
    "share_night_365d",
    "share_weekend_365d",
    "spend_trend_30_90",
    "balance_mean_90d",
    "balance_slope_90d",
    "products_held",
    "tenure_days",
)
METHODS: Final = {"kmeans": "silhouette", "gmm": "bic"}


def _signed_log(values: np.ndarray) -> np.ndarray:
    return np.asarray(np.sign(values) * np.log1p(np.abs(values)), dtype=float)


class Segmenter(ClusterMixin, BaseEstimator):  # type: ignore[misc]  # scikit-learn is untyped
    """Segments of customers from their features (a DataFrame, one row per customer).

    ``features``: the columns to use (default: every numeric column); ``method``: ``kmeans``
    (criterion: silhouette) or ``gmm`` (criterion: BIC); ``n_segments``: a number, or ``None``
    to choose it over ``k_range`` (inclusive). Fitted: ``features_``, ``n_segments_``,
    ``criterion_``, ``scores_`` (k -> criterion), ``labels_``, ``centers_`` (scaled space),
    ``sizes_``, ``personas_`` (zh + en, :mod:`finbrain.profile.personas`)."""

    def __init__(
        self,
        *,
        features: Sequence[str] | None = None,
        method: str = "kmeans",
        n_segments: int | None = None,
        k_range: tuple[int, int] = (2, 8),
        sample_size: int = 10_000,
        random_state: int = 0,
        catalog: FeatureCatalog | None = None,
    ) -> None:
        self.features = features
        self.method = method
        self.n_segments = n_segments
        self.k_range = k_range
        self.sample_size = sample_size
        self.random_state = random_state
        self.catalog = catalog

    def _ks(self) -> list[int]:
        if self.method not in METHODS:
            raise ProfileInputError(
                f"method: one of {sorted(METHODS)}", field="method", rule="kmeans_or_gmm"
            )
        if self.n_segments is not None:
            if type(self.n_segments) is not int or self.n_segments < 1:
                raise ProfileInputError(
                    "n_segments: a positive integer or None", field="n_segments", rule="positive"
                )
            return [self.n_segments]
        low, high = self.k_range
        if not 2 <= low <= high:
            raise ProfileInputError(
                "k_range: (low, high) with 2 <= low <= high", field="k_range", rule="valid_range"
            )
        return list(range(low, high + 1))

    def _columns(self, X: pd.DataFrame) -> list[str]:  # noqa: N803
        if not isinstance(X, pd.DataFrame):
            raise ProfileInputError("X: a DataFrame of features", field="X", rule="dataframe")
        if self.features is not None:
            missing = [f for f in self.features if f not in X.columns]
            if missing:
                raise ProfileInputError(
                    f"X lacks the feature {missing[0]!r}", field=f"X.{missing[0]}", rule="required"
                )
            columns = list(self.features)
        else:
            columns = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c].dtype)]
        for c in columns:
            if not pd.api.types.is_numeric_dtype(X[c].dtype) or X[c].dtype == bool:
                raise ProfileInputError(f"X.{c} is not numeric", field=f"X.{c}", rule="numeric")
        if not columns:
            raise ProfileInputError("X has no numeric feature", field="X", rule="numeric_features")
        return columns

    def _scale(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        values = X[self.features_].to_numpy(dtype=float, na_value=np.nan)
        values = np.where(self.logged_, _signed_log(values), values)
        values = np.where(np.isnan(values), self.fill_, values)
        return np.asarray((values - self.mean_) / self.scale_, dtype=float)

    def _learn_scaling(self, X: pd.DataFrame, catalog: FeatureCatalog) -> None:  # noqa: N803
        raw = X[self.features_].to_numpy(dtype=float, na_value=np.nan)
        empty = [c for c, col in zip(self.features_, raw.T, strict=True) if np.isnan(col).all()]
        if empty:
            raise ProfileInputError(
                f"X.{empty[0]} is missing for every customer", field=f"X.{empty[0]}", rule="some"
            )
        kinds = [catalog[c].kind if c in catalog else None for c in self.features_]
        finite = np.where(np.isnan(raw), 0.0, raw)
        self.logged_ = np.array(
            [
                k not in {"share"}
                and not (k is None and (finite[:, j] >= 0).all() and (finite[:, j] <= 1).all())
                for j, k in enumerate(kinds)
            ]
        )
        logged = np.where(self.logged_, _signed_log(raw), raw)
        self.fill_ = np.nanmedian(logged, axis=0)
        filled = np.where(np.isnan(logged), self.fill_, logged)
        self.mean_ = filled.mean(axis=0)
        scale = filled.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)

    def _model(self, k: int) -> Any:
        if self.method == "kmeans":
            # ten starts: one k-means++ start depends on the seed far more (measured)
            return KMeans(n_clusters=k, n_init=10, random_state=self.random_state)
        return GaussianMixture(
            n_components=k, covariance_type="diag", n_init=2, random_state=self.random_state
        )

    def _score(self, model: Any, Z: np.ndarray, labels: np.ndarray) -> float:  # noqa: N803
        if self.method == "gmm":
            return float(model.bic(Z))
        if len(np.unique(labels)) < 2:
            return -1.0
        return float(
            silhouette_score(
                Z,
                labels,
                sample_size=min(self.sample_size, len(Z)),
                random_state=self.random_state,
            )
        )

    def fit(self, X: pd.DataFrame, y: Any = None) -> Segmenter:  # noqa: N803
        ks = self._ks()
        catalog = self.catalog or default_catalog()
        self.features_ = self._columns(X)
        if len(X) < max(ks) + 1:
            raise ProfileInputError(
                f"X has {len(X)} customers: at least {max(ks) + 1} for {max(ks)} segments",
                field="X",
                rule="more_customers_than_segments",
            )
        self._learn_scaling(X, catalog)
        scaled = self._scale(X)
        self.scores_: dict[int, float] = {}
        fitted = {}
        for k in ks:
            model = self._model(k).fit(scaled)
            labels = model.predict(scaled)
            fitted[k] = model
            self.scores_[k] = self._score(model, scaled, labels) if len(ks) > 1 else float("nan")
        pick = max if self.method == "kmeans" else min
        self.n_segments_ = ks[0] if len(ks) == 1 else pick(ks, key=lambda k: self.scores_[k])
        self.criterion_ = METHODS[self.method]
        self.model_ = fitted[self.n_segments_]
        self._order(scaled)
        self.labels_ = self.predict(X)
        self.sizes_ = np.bincount(self.labels_, minlength=self.n_segments_)
        self.personas_: list[Persona] = describe_segments(
            X[self.features_],
            scaled,
            self.labels_,
            label_of=catalog.label,
            kinds={c: catalog[c].kind if c in catalog else None for c in self.features_},
        )
        return self

    def _order(self, Z: np.ndarray) -> None:  # noqa: N803
        """Number the segments by size (largest first), then by their centres."""
        raw = self.model_.predict(Z)
        centers = np.asarray(
            self.model_.cluster_centers_ if self.method == "kmeans" else self.model_.means_
        )
        sizes = np.bincount(raw, minlength=len(centers))
        order = sorted(
            range(len(centers)), key=lambda j: (-sizes[j], tuple(np.round(centers[j], 9)))
        )
        self.relabel_ = np.empty(len(centers), dtype=np.int64)
        self.relabel_[order] = np.arange(len(centers))
        self.centers_ = centers[order]

    def predict(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        """Each customer's segment (0 = the largest in the training data)."""
        missing = [f for f in self.features_ if f not in X.columns]
        if missing:
            raise ProfileInputError(
                f"X lacks the feature {missing[0]!r}", field=f"X.{missing[0]}", rule="required"
            )
        if len(X) == 0:
            return np.empty(0, dtype=np.int64)
        return np.asarray(self.relabel_[self.model_.predict(self._scale(X))], dtype=np.int64)

    def transform(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        """The customers in the model's scaled space (columns ``features_``)."""
        return self._scale(X)
