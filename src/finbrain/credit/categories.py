"""One canonical text for a category value, wherever it comes from.

A category read from a CSV is ``2``, the same value taken from a mixed DataFrame row is ``2.0``
and from JSON may be ``"2"``: all must find the same bin, or an applicant would silently fall
into the "unseen" bin. Integral floats are written as integers; everything else with ``str``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def category_key(value: Any) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def category_keys(values: pd.Series) -> pd.Series:
    """Vectorised ``category_key``; missing stays missing."""
    out = values.astype(object).map(lambda v: None if pd.isna(v) else category_key(v))
    return out
