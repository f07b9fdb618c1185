"""Fan-in (多对一归集) and fan-out (一对多分散): one account and many distinct counterparties.

Fan-in collects money from many senders (mule herding, funnel accounts); fan-out spreads it to
many receivers (layering, paying out mules). The rule: at least ``min_counterparties`` distinct
counterparties within ``window``. With ``amount_tolerance`` set, only transfers of similar amounts
count together (each group spans at most ``tolerance`` relative to its smallest amount): ordinary
customers receive uneven amounts, while laundering schemes are scripted with near-equal ones.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from finbrain.risk.aml._base import (
    AmlAlert,
    Detector,
    check_int,
    check_number,
    decimal_total,
    merge_runs,
    parse_window,
    to_datetime,
)
from finbrain.risk.aml._reasons import money, render, span


def _amount_groups(hub: np.ndarray[Any, Any], amt: np.ndarray[Any, Any], tol: float) -> Any:
    """Group id per row: each hub's amounts sorted, cut where one exceeds its group's first by tol.

    Greedy from the smallest amount, so a group never spans more than ``tol`` (no chaining).
    """
    order = np.lexsort((amt, hub))
    group = np.empty(len(amt), dtype=np.int64)
    current, anchor, last_hub = -1, 0.0, None
    for idx in order.tolist():
        value = amt[idx]
        if hub[idx] != last_hub or value > anchor * (1 + tol) + 1e-9:
            current += 1
            anchor, last_hub = value, hub[idx]
        group[idx] = current
    return group


class _Fan(Detector):
    hub_column: ClassVar[str]
    party_column: ClassVar[str]

    def __init__(
        self,
        min_counterparties: int = 5,
        window: str | timedelta = "30D",
        amount_tolerance: float | None = None,
        min_amount: float = 0.0,
    ) -> None:
        self.min_counterparties = min_counterparties
        self.window = window
        self.amount_tolerance = amount_tolerance
        self.min_amount = min_amount
        check_int(min_counterparties, "min_counterparties", low=2)
        self._window = parse_window(window, "window")
        if amount_tolerance is not None:
            check_number(amount_tolerance, "amount_tolerance", low=0.0)
        check_number(min_amount, "min_amount", low=0.0)

    def _detect(self, frame: pd.DataFrame) -> list[AmlAlert]:
        keep = (frame["amt"].to_numpy() >= self.min_amount) & (
            frame["from_account"] != frame["to_account"]
        ).to_numpy()
        rows = frame.loc[keep].reset_index(drop=True)
        if rows.empty:
            return []
        hub, hubs = pd.factorize(rows[self.hub_column])
        party, _ = pd.factorize(rows[self.party_column])
        if self.amount_tolerance is None:
            group = hub.astype(np.int64)
        else:
            group = _amount_groups(hub, rows["amt"].to_numpy(), self.amount_tolerance)
        order = np.lexsort((rows["sec"].to_numpy(), group))
        rows, hub, party, group = rows.iloc[order], hub[order], party[order], group[order]
        sec = rows["sec"].to_numpy()
        bounds = np.flatnonzero(np.diff(group)) + 1
        window = int(self._window.total_seconds())
        alerts: list[AmlAlert] = []
        for lo, hi in zip(
            np.concatenate([[0], bounds]).tolist(),
            np.concatenate([bounds, [len(rows)]]).tolist(),
            strict=True,
        ):
            if hi - lo < self.min_counterparties:
                continue
            for a, b in self._runs(sec[lo:hi], party[lo:hi], window):
                alerts.append(self._alert(rows.iloc[lo + a : lo + b], str(hubs[hub[lo]])))
        return alerts

    def _runs(
        self, sec: np.ndarray[Any, Any], party: np.ndarray[Any, Any], window: int
    ) -> list[tuple[int, int]]:
        """Maximal runs of rows covered by windows with enough distinct counterparties."""
        seen: Counter[int] = Counter()
        starts: list[int] = []
        stops: list[int] = []
        end = 0
        times, parties = sec.tolist(), party.tolist()
        for i, t in enumerate(times):
            while end < len(times) and times[end] <= t + window:
                seen[parties[end]] += 1
                end += 1
            if len(seen) >= self.min_counterparties:
                starts.append(i)
                stops.append(end)
            seen[parties[i]] -= 1
            if not seen[parties[i]]:
                del seen[parties[i]]
        return merge_runs(np.asarray(starts), np.asarray(stops))

    def _alert(self, rows: pd.DataFrame, account: str) -> AmlAlert:
        amounts = rows["amt"].to_numpy()
        parties = sorted(set(rows[self.party_column]))
        breadth = min(1.0, len(parties) / (2 * self.min_counterparties))
        mean = float(amounts.mean())
        uniformity = max(0.0, 1.0 - float(amounts.std()) / mean) if mean > 0 else 0.0
        total = decimal_total(rows["amount"])
        start, end = rows["timestamp"].iloc[0], rows["timestamp"].iloc[-1]
        span_zh, span_en = span((end - start).total_seconds())
        reason = render(
            self.typology,
            account=account,
            senders=len(parties),
            count=len(rows),
            low=money(amounts.min()),
            high=money(amounts.max()),
            total=money(total),
            span_zh=span_zh,
            span_en=span_en,
        )
        return AmlAlert(
            typology=self.typology,
            accounts=(account, *parties),
            tx_ids=tuple(rows["tx_id"]),
            start=to_datetime(start),
            end=to_datetime(end),
            amount_total=total,
            score=round(0.5 * breadth + 0.5 * uniformity, 4),
            reason=reason,
        )


class FanIn(_Fan):
    """Many distinct senders to one account within ``window``.

    Score: half breadth (distinct senders over twice ``min_counterparties``, capped at 1), half
    uniformity of the amounts (1 minus their coefficient of variation, floored at 0).
    """

    typology = "fan_in"
    hub_column = "to_account"
    party_column = "from_account"


class FanOut(_Fan):
    """One account paying many distinct receivers within ``window`` (score as for ``FanIn``)."""

    typology = "fan_out"
    hub_column = "from_account"
    party_column = "to_account"
