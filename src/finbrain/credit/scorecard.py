"""Scorecards: logistic regression on WoE, scaled to integer points per bin.

Score = sum of the applicant's points, one integer per feature: what a credit officer reads in
the printed scorecard is exactly what the Python scorer, the SQL export and the API compute.
Points scale with PDO (points to double the odds), a base score and its good:bad odds. The
reasons for a decision are the features that cost the applicant most points against the best
bin of that feature (the usual adverse-action method for scorecards).
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from finbrain.core.decision import Reason
from finbrain.core.errors import ValidationError
from finbrain.credit.binning import OptimalBinning
from finbrain.credit.categories import category_key
from finbrain.credit.protected import protected_columns
from finbrain.credit.reasons import feature_info, label_text, reason

MAX_REASONS = 4


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


@dataclass
class CompiledFeature:
    """One feature of a fitted scorecard, self-contained (this is what is exported)."""

    name: str
    kind: str  # "numerical" | "categorical"
    splits: list[float] = field(default_factory=list)  # numeric: range bins cut points
    range_points: list[int] = field(default_factory=list)
    range_labels: list[str] = field(default_factory=list)
    category_points: dict[str, int] = field(default_factory=dict)
    category_labels: dict[str, str] = field(default_factory=dict)
    special_points: dict[str, int] = field(default_factory=dict)  # str(value) -> points
    missing_points: int = 0
    unseen_points: int = 0
    woe: list[float] = field(default_factory=list)

    @property
    def best(self) -> int:
        values = [
            *self.range_points,
            *self.category_points.values(),
            self.missing_points,
            *self.special_points.values(),
        ]
        return max(values)

    def points(self, value: Any) -> tuple[int, str, str]:
        """(points, bin label, kind) for one raw value; raises on values it cannot place."""
        if _is_missing(value):
            return self.missing_points, "missing", "missing"
        if self.special_points:
            hit = self._special(value)
            if hit is not None:
                return hit, f"special {value}", "special"
        if self.kind == "categorical":
            text = category_key(value)
            if text in self.category_points:
                return self.category_points[text], self.category_labels[text], "range"
            return self.unseen_points, "unseen", "unseen"
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise ValidationError(
                f"{self.name} must be a number, got {type(value).__name__}",
                field=self.name,
                rule="number",
            )
        number = float(value)
        if math.isinf(number):
            raise ValidationError(field=self.name, rule="finite")
        index = bisect.bisect_right(self.splits, number)
        return self.range_points[index], self.range_labels[index], "range"

    def _special(self, value: Any) -> int | None:
        """Special values match by number for numeric features (-999 == -999.0)."""
        text = category_key(value)
        if text in self.special_points:
            return self.special_points[text]
        if self.kind == "numerical" and isinstance(value, int | float | np.integer | np.floating):
            for key, points in self.special_points.items():
                try:
                    if float(key) == float(value):
                        return points
                except ValueError:
                    continue
        return None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def variance_inflation(matrix: np.ndarray) -> np.ndarray:
    """VIF of each column: 1 / (1 - R^2) of its regression on the others (least squares)."""
    _, k = matrix.shape
    out = np.ones(k)
    centred = matrix - matrix.mean(axis=0)
    for j in range(k):
        others = np.delete(centred, j, axis=1)
        target = centred[:, j]
        coef, *_ = np.linalg.lstsq(others, target, rcond=None)
        residual = target - others @ coef
        total = float(target @ target)
        r2 = 1.0 - float(residual @ residual) / total if total > 0 else 0.0
        out[j] = 1.0 / max(1e-12, 1.0 - r2)
    return out


@dataclass(frozen=True)
class ScoreResult:
    score: int
    probability_bad: float
    reasons: list[Reason]
    points: dict[str, int]


class Scorecard(ClassifierMixin, BaseEstimator):  # type: ignore[misc]  # scikit-learn is untyped
    """Fit with ``fit(X, y)`` (y: 1 = bad). A scikit-learn classifier: parameters in
    ``__init__``, learned state with a trailing underscore (``classes_`` is ``[0, 1]``), so
    ``clone`` and ``Pipeline`` work. ``points`` gives the integer scores, ``predict_proba`` the
    implied probabilities (column 1: P(bad)), ``predict`` 1 where P(bad) >= 0.5, ``score_record``
    one applicant with reasons; ``score`` is scikit-learn's (accuracy), not points.

    ``protected``: columns never used as features. ``None`` (the default) leaves out sex and
    marital status (:mod:`finbrain.credit.protected`); ``()`` leaves out nothing. The columns
    left out are ``protected_`` after fitting and travel with the exported scorecard; naming one
    of them in ``features`` is refused.
    """

    def __init__(
        self,
        *,
        features: Sequence[str] | None = None,
        categorical: Sequence[str] | None = None,
        special_values: Mapping[str, Sequence[float | str]] | None = None,
        max_n_bins: int = 6,
        min_bin_size: float = 0.05,
        monotonic_trend: str | None = "auto",
        min_iv: float = 0.005,
        max_correlation: float = 0.8,
        max_vif: float = 10.0,
        pdo: float = 20.0,
        base_score: float = 600.0,
        base_odds: float = 50.0,
        C: float = 0.1,  # noqa: N803 - scikit-learn's name for the regularisation strength
        protected: Sequence[str] | None = None,
    ) -> None:
        self.features = features
        self.categorical = categorical
        self.special_values = special_values
        self.max_n_bins = max_n_bins
        self.min_bin_size = min_bin_size
        self.monotonic_trend = monotonic_trend
        self.min_iv = min_iv
        self.max_correlation = max_correlation
        self.max_vif = max_vif
        self.pdo = pdo
        self.base_score = base_score
        self.base_odds = base_odds
        self.C = C
        self.protected = protected

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, y: Any, sample_weight: Any = None) -> Scorecard:  # noqa: N803
        """``sample_weight`` (e.g. reject-inference augmentation) weighs the regression; the
        bins are found on the unweighted sample."""
        if not isinstance(X, pd.DataFrame):
            raise ValidationError(field="X", rule="dataframe")
        target = np.asarray(y, dtype=float)
        if len(target) != len(X):
            raise ValidationError(field="y", rule="same_length_as_X")
        if not set(np.unique(target[~np.isnan(target)])) <= {0.0, 1.0}:
            raise ValidationError(field="y", rule="binary_target")
        if self.pdo <= 0 or self.base_odds <= 0:
            raise ValidationError(field="pdo", rule="positive")
        self.protected_ = protected_columns(X.columns, self.protected)
        if self.features is not None:
            features = list(self.features)
            named = [f for f in features if f in self.protected_]
            if named:
                raise ValidationError(
                    f"{named[0]} is a protected attribute and cannot be a feature (pass "
                    "protected=() or a list without it to use it knowingly)",
                    field=named[0],
                    rule="not_protected",
                )
        else:
            features = [f for f in X.columns if f not in self.protected_]
        missing = [f for f in features if f not in X.columns]
        if missing:
            raise ValidationError(
                f"missing columns {missing}", field=missing[0], rule="column_present"
            )
        categorical = set(self.categorical or []) | {
            f
            for f in features
            if isinstance(X[f].dtype, pd.CategoricalDtype)
            or X[f].dtype == object
            or pd.api.types.is_string_dtype(X[f].dtype)
            or pd.api.types.is_bool_dtype(X[f].dtype)
        }
        self.binners_: dict[str, OptimalBinning] = {}
        self.dropped_: dict[str, str] = dict.fromkeys(self.protected_, "protected attribute")
        for f in features:
            binner = OptimalBinning(
                name=f,
                dtype="categorical" if f in categorical else "numerical",
                monotonic_trend=None if f in categorical else self.monotonic_trend,  # type: ignore[arg-type]
                max_n_bins=self.max_n_bins,
                min_bin_size=self.min_bin_size,
                special_values=(self.special_values or {}).get(f, ()),
            )
            try:
                binner.fit(X[f], target)
            except ValidationError as exc:
                if exc.rule == "not_constant":
                    self.dropped_[f] = "constant or all missing"
                    continue
                raise
            self.binners_[f] = binner
        self.iv_ = {f: float(b.iv_) for f, b in self.binners_.items()}
        ranked = sorted(
            (f for f in self.binners_ if self.iv_[f] >= self.min_iv), key=lambda f: -self.iv_[f]
        )
        for f in self.binners_:
            if self.iv_[f] < self.min_iv:
                self.dropped_[f] = f"IV {self.iv_[f]:.4f} < {self.min_iv}"
        woe = pd.DataFrame({f: self.binners_[f].transform(X[f], metric="woe") for f in ranked})
        selected: list[str] = []
        for f in ranked:  # keep the stronger of two correlated features
            correlated = [
                g
                for g in selected
                if abs(float(np.corrcoef(woe[f], woe[g])[0, 1])) > self.max_correlation
            ]
            if correlated:
                self.dropped_[f] = f"|corr| > {self.max_correlation} with {correlated[0]}"
            else:
                selected.append(f)
        # Multicollinearity beyond pairs: drop the weakest feature while any VIF is too high.
        while len(selected) > 2:
            vif = variance_inflation(woe[selected].to_numpy())
            worst_vif = int(np.argmax(vif))
            if vif[worst_vif] <= self.max_vif:
                break
            weakest = min(
                (f for i, f in enumerate(selected) if vif[i] > self.max_vif),
                key=lambda f: self.iv_[f],
            )
            self.dropped_[weakest] = f"VIF {vif[selected.index(weakest)]:.1f} > {self.max_vif}"
            selected.remove(weakest)
        # With WoE positive for good, every coefficient must be negative; drop wrong signs.
        while True:
            if not selected:
                raise ValidationError(
                    "no feature carries enough information", field="X", rule="informative_features"
                )
            model = LogisticRegression(C=self.C, max_iter=2000)
            model.fit(woe[selected].to_numpy(), target, sample_weight=sample_weight)
            coef = model.coef_[0]
            if (coef < 0).all():
                break
            worst = selected[int(np.argmax(coef))]
            self.dropped_[worst] = "coefficient has the wrong sign"
            selected.remove(worst)
        self.selected_ = selected
        self.model_ = model
        self.coef_ = dict(zip(selected, (float(c) for c in coef), strict=True))
        self.intercept_ = float(model.intercept_[0])
        self.classes_ = np.array([0, 1])
        self._compile()
        return self

    def _compile(self) -> None:
        factor = self.pdo / math.log(2)
        offset = self.base_score - factor * math.log(self.base_odds)
        share = (offset - factor * self.intercept_) / len(self.selected_)
        self.factor_, self.offset_ = factor, offset

        def pts(coef: float, woe: float) -> int:
            return round(-factor * coef * woe + share)

        self.compiled_: dict[str, CompiledFeature] = {}
        for f in self.selected_:
            binner, coef = self.binners_[f], self.coef_[f]
            cf = CompiledFeature(name=f, kind=binner.dtype)
            missing_woe = 0.0
            for b in binner.bins_:
                if b.kind == "range":
                    cf.range_points.append(pts(coef, b.woe))
                    cf.range_labels.append(b.label())
                    if math.isfinite(b.upper):
                        cf.splits.append(float(b.upper))
                elif b.kind == "categories":
                    for c in b.categories:
                        key = c[:-2] if re.fullmatch(r"-?\d+\.0", c) else c
                        cf.category_points[key] = pts(coef, b.woe)
                        cf.category_labels[key] = b.label()
                elif b.kind == "missing":
                    missing_woe = b.woe
                elif b.kind == "special":
                    cf.special_points[str(b.special)] = pts(coef, b.woe)
                cf.woe.append(float(b.woe))
            cf.missing_points = pts(coef, missing_woe)
            cf.unseen_points = pts(coef, missing_woe)  # documented: unseen scores as missing
            self.compiled_[f] = cf

    # -- scoring ---------------------------------------------------------------------------
    def _check(self) -> None:
        if not hasattr(self, "compiled_"):
            raise ValidationError("fit the scorecard first", field="scorecard", rule="fitted")

    def points(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        """Integer scores for every row (vectorised; same numbers as ``score_record``)."""
        self._check()
        total = np.zeros(len(X), dtype=np.int64)
        for f, cf in self.compiled_.items():
            if f not in X.columns:
                raise ValidationError(field=f, rule="required_feature")
            total += self._feature_points(cf, X[f])
        return total

    @staticmethod
    def _feature_points(cf: CompiledFeature, column: pd.Series) -> np.ndarray:
        values = column.to_numpy(dtype=object)
        out = np.empty(len(values), dtype=np.int64)
        missing = pd.isna(column).to_numpy()
        out[missing] = cf.missing_points
        present = ~missing
        if cf.kind == "numerical":
            numbers = pd.to_numeric(column[present], errors="raise").to_numpy(dtype=float)
            if np.isinf(numbers).any():
                raise ValidationError(field=cf.name, rule="finite")
            points = np.asarray(cf.range_points, dtype=np.int64)[
                np.searchsorted(np.asarray(cf.splits, dtype=float), numbers, side="right")
            ]
            if cf.special_points:
                for key, p in cf.special_points.items():
                    points[numbers == float(key)] = p
            out[present] = points
        else:
            # Factorise once: a few distinct categories, a million rows -> one take().
            codes, uniques = pd.factorize(column[present], use_na_sentinel=True)
            special = cf.special_points
            table = np.array(
                [
                    special.get(k, cf.category_points.get(k, cf.unseen_points))
                    for k in (category_key(u) for u in uniques)
                ],
                dtype=np.int64,
            )
            out[present] = table[codes]
        return out

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        """P(good), P(bad) per row (columns ``classes_``), implied by the integer score (what
        the scorecard actually says)."""
        score = self.points(X).astype(float)
        bad = 1.0 / (1.0 + np.exp((score - self.offset_) / self.factor_))
        return np.column_stack((1.0 - bad, bad))

    def predict(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        """1 (bad) where P(bad) >= 0.5, else 0."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)

    def score_record(self, record: Mapping[str, Any]) -> ScoreResult:
        """One applicant from a dict, with up to four adverse reasons (fast path)."""
        self._check()
        total = 0
        lost: list[tuple[int, str, str, str, Any]] = []
        points: dict[str, int] = {}
        for f, cf in self.compiled_.items():
            if f not in record:
                raise ValidationError(
                    f"{f} is missing from the record", field=f, rule="required_feature"
                )
            value = record[f]
            p, label, kind = cf.points(value)
            points[f] = p
            total += p
            gap = cf.best - p
            if gap > 0 or kind == "unseen":
                lost.append((gap, f, label, kind, value))
        lost.sort(key=lambda item: (-item[0], item[1]))
        reasons = [
            reason(
                f,
                {"range": "adverse", "special": "adverse"}.get(kind, kind),
                -gap,
                bin_label=label,
                value=value,
            )
            for gap, f, label, kind, value in lost[:MAX_REASONS]
        ]
        probability = 1.0 / (1.0 + math.exp((total - self.offset_) / self.factor_))
        return ScoreResult(total, probability, reasons, points)

    # -- presentation ----------------------------------------------------------------------
    def table(self, language: str = "en") -> pd.DataFrame:
        """The printable scorecard: feature, bin, WoE, points."""
        self._check()
        rows = []
        for f, cf in self.compiled_.items():
            info = feature_info(f)
            name = info.zh if language == "zh" else info.en
            binner = self.binners_[f] if hasattr(self, "binners_") else None
            woe = {b.label(): b.woe for b in binner.bins_} if binner else {}
            if cf.kind == "numerical":
                bins = list(zip(cf.range_labels, cf.range_points, strict=True))
            else:
                seen: dict[str, int] = {}
                for c, p in cf.category_points.items():
                    seen.setdefault(cf.category_labels[c], p)
                bins = list(seen.items())
            bins += [(f"special {k}", p) for k, p in cf.special_points.items()]
            bins.append(("missing", cf.missing_points))
            for label, p in bins:
                rows.append(
                    {
                        "code": info.code,
                        "feature": name,
                        "bin": label_text(f, label, language),
                        "woe": round(woe.get(label, float("nan")), 4),
                        "points": p,
                    }
                )
        return pd.DataFrame(rows)
