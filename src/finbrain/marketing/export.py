"""Fitted uplift models as inspectable text (for a model registry): JSON holding each arm's
LightGBM model in LightGBM's own text format and its calibration curve as numbers, never a
pickle. :func:`to_json` / :func:`from_json` round-trip a :class:`TLearner` or a
:class:`ClassTransformation` (both are one calibrated response model per arm); the loaded
model predicts exactly what the fitted one did."""

from __future__ import annotations

import json
from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from finbrain.core.errors import ValidationError
from finbrain.marketing._columns import Columns
from finbrain.marketing.propensity import Propensity
from finbrain.marketing.uplift import ClassTransformation, TLearner, UpliftModel

__all__ = ["FORMAT", "from_json", "to_json"]

FORMAT = "finbrain.marketing.uplift/1"
KINDS: dict[str, type[UpliftModel]] = {
    "t_learner": TLearner,
    "class_transformation": ClassTransformation,
}


def _columns(columns: Columns) -> dict[str, Any]:
    return {"features": list(columns.features), "categories": columns.categories}


def _calibrator(model: Propensity) -> dict[str, Any] | None:
    found = model.calibrator_
    if found is None:
        return None
    if isinstance(found, IsotonicRegression):
        return {
            "kind": "isotonic",
            "x": found.X_thresholds_.tolist(),
            "y": found.y_thresholds_.tolist(),
        }
    return {
        "kind": "sigmoid",
        "coef": float(found.coef_[0, 0]),
        "intercept": float(found.intercept_[0]),
    }


def _propensity(model: Propensity) -> dict[str, Any]:
    params = model.get_params()
    params["monotone"] = dict(params["monotone"]) if params["monotone"] else None
    params["features"] = list(params["features"]) if params["features"] else None
    return {
        "params": params,
        "columns": _columns(model.columns_),
        "calibrator": _calibrator(model),
        "lightgbm": model.booster_.model_to_string(),
    }


def to_json(model: UpliftModel) -> str:
    """The fitted ``model`` as JSON text."""
    kind = next((k for k, cls in KINDS.items() if type(model) is cls), None)
    if kind is None:
        raise ValidationError(field="model", rule="one_of_" + "_".join(KINDS))
    return json.dumps(
        {
            "format": FORMAT,
            "kind": kind,
            "control": model.control_,
            "treatments": list(model.treatments_),
            "columns": _columns(model.columns_),
            "models": {label: _propensity(m) for label, m in model.models_.items()},
        },
        ensure_ascii=False,
    )


def _load_columns(data: dict[str, Any]) -> Columns:
    return Columns(tuple(data["features"]), {k: list(v) for k, v in data["categories"].items()})


def _load_propensity(data: dict[str, Any]) -> Propensity:
    model = Propensity(**data["params"])
    model.columns_ = _load_columns(data["columns"])
    model.booster_ = lgb.Booster(model_str=data["lightgbm"])
    model.n_estimators_ = model.booster_.current_iteration()
    found = data["calibrator"]
    if found is None:
        model.calibrator_ = None
    elif found["kind"] == "isotonic":
        # refitting the curve on its own knots gives back the same piecewise-linear curve
        model.calibrator_ = IsotonicRegression(out_of_bounds="clip").fit(found["x"], found["y"])
    else:
        curve = LogisticRegression()
        curve.coef_ = np.array([[found["coef"]]])
        curve.intercept_ = np.array([found["intercept"]])
        curve.classes_ = np.array([0, 1])
        curve.n_features_in_ = 1
        model.calibrator_ = curve
    model.classes_ = np.array([0, 1])
    model.n_features_in_ = len(model.columns_.features)
    model.feature_names_in_ = np.array(model.columns_.features, dtype=object)
    return model


def from_json(text: str) -> UpliftModel:
    """The model :func:`to_json` wrote (refused, naming the field, when it is not one)."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        raise ValidationError(field="artifact", rule="json") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValidationError(field="format", rule=FORMAT)
    if data.get("kind") not in KINDS:
        raise ValidationError(field="kind", rule="one_of_" + "_".join(KINDS))
    model = KINDS[data["kind"]](control=data["control"])
    model.control_ = data["control"]
    model.treatments_ = list(data["treatments"])
    model.columns_ = _load_columns(data["columns"])
    model.models_ = {label: _load_propensity(m) for label, m in data["models"].items()}
    return model
