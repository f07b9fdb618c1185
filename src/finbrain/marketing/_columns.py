"""The columns a fitted model reads: which features, which are categories and their levels.

Every marketing model aligns its input through one :class:`Columns`: a missing feature is an
error naming the column; a category level unseen in training becomes missing (LightGBM's
documented handling), so a new job title or region never fails a campaign.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from finbrain.core.errors import ValidationError


def _is_category(series: pd.Series) -> bool:
    dtype = series.dtype
    return isinstance(dtype, pd.CategoricalDtype) or not (
        pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
    )


def _keys(series: pd.Series) -> pd.Series:
    """Category values as text (``2`` and ``2.0`` alike); missing stays missing."""
    values = series.astype(object)
    return values.map(
        lambda v: (
            None
            if pd.isna(v)
            else str(int(v))
            if isinstance(v, float | np.floating) and float(v).is_integer()
            else str(v)
        )
    )


@dataclass(frozen=True)
class Columns:
    """Features in order, and the known levels of each categorical one."""

    features: tuple[str, ...]
    categories: dict[str, list[str]]

    @classmethod
    def learn(cls, X: Any, features: Sequence[str] | None, field: str = "X") -> Columns:  # noqa: N803
        frame = as_frame(X, field)
        names = list(features) if features else [str(c) for c in frame.columns]
        if not names:
            raise ValidationError(field=field, rule="at_least_one_feature")
        missing = [f for f in names if f not in frame.columns]
        if missing:
            raise ValidationError(field=f"{field}.{missing[0]}", rule="required_column")
        categories = {
            f: sorted(_keys(frame[f].dropna()).unique().tolist())
            for f in names
            if _is_category(frame[f])
        }
        return cls(tuple(names), categories)

    def frame(self, X: Any, field: str = "X") -> pd.DataFrame:  # noqa: N803
        """``X`` as the model reads it: its features in order, categories aligned."""
        frame = as_frame(X, field)
        missing = [f for f in self.features if f not in frame.columns]
        if missing:
            raise ValidationError(field=f"{field}.{missing[0]}", rule="required_column")
        out = frame.loc[:, list(self.features)].copy()
        for f, levels in self.categories.items():
            out[f] = _aligned(out[f], levels)
        for f in self.features:
            if f not in self.categories:
                try:
                    out[f] = pd.to_numeric(out[f]).astype(float)
                except (TypeError, ValueError):
                    raise ValidationError(field=f"{field}.{f}", rule="numeric") from None
        return out

    def matrix(self, X: Any, field: str = "X") -> np.ndarray:  # noqa: N803
        """:meth:`frame` as the float matrix LightGBM reads: a category as the index of its
        level (missing: NaN), as LightGBM itself converts a categorical column."""
        frame = self.frame(X, field)
        out = np.empty((len(frame), len(self.features)), dtype=np.float64)
        for j, f in enumerate(self.features):
            if f in self.categories:
                codes = np.asarray(frame[f].cat.codes.to_numpy(), dtype=np.float64)
                codes[codes < 0] = np.nan
                out[:, j] = codes
            else:
                out[:, j] = frame[f].to_numpy(dtype=np.float64)
        return out


def _aligned(series: pd.Series, levels: list[str]) -> pd.Categorical:
    """``series`` as a categorical of ``levels`` (another value reads as missing). Text and
    categorical columns take a vectorised path (a selection scores 10^5 customers through
    every arm's model); anything else goes through :func:`_keys` row by row."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        keys = _keys(pd.Series(series.cat.categories, dtype=object))
        if not (keys.isna().any() or keys.duplicated().any()):
            renamed = series.cat.rename_categories(list(keys))
            return pd.Categorical(renamed.cat.set_categories(levels))
    elif pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        # an unseen level becomes missing here: pandas deprecates leaving that to Categorical
        values = series.astype(object).where(series.isin(levels), None)
        return pd.Categorical(values, categories=levels)
    text = _keys(series)
    return pd.Categorical(text.where(text.isin(levels)), categories=levels)


def as_frame(X: Any, field: str = "X") -> pd.DataFrame:  # noqa: N803
    """A DataFrame, or a 2-D array with columns named ``x0``, ``x1``, …"""
    if isinstance(X, pd.DataFrame):
        return X
    array = np.asarray(X)
    if array.ndim != 2:
        raise ValidationError(field=field, rule="table_or_2d_array")
    return pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])


def binary_target(y: Any, n: int, field: str = "y") -> np.ndarray:
    """``y`` as 0.0/1.0 floats of length ``n`` (both classes not required: an uplift arm may
    be all zeros in a small sample)."""
    target = np.asarray(y, dtype=float).ravel()
    if len(target) != n:
        raise ValidationError(field=field, rule="same_length_as_X")
    if not set(np.unique(target)) <= {0.0, 1.0}:
        raise ValidationError(field=field, rule="binary_0_or_1")
    return target
