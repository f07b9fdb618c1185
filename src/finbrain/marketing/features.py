"""Features that survive a shift in the economy (宏观漂移下稳健的特征).

A model trained on 2008 interest rates and tested on 2010's sees levels it never met: trees
put every new row in the same edge leaf, and a linear term extrapolates a trend that may have
turned. :func:`history_ranks` replaces a level by where it stands against the recent past —
the share of the previous ``window`` periods whose value was lower (ties count half) — which
means the same thing in any regime ("rates are the lowest in half a year"). It looks only at
earlier periods, so it can be computed on the day of the campaign.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from finbrain.core.errors import ValidationError

__all__ = ["history_ranks"]


def history_ranks(
    frame: pd.DataFrame, columns: Sequence[str], period: str, window: int = 6
) -> pd.DataFrame:
    """For each row and column, the rank of its period's value among the ``window`` periods
    before it (0 lowest … 1 highest; 0.5 with no history), as ``<column>_rank`` columns.
    ``period``: a column whose values sort in time order; a period's value is its first row's."""
    if not isinstance(window, int) or window < 1:
        raise ValidationError(field="window", rule="positive_integer")
    for column in (*columns, period):
        if column not in frame.columns:
            raise ValidationError(field=f"frame.{column}", rule="required_column")
    if frame[period].isna().any():
        raise ValidationError(field=f"frame.{period}", rule="no_missing_periods")
    firsts = frame.groupby(period, sort=True)[list(columns)].first()
    out = pd.DataFrame(index=frame.index)
    for column in columns:
        values = firsts[column].to_numpy(dtype=float)
        ranks = np.full(len(values), 0.5)
        for i in range(len(values)):
            history = values[max(0, i - window) : i]
            history = history[np.isfinite(history)]
            if len(history) and np.isfinite(values[i]):
                ranks[i] = np.mean(history < values[i]) + 0.5 * np.mean(history == values[i])
        by_period = pd.Series(ranks, index=firsts.index)
        out[f"{column}_rank"] = frame[period].map(by_period).to_numpy(dtype=float)
    return out
