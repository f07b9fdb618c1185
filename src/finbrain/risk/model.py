"""The transaction risk model: LightGBM on window features, reasons from TreeSHAP.

:class:`RiskModel` learns P(fraud) for one payment from the columns of a
:class:`~finbrain.risk.windows.FeatureSet` (the online engine computes the same columns event by
event, and :func:`~finbrain.risk.windows_sql.to_sql` computes them in DuckDB for training). Its
reasons are the features whose exact TreeSHAP contributions (LightGBM ``pred_contrib``) pushed
the log-odds of fraud up the most, with zh/en texts from ``data/risk_reasons.json``. The model is
stored as JSON holding LightGBM's own text model, the feature names, the digest of the feature
set it was trained on and its measured metrics; never a pickle.

Default hyperparameters (150 trees, learning rate 0.03, 7 leaves, minimum leaf size 100, row
and column sampling 0.8) were chosen on the handbook protocol's validation folds only (training
weeks starting 2018-06-06, -13, -20, -27, whose test days all end before 2018-07-18, the first
test day of the benchmark folds), for the best validation AP and card precision@100 at a small
explanation cost. Mean over the four validation folds (AP / AUC / CP@100):

* 500 trees × 0.02 × 15 leaves (the former default): 0.743 / 0.884 / 0.318;
* 300 × 0.02 × 15: 0.744 / 0.887 / 0.321; 150 × 0.03 × 15: 0.744 / 0.888 / 0.320;
* 150 × 0.03 × 7 (chosen): 0.743 / 0.889 / 0.323; 100 × 0.03 × 7: 0.742 / 0.890 / 0.323;
  150 × 0.02 × 7: 0.744 / 0.891 / 0.322; 100 × 0.05 × 7: 0.737 / 0.885 / 0.323;
  100 × 0.05 × 11: 0.737 / 0.887 / 0.320; 100 × 0.1 × 7: 0.720 / 0.879 / 0.312.

Smaller models lose nothing here (more boosting overfits the week of training), and TreeSHAP
costs O(trees × leaves × depth²): 150 trees of 7 leaves explain in ~75 µs instead of ~1.1 ms.

One event: LightGBM's single-row fast predictor (``LGBM_BoosterPredictForMatSingleRowFast``,
its C API, one thread, parameters parsed once per booster) on a float64 vector, for both
``score_row`` (~7 µs) and the exact TreeSHAP of ``contributions`` / ``explain`` — bit-identical
to ``Booster.predict(..., pred_contrib=True)`` without the Python route's per-call predictor,
checks and copies; the pandas route is for batches.
"""

from __future__ import annotations

import ctypes
import json
import math
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from finbrain.core.boosting import lightgbm_binary_params
from finbrain.core.decision import BilingualText, Reason
from finbrain.core.errors import ValidationError
from finbrain.risk.features import extended_feature_set, extended_feature_spec
from finbrain.risk.reasons import reason_catalogue
from finbrain.risk.windows import FeatureSet

__all__ = ["FORMAT", "RiskModel", "extended_feature_set", "extended_feature_spec", "reason_for"]

FORMAT = "finbrain-risk-gbm/v1"

# LightGBM C API constants (c_api.h).
_C_PREDICT_NORMAL = 0
_C_PREDICT_CONTRIB = 3
_C_FLOAT64 = 1
# The library LightGBM's Python package loaded (its C API, c_api.h, is public and stable).
_LIB: ctypes.CDLL = lgb.basic._LIB  # type: ignore[attr-defined]


def _shown(value: Any) -> str | int | float | bool | None:
    if value is None or isinstance(value, str | bool | int):
        return value
    number = float(value)
    if math.isnan(number):
        return None
    return round(number, 4)


@lru_cache(maxsize=4096)
def _reason_text(feature: str, shown_text: str | None) -> tuple[str, BilingualText]:
    """The code and zh/en text of a reason (cached: counts and rounded values repeat)."""
    catalogue = reason_catalogue()
    known = catalogue["features"].get(feature)
    if known:
        code, zh_name, en_name = known["code"], known["zh"], known["en"]
    else:
        code = "RK-" + (re.sub(r"[^A-Z0-9]+", "-", feature.upper()).strip("-")[:40] or "FEATURE")
        zh_name = en_name = feature
    kind = "missing" if shown_text is None else "adverse"
    template = catalogue["templates"][kind]
    text = "—" if shown_text is None else shown_text
    return code + ("-MISSING" if kind == "missing" else ""), BilingualText(
        zh=template["zh"].format(name=zh_name, value=text),
        en=template["en"].format(name=en_name, value=text),
    )


def reason_for(feature: str, value: Any, contribution: float) -> Reason:
    """A bilingual reason for a risk-raising feature; unknown features use their own name."""
    shown = _shown(value)
    text = None if shown is None else (f"{shown:g}" if isinstance(shown, float) else str(shown))
    code, bilingual = _reason_text(feature, text)
    return Reason(
        code=code,
        text=bilingual,
        feature=feature,
        value=shown,
        contribution=float(contribution),
    )


class _SingleRow:
    """LightGBM's single-row fast predictor (C API ``LGBM_BoosterPredictForMatSingleRowFast``)
    for one booster and prediction type, with one thread.

    The same C++ predictor as ``Booster.predict`` (bit-identical results), minus the per-call
    work of the Python route: parsing the parameters, building a predictor, checking and copying
    the input. It holds the booster, so the booster outlives the handle. LightGBM locks the
    cached predictor per call, so one instance may be shared by threads; every call gets its
    own output array.
    """

    def __init__(self, booster: lgb.Booster, predict_type: int, ncol: int, nout: int) -> None:
        self.booster = booster
        self.ncol = ncol
        self.nout = nout
        self._handle = ctypes.c_void_p()
        _check(
            _LIB.LGBM_BoosterPredictForMatSingleRowFastInit(
                booster._handle,
                ctypes.c_int(predict_type),
                ctypes.c_int(0),  # start iteration
                ctypes.c_int(-1),  # all iterations
                ctypes.c_int(_C_FLOAT64),
                ctypes.c_int32(ncol),
                _ONE_THREAD,
                ctypes.byref(self._handle),
            )
        )
        self._predict = _LIB.LGBM_BoosterPredictForMatSingleRowFast

    def __call__(self, row: np.ndarray) -> np.ndarray:
        """``row``: a C-contiguous float64 array of ``ncol`` values (not checked here)."""
        out = np.empty(self.nout, dtype=np.float64)
        length = ctypes.c_int64(0)
        _check(
            self._predict(
                self._handle,
                ctypes.c_void_p(row.ctypes.data),
                ctypes.byref(length),
                ctypes.c_void_p(out.ctypes.data),
            )
        )
        return out

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle is not None and handle.value:
            _LIB.LGBM_FastConfigFree(handle)


_ONE_THREAD = ctypes.c_char_p(b"num_threads=1")


def _c_vector(matrix: np.ndarray) -> np.ndarray:
    """The one row of ``matrix`` as a C-contiguous float64 vector (no copy when it is one)."""
    return np.ascontiguousarray(matrix, dtype=np.float64).reshape(-1)


def _predict_mat(booster: lgb.Booster, matrix: np.ndarray) -> np.ndarray:
    """Probabilities of a C-contiguous float64 matrix with one thread, by the C API call
    ``Booster.predict`` makes (``LGBM_BoosterPredictForMat``, all iterations)."""
    rows, ncol = matrix.shape
    out = np.empty(rows, dtype=np.float64)
    length = ctypes.c_int64(0)
    _check(
        _LIB.LGBM_BoosterPredictForMat(
            booster._handle,
            ctypes.c_void_p(matrix.ctypes.data),
            ctypes.c_int(_C_FLOAT64),
            ctypes.c_int32(rows),
            ctypes.c_int32(ncol),
            ctypes.c_int(1),  # row major
            ctypes.c_int(_C_PREDICT_NORMAL),
            ctypes.c_int(0),  # start iteration
            ctypes.c_int(-1),  # all iterations
            _ONE_THREAD,
            ctypes.byref(length),
            ctypes.c_void_p(out.ctypes.data),
        )
    )
    if length.value != rows:
        raise lgb.basic.LightGBMError(f"expected {rows} predictions, got {length.value}")
    return out


def _check(status: int) -> None:
    if status != 0:
        raise lgb.basic.LightGBMError(_LIB.LGBM_GetLastError().decode("utf-8"))


class RiskModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]  # sklearn is untyped
    """P(fraud) for a payment from its window features, a scikit-learn classifier.

    ``fit(X, y)`` takes a frame whose columns are the features (or an array with
    ``feature_names``); ``predict_proba`` returns P(legitimate), P(fraud) (``classes_`` [0, 1]),
    ``predict`` 1 where P(fraud) >= 0.5, ``score_row`` one event's P(fraud) and ``explain`` the
    top reasons of one row. ``clone`` and ``Pipeline`` work. Learned state: ``booster_``,
    ``feature_names_`` (the columns, in the order the model reads them; ``feature_names`` is the
    engine's ``Model`` protocol name for it) and ``feature_set_digest_``. ``metrics`` (the
    measured quality, set by whoever measured it) travels with the JSON.
    """

    def __init__(
        self,
        *,
        n_estimators: int = 150,
        learning_rate: float = 0.03,
        num_leaves: int = 7,
        min_child_samples: int = 100,
        subsample: float = 0.8,
        colsample: float = 0.8,
        random_state: int = 0,
        num_threads: int = 2,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample = colsample
        self.random_state = random_state
        self.num_threads = num_threads

    # -- parameters ------------------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The parameters in ``__init__`` order (the order the JSON artifact records)."""
        return {
            "n_estimators": self.n_estimators,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "subsample": self.subsample,
            "colsample": self.colsample,
            "random_state": self.random_state,
            "num_threads": self.num_threads,
        }

    @property
    def feature_names(self) -> Sequence[str]:
        """The engine's name for ``feature_names_``."""
        return self.feature_names_

    @feature_names.setter
    def feature_names(self, names: Sequence[str]) -> None:
        self.feature_names_ = [str(n) for n in names]

    @property
    def metrics(self) -> dict[str, float]:
        return self.__dict__.setdefault("_metrics", {})  # type: ignore[no-any-return]

    @metrics.setter
    def metrics(self, value: dict[str, float]) -> None:
        self.__dict__["_metrics"] = value

    @property
    def feature_set_digest(self) -> str | None:
        return getattr(self, "feature_set_digest_", None)

    def _check_fitted(self) -> None:
        if not hasattr(self, "booster_"):
            raise ValidationError("The risk model is not fitted", field="model", rule="fitted")

    # -- training --------------------------------------------------------------------------
    def fit(
        self,
        X: pd.DataFrame | np.ndarray,  # noqa: N803
        y: Any,
        *,
        feature_names: Sequence[str] | None = None,
        feature_set: FeatureSet | None = None,
    ) -> RiskModel:
        """Train on features ``X`` and 0/1 labels ``y``.

        Columns come from the frame (or ``feature_names`` for an array, or ``feature_set.names``
        when given); ``feature_set`` also records its digest, so a serving engine can refuse
        a model trained on other windows.
        """
        target = np.asarray(y, dtype=np.float64)
        if target.ndim != 1 or not np.isin(target, (0.0, 1.0)).all():
            raise ValidationError(field="y", rule="binary_target")
        if len(np.unique(target)) != 2:
            raise ValidationError(field="y", rule="both_classes")
        if isinstance(X, pd.DataFrame):
            names = list(feature_names or (feature_set.names if feature_set else X.columns))
            missing = [n for n in names if n not in X.columns]
            if missing:
                raise ValidationError(field=str(missing[0]), rule="required_feature")
            matrix = X[names].to_numpy(dtype=np.float64)
        else:
            names = list(feature_names or (feature_set.names if feature_set else []))
            matrix = np.asarray(X, dtype=np.float64)
            if matrix.ndim != 2 or matrix.shape[1] != len(names):
                raise ValidationError(field="feature_names", rule="one_name_per_column")
        if matrix.shape[0] != target.shape[0]:
            raise ValidationError(field="y", rule="one_label_per_row")
        if len(set(names)) != len(names):
            raise ValidationError(field="feature_names", rule="unique")
        self.feature_names_ = [str(n) for n in names]
        self.feature_set_digest_ = feature_set.digest if feature_set else None
        params = lightgbm_binary_params(self, num_threads=self.num_threads)
        data = lgb.Dataset(matrix, label=target, feature_name=self.feature_names_)
        self.booster_ = lgb.train(params, data, num_boost_round=self.n_estimators)
        self.classes_ = np.array([0, 1])
        return self

    # -- scoring ---------------------------------------------------------------------------
    def _matrix(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:  # noqa: N803
        self._check_fitted()
        if isinstance(X, pd.DataFrame):
            missing = [n for n in self.feature_names_ if n not in X.columns]
            if missing:
                raise ValidationError(field=missing[0], rule="required_feature")
            return np.asarray(X[list(self.feature_names_)].to_numpy(dtype=np.float64))
        matrix = np.asarray(X, dtype=np.float64)
        if matrix.ndim == 1:
            matrix = matrix.reshape(1, -1)
        if matrix.ndim != 2 or matrix.shape[1] != len(self.feature_names_):
            raise ValidationError(
                f"expected {len(self.feature_names_)} feature columns",
                field="X",
                rule="feature_columns",
            )
        return matrix

    def _row(self, x_row: Mapping[str, Any] | pd.Series | Sequence[float] | np.ndarray) -> Any:
        self._check_fitted()
        if isinstance(x_row, Mapping | pd.Series):
            missing = [n for n in self.feature_names_ if n not in x_row]
            if missing:
                raise ValidationError(field=missing[0], rule="required_feature")
            values = [x_row[n] for n in self.feature_names_]
            row = np.array(
                [np.nan if v is None else float(v) for v in values], dtype=np.float64
            ).reshape(1, -1)
        else:
            row = np.asarray(x_row, dtype=np.float64).reshape(1, -1)
        if row.shape[1] != len(self.feature_names_):
            raise ValidationError(
                f"expected {len(self.feature_names_)} feature values",
                field="x_row",
                rule="feature_columns",
            )
        return row

    def predict_proba(
        self,
        X: pd.DataFrame | np.ndarray,  # noqa: N803
        *,
        num_threads: int | None = None,
    ) -> np.ndarray:
        """P(legitimate), P(fraud) per row (columns ``classes_``); column 1 is
        :meth:`fraud_probability`."""
        fraud = self.fraud_probability(X, num_threads=num_threads)
        out = np.empty((fraud.shape[0], 2), dtype=np.float64)  # no column_stack: online path
        out[:, 1] = fraud
        np.subtract(1.0, fraud, out=out[:, 0])
        return out

    def predict(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:  # noqa: N803
        """1 (fraud) where P(fraud) >= 0.5, else 0."""
        return (self.fraud_probability(X) >= 0.5).astype(np.int64)

    def fraud_probability(
        self,
        X: pd.DataFrame | np.ndarray,  # noqa: N803
        *,
        num_threads: int | None = None,
    ) -> np.ndarray:
        """P(fraud) per row, in [0, 1]. Small batches (under 1,000 rows, the online engine's)
        use one thread: starting threads costs more than it saves there.

        The online engine's calls (one event, or a micro-batch) skip the Python route of
        ``Booster.predict``: one row goes to the single-row fast predictor, a few rows straight
        to ``LGBM_BoosterPredictForMat`` — the same C++ predictor and parameters, so the same
        numbers bit for bit (tested), minus the per-call predictor object, checks and copies."""
        matrix = self._matrix(X)
        rows = matrix.shape[0]
        threads = num_threads or (1 if rows < 1000 else self.num_threads)
        booster = self.booster_
        if threads == 1 and 0 < rows < 1000 and booster.best_iteration <= 0:
            if rows == 1:
                return self._single_row(_C_PREDICT_NORMAL)(_c_vector(matrix))
            return _predict_mat(booster, np.ascontiguousarray(matrix, dtype=np.float64))
        return np.asarray(booster.predict(matrix, num_threads=threads), dtype=np.float64)

    def raw_score(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:  # noqa: N803
        """The log-odds of fraud per row (what the TreeSHAP contributions add up to)."""
        matrix = self._matrix(X)
        raw = self.booster_.predict(matrix, raw_score=True, num_threads=self.num_threads)
        return np.asarray(raw, dtype=np.float64)

    def _single_row(self, predict_type: int) -> _SingleRow:
        """The fast single-row predictor of the current booster (made on first use)."""
        self._check_fitted()
        made: dict[int, _SingleRow] = self.__dict__.setdefault("_fast", {})
        fast = made.get(predict_type)
        if fast is None or fast.booster is not self.booster_:
            ncol = len(self.feature_names_)
            nout = ncol + 1 if predict_type == _C_PREDICT_CONTRIB else 1
            fast = made[predict_type] = _SingleRow(self.booster_, predict_type, ncol, nout)
        return fast

    def _vector(
        self, x_row: Mapping[str, Any] | pd.Series | Sequence[float] | np.ndarray
    ) -> np.ndarray:
        """One event as a C-contiguous float64 vector (no copy when it already is one)."""
        if (
            isinstance(x_row, np.ndarray)
            and x_row.ndim <= 2
            and x_row.size == len(self.feature_names_)
        ):
            return np.ascontiguousarray(x_row, dtype=np.float64).reshape(-1)
        return np.ascontiguousarray(self._row(x_row)[0])

    def score_row(
        self, x_row: Mapping[str, Any] | pd.Series | Sequence[float] | np.ndarray
    ) -> float:
        """P(fraud) of one event: the single-row fast path (one thread, no pandas)."""
        fast = self._single_row(_C_PREDICT_NORMAL)
        return float(fast(self._vector(x_row))[0])

    def contributions(
        self, x_row: Mapping[str, Any] | pd.Series | Sequence[float] | np.ndarray
    ) -> np.ndarray:
        """The exact TreeSHAP contributions of one event (log-odds): one per feature, then the
        expected value; they add up to the raw score. The same numbers as LightGBM's
        ``predict(..., pred_contrib=True)``, by its single-row fast path."""
        fast = self._single_row(_C_PREDICT_CONTRIB)
        return fast(self._vector(x_row))

    def explain(
        self,
        row: Mapping[str, Any] | pd.Series | Sequence[float] | np.ndarray,
        top: int = 4,
    ) -> list[Reason]:
        """Up to ``top`` reasons: features with positive TreeSHAP contributions (log-odds),
        largest first (ties: model column order), each with its code, zh/en text, value and
        contribution."""
        if top < 1:
            raise ValidationError(field="top", rule="at_least_1")
        fast = self._single_row(_C_PREDICT_CONTRIB)
        values = self._vector(row)
        contrib = fast(values)[: len(self.feature_names_)]
        positive = np.flatnonzero(contrib > 0)
        ranked = positive[np.argsort(-contrib[positive], kind="stable")[:top]]
        names = self.feature_names_
        return [reason_for(names[i], values[i], float(contrib[i])) for i in ranked.tolist()]

    # -- storage ---------------------------------------------------------------------------
    def to_json(self) -> str:
        """Inspectable JSON: parameters, features, feature-set digest, metrics, LightGBM text."""
        self._check_fitted()
        return json.dumps(
            {
                "format": FORMAT,
                "params": self.get_params(),
                "features": list(self.feature_names_),
                "feature_set_digest": self.feature_set_digest,
                "metrics": self.metrics,
                "lightgbm": self.booster_.model_to_string(),
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> RiskModel:
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise ValidationError(field="model", rule="json") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValidationError(field="format", rule=FORMAT)
        model = cls(**data["params"])
        model.feature_names_ = [str(n) for n in data["features"]]
        model.feature_set_digest_ = data.get("feature_set_digest")
        model.metrics = {str(k): float(v) for k, v in data.get("metrics", {}).items()}
        model.booster_ = lgb.Booster(model_str=data["lightgbm"])
        model.classes_ = np.array([0, 1])
        if model.booster_.feature_name() != list(model.feature_names):
            raise ValidationError(field="features", rule="match_lightgbm_model")
        return model
