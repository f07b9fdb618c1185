"""Structuring (smurfing, 拆分交易): several amounts just below a reporting threshold.

A customer who must not trigger a currency transaction report (US CTR: 10,000 USD; China's
large-value cash report: 50,000 CNY) splits the money into pieces a little under the line. The
rule: at least ``min_count`` transactions of one account with ``threshold * (1 - margin) <=
amount < threshold`` inside ``window``. An amount exactly at the threshold is reported anyway,
so it is not structuring.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Literal

import numpy as np
import pandas as pd

from finbrain.core.errors import ValidationError
from finbrain.risk.aml._base import (
    AmlAlert,
    Detector,
    check_int,
    check_number,
    decimal_total,
    merge_runs,
    parse_window,
    to_datetime,
    windows_by_key,
)
from finbrain.risk.aml._reasons import money, plain, render, span


class Structuring(Detector):
    """Bursts of just-below-threshold amounts at one account.

    ``by="to_account"`` looks at money arriving (cash deposits split across days or branches);
    ``"from_account"`` at money leaving (withdrawals or payments split the same way). ``types``
    keeps only those transaction types (e.g. ``("DEPOSIT", "CASH")``) when the frame has a
    ``type`` column. Score: half how close the amounts sit to the threshold, half how far the
    count exceeds ``min_count`` (twice the minimum scores full).
    """

    typology = "structuring"

    def __init__(
        self,
        threshold: float | Decimal = 10_000,
        margin: float = 0.1,
        min_count: int = 3,
        window: str | timedelta = "7D",
        by: Literal["to_account", "from_account"] = "to_account",
        types: tuple[str, ...] | None = None,
    ) -> None:
        self.threshold = threshold
        self.margin = margin
        self.min_count = min_count
        self.window = window
        self.by = by
        self.types = types
        check_number(float(threshold), "threshold", low=0.01)
        check_number(margin, "margin", low=0.0, high=1.0)
        if margin == 0:
            raise ValidationError("margin must be above 0", field="margin", rule="positive")
        check_int(min_count, "min_count", low=2)
        self._window = parse_window(window, "window")
        if by not in ("to_account", "from_account"):
            raise ValidationError(
                "by must be 'to_account' or 'from_account'", field="by", rule="one_of"
            )
        # Decimal arithmetic so 10,000 * (1 - 0.1) is exactly 9,000, not 8,999.999…
        top = Decimal(str(threshold))
        self._top = float(top)
        self._bottom = float(top * (1 - Decimal(str(margin))))

    def _detect(self, frame: pd.DataFrame) -> list[AmlAlert]:
        amt = frame["amt"].to_numpy()
        keep = (amt >= self._bottom) & (amt < self._top)
        if self.types is not None and "type" in frame.columns:
            wanted = {str(t).upper() for t in self.types}
            keep &= frame["type"].str.upper().isin(wanted).to_numpy()
        band = frame.loc[keep]
        if len(band) < self.min_count:
            return []
        codes, accounts = pd.factorize(band[self.by])
        order = np.lexsort((band["sec"].to_numpy(), codes))
        band = band.iloc[order].reset_index(drop=True)
        codes = codes[order]
        seconds = band["sec"].to_numpy()
        stops = windows_by_key(codes, seconds, int(self._window.total_seconds()))
        starts = np.arange(len(band))
        hit = stops - starts >= self.min_count
        alerts: list[AmlAlert] = []
        for lo, hi in merge_runs(starts[hit], stops[hit]):
            alerts.append(self._alert(band.iloc[lo:hi], str(accounts[codes[lo]])))
        return alerts

    def _alert(self, rows: pd.DataFrame, account: str) -> AmlAlert:
        amounts = rows["amt"].to_numpy()
        count = len(rows)
        closeness = float(np.mean((amounts - self._bottom) / (self._top - self._bottom)))
        volume = min(1.0, count / (2 * self.min_count))
        score = round(0.5 * closeness + 0.5 * volume, 4)
        total = decimal_total(rows["amount"])
        start, end = rows["timestamp"].iloc[0], rows["timestamp"].iloc[-1]
        span_zh, span_en = span((end - start).total_seconds())
        inbound = self.by == "to_account"
        others = sorted(set(rows["from_account" if inbound else "to_account"]) - {account})
        reason = render(
            self.typology,
            account=account,
            count=count,
            low=money(amounts.min()),
            high=money(amounts.max()),
            threshold=plain(self._top),
            total=money(total),
            span_zh=span_zh,
            span_en=span_en,
            direction_zh="入账" if inbound else "出账",
            direction_en="credits" if inbound else "debits",
        )
        return AmlAlert(
            typology=self.typology,
            accounts=(account, *others),
            tx_ids=tuple(rows["tx_id"]),
            start=to_datetime(start),
            end=to_datetime(end),
            amount_total=total,
            score=score,
            reason=reason,
        )
