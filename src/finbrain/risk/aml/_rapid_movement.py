"""Rapid movement of funds (快进快出): money arrives and leaves again within hours.

A pass-through or mule account keeps almost nothing: each credit is followed, within
``window``, by debits of at least ``min_ratio`` of it. Debits at the same timestamp as the credit
count, because many ledgers book by date only. Consecutive qualifying credits whose windows
overlap make one alert.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from finbrain.risk.aml._base import (
    AmlAlert,
    Detector,
    check_number,
    decimal_total,
    parse_window,
    to_datetime,
)
from finbrain.risk.aml._reasons import money, render, span


class RapidMovement(Detector):
    """Credits of at least ``min_amount`` moved on (``>= min_ratio`` of them) within ``window``.

    ``max_ratio`` (optional) drops accounts whose debits in the window dwarf the credit: they
    spend an existing balance rather than pass the credit through. Score: half the share moved
    (capped at 1), half the speed (1 when the share was reached at once, 0 at the window's end).
    """

    typology = "rapid_movement"

    def __init__(
        self,
        window: str | timedelta = "24h",
        min_ratio: float = 0.8,
        min_amount: float = 0.0,
        max_ratio: float | None = None,
    ) -> None:
        self.window = window
        self.min_ratio = min_ratio
        self.min_amount = min_amount
        self.max_ratio = max_ratio
        self._window = parse_window(window, "window")
        check_number(min_ratio, "min_ratio", low=0.01)
        check_number(min_amount, "min_amount", low=0.0)
        if max_ratio is not None:
            check_number(max_ratio, "max_ratio", low=min_ratio)

    def _detect(self, frame: pd.DataFrame) -> list[AmlAlert]:
        window = int(self._window.total_seconds())
        codes, accounts = pd.factorize(
            pd.concat([frame["to_account"], frame["from_account"]], ignore_index=True)
        )
        n = len(frame)
        in_code, out_code = codes[:n], codes[n:]
        sec = frame["sec"].to_numpy().astype("int64")
        amt = frame["amt"].to_numpy()
        span_key = int(sec.max()) + window + 1
        # Debits sorted by (account, time) with a running total: one searchsorted per credit.
        out_order = np.lexsort((sec, out_code))
        out_key = out_code[out_order].astype("int64") * span_key + sec[out_order]
        out_cum = np.concatenate([[0.0], np.cumsum(amt[out_order])])
        in_key = in_code.astype("int64") * span_key + sec
        lo = np.searchsorted(out_key, in_key, side="left")
        hi = np.searchsorted(out_key, in_key + window, side="right")
        moved = out_cum[hi] - out_cum[lo]
        credit = amt
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(credit > 0, moved / credit, 0.0)
        hit = (credit >= self.min_amount) & (credit > 0) & (ratio >= self.min_ratio)
        if self.max_ratio is not None:
            hit &= ratio <= self.max_ratio
        # Self-transfers are not movement between parties.
        hit &= (frame["from_account"] != frame["to_account"]).to_numpy()
        if not hit.any():
            return []
        # The debit that completes min_ratio of the credit: its time gives the delay.
        need = out_cum[lo] + self.min_ratio * credit
        done = np.searchsorted(out_cum, need - 1e-9, side="left") - 1
        done = np.clip(done, 0, len(out_order) - 1)
        delay = np.where(hit, sec[out_order][done] - sec, 0)
        alerts: list[AmlAlert] = []
        # Plain arrays extracted once: busy books raise thousands of these alerts.
        cols = {c: frame[c].to_numpy() for c in ("amount", "from_account", "to_account", "tx_id")}
        stamps = frame["timestamp"].array
        hits = np.flatnonzero(hit)
        # Group each account's qualifying credits into runs whose windows overlap.
        order = hits[np.lexsort((sec[hits], in_code[hits]))]
        run: list[int] = []
        for idx in order.tolist():
            if run and (in_code[idx] != in_code[run[-1]] or sec[idx] > sec[run[-1]] + window):
                alerts.append(
                    self._alert(
                        cols, stamps, run, accounts[in_code[run[0]]], out_order, lo, hi, delay
                    )
                )
                run = []
            run.append(idx)
        alerts.append(
            self._alert(cols, stamps, run, accounts[in_code[run[0]]], out_order, lo, hi, delay)
        )
        return alerts

    def _alert(
        self,
        cols: dict[str, np.ndarray[Any, Any]],
        stamps: Any,
        run: list[int],
        subject: Any,
        out_order: np.ndarray[Any, Any],
        lo: np.ndarray[Any, Any],
        hi: np.ndarray[Any, Any],
        delay: np.ndarray[Any, Any],
    ) -> AmlAlert:
        account = str(subject)
        debit_rows = np.unique(np.concatenate([out_order[lo[i] : hi[i]] for i in run]))
        debit_rows = np.setdiff1d(debit_rows, run)
        original = cols["amount"]
        inflow = decimal_total(original[run])
        outflow = decimal_total(original[debit_rows])
        share = float(outflow / inflow) if inflow else 0.0
        worst_delay = float(delay[run].max())
        speed = 1.0 - min(1.0, worst_delay / self._window.total_seconds())
        score = round(0.5 * min(1.0, share) + 0.5 * speed, 4)
        rows = np.sort(np.concatenate([np.asarray(run), debit_rows]))  # row order is time order
        delay_zh, delay_en = span(worst_delay)
        reason = render(
            self.typology,
            account=account,
            inflow=money(inflow),
            moved=money(outflow),
            ratio=f"{share:.0%}",
            delay_zh=delay_zh,
            delay_en=delay_en,
        )
        sources = cols["from_account"][run]
        targets = cols["to_account"][debit_rows]
        counterparties = sorted((set(sources) | set(targets)) - {account})
        return AmlAlert(
            typology=self.typology,
            accounts=(account, *counterparties),
            tx_ids=tuple(cols["tx_id"][rows]),
            start=to_datetime(stamps[rows[0]]),
            end=to_datetime(stamps[rows[-1]]),
            amount_total=inflow,
            score=score,
            reason=reason,
        )
