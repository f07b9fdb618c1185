"""Cycles (资金回流): money that leaves an account and comes back through others.

A cycle is a time-respecting chain of transfers A → B → … → A: every hop happens after the one
before (equal timestamps keep the input order), the whole chain fits in ``window``, each hop's
amount is within ``amount_tolerance`` of the first hop (launderers skim small fees, they do not
change the sum), and no account repeats except the start. A bounded depth-first search from every
transfer finds them; each cycle is reported once, from its earliest transfer.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import timedelta

import pandas as pd

from finbrain.core.errors import ValidationError
from finbrain.risk.aml._base import (
    AmlAlert,
    Detector,
    check_int,
    check_number,
    decimal_total,
    parse_window,
    to_datetime,
)
from finbrain.risk.aml._reasons import money, render, span


class Cycles(Detector):
    """Time-respecting transfer cycles of ``min_length``..``max_length`` accounts.

    ``max_paths`` bounds the search from one transfer so a dense hub cannot stall it (the count of
    abandoned searches is in ``truncated_`` after ``detect``). Score: half how much of the first
    amount came back (smallest hop over largest), half speed (1 minus the cycle's duration over
    ``window``).
    """

    typology = "cycle"

    def __init__(
        self,
        max_length: int = 6,
        window: str | timedelta = "30D",
        amount_tolerance: float = 0.1,
        min_length: int = 3,
        min_amount: float = 0.0,
        max_paths: int = 10_000,
    ) -> None:
        self.max_length = max_length
        self.window = window
        self.amount_tolerance = amount_tolerance
        self.min_length = min_length
        self.min_amount = min_amount
        self.max_paths = max_paths
        check_int(min_length, "min_length", low=2)
        check_int(max_length, "max_length", low=2)
        if max_length < min_length:
            raise ValidationError(
                "max_length must be >= min_length", field="max_length", rule="ge_min_length"
            )
        self._window = parse_window(window, "window")
        check_number(amount_tolerance, "amount_tolerance", low=0.0, high=1.0)
        check_number(min_amount, "min_amount", low=0.0)
        check_int(max_paths, "max_paths", low=1)
        self.truncated_ = 0

    def _detect(self, frame: pd.DataFrame) -> list[AmlAlert]:
        self.truncated_ = 0
        keep = (frame["amt"].to_numpy() >= self.min_amount) & (
            frame["from_account"] != frame["to_account"]
        ).to_numpy()
        rows = frame.loc[keep].reset_index(drop=True)
        codes, _ = pd.factorize(pd.concat([rows["from_account"], rows["to_account"]]))
        src, dst = codes[: len(rows)].tolist(), codes[len(rows) :].tolist()
        sec, amt = rows["sec"].tolist(), rows["amt"].tolist()
        # Outgoing edges per account in time order (row order is time order).
        out: dict[int, list[int]] = {}
        for edge, account in enumerate(src):
            out.setdefault(account, []).append(edge)
        window = self._window.total_seconds()
        tol = self.amount_tolerance
        alerts: list[AmlAlert] = []
        for first in range(len(rows)):
            base = amt[first]
            low, high = base * (1 - tol) - 1e-9, base * (1 + tol) + 1e-9
            deadline = sec[first] + window
            start = src[first]
            budget = self.max_paths
            # Stack of (path of edges, accounts on the path).
            stack: list[tuple[list[int], set[int]]] = [([first], {start, dst[first]})]
            while stack:
                path, visited = stack.pop()
                last = path[-1]
                here = dst[last]
                edges = out.get(here, [])
                for edge in edges[bisect_right(edges, last) :]:
                    if sec[edge] > deadline:
                        break
                    if not low <= amt[edge] <= high:
                        continue
                    nxt = dst[edge]
                    if nxt == start:
                        if len(path) + 1 >= self.min_length:
                            alerts.append(self._alert(rows.iloc[[*path, edge]]))
                    elif nxt not in visited and len(path) + 1 < self.max_length:
                        budget -= 1
                        if budget < 0:
                            break
                        stack.append(([*path, edge], visited | {nxt}))
                if budget < 0:
                    self.truncated_ += 1
                    break
        return alerts

    def _alert(self, rows: pd.DataFrame) -> AmlAlert:
        amounts = rows["amt"].to_numpy()
        accounts = tuple(rows["from_account"])
        seconds = (rows["timestamp"].iloc[-1] - rows["timestamp"].iloc[0]).total_seconds()
        kept = float(amounts.min() / amounts.max()) if amounts.max() > 0 else 0.0
        speed = 1.0 - min(1.0, seconds / self._window.total_seconds())
        span_zh, span_en = span(seconds)
        reason = render(
            self.typology,
            length=len(accounts),
            path=" → ".join([*accounts, accounts[0]]),
            count=len(rows),
            low=money(amounts.min()),
            high=money(amounts.max()),
            span_zh=span_zh,
            span_en=span_en,
        )
        return AmlAlert(
            typology=self.typology,
            accounts=accounts,
            tx_ids=tuple(rows["tx_id"]),
            start=to_datetime(rows["timestamp"].iloc[0]),
            end=to_datetime(rows["timestamp"].iloc[-1]),
            # The sum that went round: the first hop (later hops are the same money).
            amount_total=decimal_total(rows["amount"].iloc[:1]),
            score=round(0.5 * kept + 0.5 * speed, 4),
            reason=reason,
        )
