"""Small typing helpers shared by the loaders (not public API)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, Final

import pandas as pd

from finbrain.core.errors import DatasetError
from finbrain.datasets.files import verified_path

#: Free text: pandas' own string dtype (missing values are NaN).
TEXT: Final = "str"


def as_text(series: pd.Series) -> pd.Series:
    """As :data:`TEXT`, keeping missing values missing (pandas 2 would write them as "nan")."""
    converted: pd.Series = series.astype(TEXT).where(series.notna())
    return converted


def read_verified_csv(relpath: str, **kwargs: Any) -> pd.DataFrame:
    """``pandas.read_csv`` on a data file, after its checksum has been verified."""
    frame: pd.DataFrame = pd.read_csv(verified_path(relpath), **kwargs)
    return frame


def read_verified_json(relpath: str) -> Any:
    """Parse a JSON data file after its checksum has been verified."""
    with verified_path(relpath).open(encoding="utf-8") as handle:
        return json.load(handle)


def categorical(
    series: pd.Series,
    categories: Sequence[Any] | None = None,
    *,
    ordered: bool = False,
    relpath: str = "",
) -> pd.Series:
    """Convert to a categorical, refusing to turn an unexpected value into a silent NaN."""
    if categories is None:
        # Sorted categories keep codes stable from run to run.
        return series.astype(pd.CategoricalDtype(sorted(series.dropna().unique()), ordered))
    result = series.astype(pd.CategoricalDtype(list(categories), ordered=ordered))
    lost = result.isna() & series.notna()
    if lost.any():
        unknown = sorted({str(v) for v in series[lost].unique()})
        raise DatasetError(
            f"{relpath or 'dataset'} column {series.name!r} has unexpected values {unknown}",
            path=relpath,
        )
    return result


def categoricals(frame: pd.DataFrame, columns: Iterable[str]) -> None:
    """Make each named column a categorical with sorted categories (in place)."""
    for column in columns:
        frame[column] = categorical(frame[column])


def binary(series: pd.Series, positive: Any, negative: Any, *, relpath: str = "") -> pd.Series:
    """Map a two-valued column to int64 1 (``positive``) / 0 (``negative``); anything else fails."""
    allowed = {positive, negative}
    unexpected = sorted({str(v) for v in series.unique() if v not in allowed})
    if unexpected:
        raise DatasetError(
            f"{relpath or 'dataset'} column {series.name!r} has unexpected values {unexpected}",
            path=relpath,
        )
    target: pd.Series = (series == positive).astype("int64")
    return target


def flag(series: pd.Series, *, relpath: str = "") -> pd.Series:
    """A 0/1 (or True/False) indicator column as bool; anything else fails."""
    values = set(series.unique().tolist())
    if not values <= {0, 1}:  # True == 1 and False == 0, so booleans pass as well
        raise DatasetError(
            f"{relpath or 'dataset'} column {series.name!r} is not a 0/1 flag: {sorted(values)}",
            path=relpath,
        )
    return series.astype(bool)


def utc(series: pd.Series, *, fmt: str = "ISO8601", dayfirst: bool = False) -> pd.Series:
    """Parse timestamps (or dates, at midnight) to tz-aware UTC."""
    return pd.to_datetime(series, utc=True, format=fmt, dayfirst=dayfirst)


def price_frame(relpath: str, date_column: str) -> pd.DataFrame:
    """A wide daily price table: a UTC ``date`` index, one float64 column per instrument."""
    frame = read_verified_csv(relpath)
    index = pd.DatetimeIndex(utc(frame.pop(date_column), fmt="%Y-%m-%d"), name="date")
    frame = frame.astype("float64")
    frame.index = index
    frame.columns.name = "ticker"
    return frame
