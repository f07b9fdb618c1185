"""What every AML detector shares: the alert, the input checks, windows and amount arithmetic.

Input is one frame of account transfers with columns ``tx_id``, ``timestamp`` (timezone-aware),
``from_account``, ``to_account``, ``amount`` (float or ``Decimal``) and optionally ``currency``
and ``type``. Detectors never mutate it: ``prepare`` returns a normalised copy sorted by time
(stable, so the input order breaks ties between equal timestamps).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

from finbrain.core.errors import ValidationError

REQUIRED = ("tx_id", "timestamp", "from_account", "to_account", "amount")


@dataclass(frozen=True)
class AmlAlert:
    """One suspicious pattern: who, which transfers, when, how much, how strong and why.

    ``accounts`` starts with the subject (the structuring or pass-through account, the fan-in
    collector, the fan-out distributor, the first account of a cycle); counterparties follow.
    ``score`` is in [0, 1]; ``reason`` is ``{"zh": ..., "en": ...}`` with the numbers.
    """

    typology: str
    accounts: tuple[str, ...]
    tx_ids: tuple[str, ...]
    start: datetime
    end: datetime
    amount_total: Decimal
    score: float
    reason: dict[str, str] = field(hash=False, compare=False)


def parse_window(value: str | timedelta | pd.Timedelta, name: str) -> pd.Timedelta:
    try:
        window = pd.Timedelta(value)
    except (ValueError, TypeError):
        raise ValidationError(
            f"{name} must be a duration such as '24h' or '7D', got {value!r}",
            field=name,
            rule="duration",
        ) from None
    if pd.isna(window) or window <= pd.Timedelta(0):
        raise ValidationError(f"{name} must be positive", field=name, rule="positive")
    return window


def check_number(value: float, name: str, *, low: float, high: float = math.inf) -> float:
    number = float(value)
    if not (low <= number <= high) or math.isnan(number):
        raise ValidationError(
            f"{name} must be between {low} and {high}, got {value!r}",
            field=name,
            rule=f"between_{low}_and_{high}",
        )
    return number


def check_int(value: int, name: str, *, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValidationError(
            f"{name} must be an integer >= {low}, got {value!r}", field=name, rule=f"int_ge_{low}"
        )
    return int(value)


def _as_float(values: pd.Series) -> np.ndarray[Any, np.dtype[np.float64]]:
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype="float64", na_value=np.nan)
    try:
        return np.array([float(Decimal(str(v))) for v in values], dtype="float64")
    except (InvalidOperation, ValueError):
        raise ValidationError(
            "amount must be numbers (float or Decimal)", field="amount", rule="number"
        ) from None


def prepare(transfers: pd.DataFrame) -> pd.DataFrame:
    """A checked, normalised copy: string ids, UTC times, float ``amt``, original ``amount``."""
    if not isinstance(transfers, pd.DataFrame):
        raise ValidationError(
            "transfers must be a pandas DataFrame", field="transfers", rule="type"
        )
    missing = [c for c in REQUIRED if c not in transfers.columns]
    if missing:
        raise ValidationError(
            f"transfers lack columns {missing}; required: {list(REQUIRED)}",
            field="transfers",
            rule="required_columns",
        )
    stamps = transfers["timestamp"]
    if not isinstance(stamps.dtype, pd.DatetimeTZDtype):
        # Naive times are ambiguous across a bank's branches: refuse rather than guess a zone.
        raise ValidationError(
            "timestamp must be timezone-aware (UTC)", field="timestamp", rule="timezone_aware"
        )
    if stamps.isna().any():
        raise ValidationError("timestamp has missing values", field="timestamp", rule="required")
    amt = _as_float(transfers["amount"])
    if not np.isfinite(amt).all() or (amt < 0).any():
        raise ValidationError(
            "amount must be finite and not negative", field="amount", rule="non_negative"
        )
    frame = pd.DataFrame(
        {
            "tx_id": transfers["tx_id"].astype(str).to_numpy(dtype=object),
            "timestamp": stamps.dt.tz_convert("UTC").to_numpy(),
            "from_account": transfers["from_account"].astype(str).to_numpy(dtype=object),
            "to_account": transfers["to_account"].astype(str).to_numpy(dtype=object),
            "amt": amt,
            "amount": transfers["amount"].to_numpy(dtype=object),
        }
    )
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    if "type" in transfers.columns:
        frame["type"] = transfers["type"].astype(str).to_numpy(dtype=object)
    if frame["tx_id"].duplicated().any():
        raise ValidationError("tx_id must be unique", field="tx_id", rule="unique")
    frame = frame.sort_values("timestamp", kind="stable", ignore_index=True)
    # Whole seconds are plenty for AML windows and keep composite integer keys in range.
    seconds = frame["timestamp"].to_numpy(dtype="datetime64[s]").astype("int64")
    frame["sec"] = seconds - (seconds.min() if len(seconds) else 0)
    return frame


def decimal_total(values: Iterable[object]) -> Decimal:
    """Exact sum: Decimals as given, floats by their shortest repr (234.08, not 234.0799…)."""
    total = Decimal(0)
    for value in values:
        total += value if isinstance(value, Decimal) else Decimal(str(value))
    return total


def windows_by_key(
    keys: np.ndarray[Any, Any], seconds: np.ndarray[Any, Any], window: int
) -> np.ndarray[Any, np.dtype[np.intp]]:
    """For rows sorted by (key, seconds): one past the last row of the same key within window.

    Keys are integer codes; a composite key ``code * span + seconds`` with ``span`` larger than any
    window keeps each key's rows apart, so a single ``searchsorted`` serves every account at once.
    """
    if len(seconds) == 0:
        return np.zeros(0, dtype=np.intp)
    span = int(seconds.max()) + window + 1
    composite = keys.astype("int64") * span + seconds.astype("int64")
    stops: np.ndarray[Any, np.dtype[np.intp]] = np.searchsorted(
        composite, composite + window, side="right"
    ).astype(np.intp)
    return stops


def merge_runs(starts: np.ndarray[Any, Any], stops: np.ndarray[Any, Any]) -> list[tuple[int, int]]:
    """Merge index ranges [start, stop) sorted by start that overlap into maximal runs."""
    runs: list[tuple[int, int]] = []
    for lo, hi in zip(starts.tolist(), stops.tolist(), strict=True):
        if runs and lo < runs[-1][1]:
            runs[-1] = (runs[-1][0], max(runs[-1][1], hi))
        else:
            runs.append((lo, hi))
    return runs


def to_datetime(stamp: Any) -> datetime:
    # Python datetimes stop at microseconds; nanoseconds do not matter to an AML window.
    value: datetime = pd.Timestamp(stamp).tz_convert("UTC").to_pydatetime(warn=False)
    return value


class Detector(ABC):
    """A typology rule with its parameters in ``__init__`` (scikit-learn style)."""

    typology: str

    def get_params(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def detect(self, transfers: pd.DataFrame) -> list[AmlAlert]:
        """Alerts for this typology, in time order."""
        frame = prepare(transfers)
        if frame.empty:
            return []
        alerts = self._detect(frame)
        return sorted(alerts, key=lambda a: (a.start, a.accounts, a.tx_ids))

    @abstractmethod
    def _detect(self, frame: pd.DataFrame) -> list[AmlAlert]: ...
