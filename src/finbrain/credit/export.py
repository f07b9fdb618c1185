"""Production export of a scorecard: one ANSI SQL expression, and a JSON document.

The SQL gives exactly the Python scorer's integer score on every row (tested in DuckDB, SQLite
and PostgreSQL): the same cut points with the same ``[lower, upper)`` convention, the same
points, missing values to the missing bin, unseen categories to the documented default.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from finbrain.core.errors import ValidationError
from finbrain.credit.scorecard import CompiledFeature, Scorecard

FORMAT = "finbrain-scorecard/v1"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    number = float(value)
    if not math.isfinite(number):
        raise ValidationError(field="split", rule="finite")
    return repr(number) if not number.is_integer() else str(int(number))


def _feature_sql(cf: CompiledFeature) -> str:
    col = _ident(cf.name)
    parts = [f"WHEN {col} IS NULL THEN {cf.missing_points}"]
    if cf.kind == "numerical":
        for key, points in cf.special_points.items():
            parts.append(f"WHEN {col} = {_literal(float(key))} THEN {points}")
        for split, points in zip(cf.splits, cf.range_points, strict=False):
            parts.append(f"WHEN {col} < {_literal(split)} THEN {points}")
        return f"CASE {' '.join(parts)} ELSE {cf.range_points[-1]} END"
    for key, points in cf.special_points.items():
        parts.append(f"WHEN CAST({col} AS VARCHAR(255)) = {_literal(key)} THEN {points}")
    by_points: dict[int, list[str]] = {}
    for category, points in cf.category_points.items():
        by_points.setdefault(points, []).append(category)
    for points, categories in by_points.items():
        values = ", ".join(_literal(c) for c in sorted(categories))
        parts.append(f"WHEN CAST({col} AS VARCHAR(255)) IN ({values}) THEN {points}")
    return f"CASE {' '.join(parts)} ELSE {cf.unseen_points} END"


def to_sql(scorecard: Scorecard) -> str:
    """The score as one SQL expression over the applicant table's columns."""
    scorecard._check()
    return "\n + ".join(f"({_feature_sql(cf)})" for cf in scorecard.compiled_.values())


def to_json(scorecard: Scorecard) -> str:
    scorecard._check()
    return json.dumps(
        {
            "format": FORMAT,
            "pdo": scorecard.pdo,
            "base_score": scorecard.base_score,
            "base_odds": scorecard.base_odds,
            "factor": scorecard.factor_,
            "offset": scorecard.offset_,
            "protected": list(getattr(scorecard, "protected_", [])),
            "features": [cf.to_dict() for cf in scorecard.compiled_.values()],
        },
        ensure_ascii=False,
        indent=2,
    )


def from_json(text: str) -> Scorecard:
    """A scorer from an exported document (no training data, no pickles)."""
    data = json.loads(text)
    if data.get("format") != FORMAT:
        raise ValidationError(field="format", rule=FORMAT)
    card = Scorecard(pdo=data["pdo"], base_score=data["base_score"], base_odds=data["base_odds"])
    card.factor_, card.offset_ = data["factor"], data["offset"]
    card.compiled_ = {f["name"]: CompiledFeature(**f) for f in data["features"]}
    card.selected_ = list(card.compiled_)
    # Documents written before the list was recorded name no protected attributes.
    card.protected_ = list(data.get("protected", []))
    card.classes_ = np.array([0, 1])
    return card
