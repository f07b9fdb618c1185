"""Card transactions with fraud, following the Fraud Detection Handbook's generative process.

Le Borgne et al., *Reproducible Machine Learning for Credit Card Fraud Detection — Practical
Handbook*, ch. 3 "Transaction data simulator", describes the process implemented (vectorised,
independently of the handbook's own code) here:

- customers: location (x, y) uniform on a 100 x 100 grid, mean amount uniform 5–100, std half
  the mean, mean number of transactions per day uniform 0–4;
- terminals: location uniform on the same grid; a customer uses the terminals within ``radius``
  (customers with none make no transactions);
- each day a customer makes Poisson(mean per day) transactions; the second of the day is normal
  around noon (std 20,000 s), truncated to an integer, and transactions falling outside the day
  are dropped; the amount is normal(mean, std), a negative draw replaced by uniform(0, 2 x mean),
  rounded to cents; the terminal is uniform among the customer's terminals;
- fraud, applied in this order (a later scenario overwrites an earlier label):
  1. every amount above 220 is fraud;
  2. each day 2 random terminals are compromised for the next 28 days: all their transactions
     in that period are fraud;
  3. each day 3 random customers are compromised for the next 14 days: a third of their
     transactions in that period (chosen at random) have their amount multiplied by 5 and are
     fraud.

``simulate`` returns the columns of the handbook's published table (``load_fraud_handbook``);
``stream`` yields the same transactions as JSON-ready card events in time order.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from finbrain.core.errors import ValidationError

__all__ = ["simulate", "stream"]

_GRID = 100.0
_DAY = 86_400
_NOON, _TIME_STD = _DAY / 2, 20_000.0
_BIG_AMOUNT = 220.0
_TERMINALS_PER_DAY, _TERMINAL_DAYS = 2, 28
_CUSTOMERS_PER_DAY, _CUSTOMER_DAYS = 3, 14
_CHUNK = 512  # customers per distance block: 512 x 10,000 floats stays a few tens of MB


def _check(n_customers: int, n_terminals: int, days: int, radius: float) -> None:
    for name, value in (("n_customers", n_customers), ("n_terminals", n_terminals)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValidationError(f"{name} must be a positive integer", field=name, rule="ge_1")
    if isinstance(days, bool) or not isinstance(days, int | np.integer) or days < 1:
        raise ValidationError("days must be a positive integer", field="days", rule="ge_1")
    if not radius > 0:
        raise ValidationError("radius must be positive", field="radius", rule="positive")


def _terminal_lists(
    customers: np.ndarray[Any, Any], terminals: np.ndarray[Any, Any], radius: float
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """CSR layout of each customer's reachable terminals: (offsets, terminal ids)."""
    counts: list[np.ndarray[Any, Any]] = []
    members: list[np.ndarray[Any, Any]] = []
    for lo in range(0, len(customers), _CHUNK):
        block = customers[lo : lo + _CHUNK]
        d2 = ((block[:, None, :] - terminals[None, :, :]) ** 2).sum(axis=2)
        near = d2 < radius * radius
        counts.append(near.sum(axis=1))
        members.append(np.nonzero(near)[1])
    count = np.concatenate(counts)
    offsets = np.concatenate([[0], np.cumsum(count)])
    return offsets, np.concatenate(members)


def simulate(
    n_customers: int = 5000,
    n_terminals: int = 10000,
    start: str = "2018-04-01",
    days: int = 183,
    radius: float = 5.0,
    seed: int = 0,
) -> pd.DataFrame:
    """The handbook's simulated card transactions; the same ``seed`` gives the same frame.

    Columns and dtypes match ``load_fraud_handbook()``: ``TRANSACTION_ID`` (0.. in time order),
    ``TX_DATETIME`` (UTC), ``CUSTOMER_ID``, ``TERMINAL_ID``, ``TX_AMOUNT``, ``TX_TIME_SECONDS``,
    ``TX_TIME_DAYS``, ``TX_FRAUD`` (1 = fraud), ``TX_FRAUD_SCENARIO`` (0 genuine, 1 amount over
    220, 2 compromised terminal, 3 compromised customer). The defaults reproduce the published
    dataset's scale: about 1.75 M transactions and 0.8 % fraud.
    """
    _check(n_customers, n_terminals, days, radius)
    rng = np.random.default_rng(seed)
    origin = (
        pd.Timestamp(start, tz="UTC")
        if pd.Timestamp(start).tzinfo is None
        else (pd.Timestamp(start).tz_convert("UTC"))
    )

    # Profiles.
    cust_xy = rng.uniform(0, _GRID, size=(n_customers, 2))
    mean_amount = rng.uniform(5, 100, size=n_customers)
    std_amount = mean_amount / 2
    per_day = rng.uniform(0, 4, size=n_customers)
    term_xy = rng.uniform(0, _GRID, size=(n_terminals, 2))
    offsets, members = _terminal_lists(cust_xy, term_xy, radius)
    n_reachable = np.diff(offsets)

    # Transactions: a Poisson count per customer and day, then one draw per transaction.
    counts = rng.poisson(np.repeat(per_day[:, None], days, axis=1))
    counts[n_reachable == 0] = 0
    cust = np.repeat(np.repeat(np.arange(n_customers), days), counts.ravel())
    day = np.repeat(np.tile(np.arange(days), n_customers), counts.ravel())
    n = len(cust)
    second = rng.normal(_NOON, _TIME_STD, size=n).astype(np.int64)  # truncates, as int() does
    amount = rng.normal(mean_amount[cust], std_amount[cust])
    negative = amount < 0
    amount[negative] = rng.uniform(0, 2 * mean_amount[cust[negative]])
    amount = np.round(amount, 2)
    pick = np.floor(rng.random(n) * n_reachable[cust]).astype(np.int64)
    terminal = members[offsets[cust] + pick]
    inside = (second > 0) & (second < _DAY)
    cust, day, second, terminal = cust[inside], day[inside], second[inside], terminal[inside]
    amount = amount[inside]
    n = len(cust)

    # Scenario 1: large amounts.
    scenario = np.where(amount > _BIG_AMOUNT, 1, 0).astype(np.int64)

    # Scenario 2: compromised terminals, marked on a terminal x day grid.
    compromised = np.zeros((n_terminals, days), dtype=bool)
    for d in range(days):
        for t in rng.choice(n_terminals, size=min(_TERMINALS_PER_DAY, n_terminals), replace=False):
            compromised[t, d : d + _TERMINAL_DAYS] = True
    scenario[compromised[terminal, day]] = 2

    # Scenario 3: compromised customers; rows grouped by (customer, day) for range look-ups.
    by_customer = np.lexsort((day, cust))
    key = cust[by_customer] * days + day[by_customer]
    for d in range(days):
        chosen = rng.choice(n_customers, size=min(_CUSTOMERS_PER_DAY, n_customers), replace=False)
        rows = np.concatenate(
            [
                by_customer[
                    np.searchsorted(key, c * days + d) : np.searchsorted(
                        key, c * days + min(d + _CUSTOMER_DAYS, days)
                    )
                ]
                for c in chosen
            ]
        )
        # Rows come out sorted by customer then day; the draw is over that fixed order.
        victims = rng.choice(rows, size=len(rows) // 3, replace=False)
        amount[victims] = np.round(amount[victims] * 5, 2)
        scenario[victims] = 3

    seconds = day.astype(np.int64) * _DAY + second
    order = np.lexsort((cust, seconds))
    frame = pd.DataFrame(
        {
            "TRANSACTION_ID": np.arange(n, dtype=np.int64),
            "TX_DATETIME": origin + pd.to_timedelta(seconds[order], unit="s"),
            "CUSTOMER_ID": cust[order].astype(np.int64),
            "TERMINAL_ID": terminal[order].astype(np.int64),
            "TX_AMOUNT": amount[order],
            "TX_TIME_SECONDS": seconds[order],
            "TX_TIME_DAYS": day[order].astype(np.int64),
            "TX_FRAUD": (scenario[order] > 0).astype(np.int64),
            "TX_FRAUD_SCENARIO": scenario[order],
        }
    )
    frame["TX_DATETIME"] = frame["TX_DATETIME"].astype("datetime64[ns, UTC]")
    return frame


def _cents(value: float) -> str:
    return str(Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def stream(
    n_customers: int = 5000,
    n_terminals: int = 10000,
    start: str = "2018-04-01",
    days: int = 183,
    radius: float = 5.0,
    seed: int = 0,
    *,
    include_labels: bool = False,
) -> Iterator[dict[str, Any]]:
    """The simulated transactions as card events in time order, ready for ``json.dumps``.

    Each event: ``event_id`` (``tx-<id>``), ``kind`` "card", ``occurred_at`` (ISO 8601 UTC),
    ``amount`` (string, two decimals), ``currency`` "EUR", ``customer_id``, ``card_id`` (one card
    per customer), ``terminal_id``, ``channel`` "pos". ``include_labels`` adds ``fraud`` and
    ``fraud_scenario`` (ground truth for load tests; a live feed would not carry them).
    """
    frame = simulate(n_customers, n_terminals, start, days, radius, seed)
    stamps = frame["TX_DATETIME"].dt.tz_convert(UTC)
    columns = zip(
        frame["TRANSACTION_ID"].tolist(),
        stamps.tolist(),
        frame["TX_AMOUNT"].tolist(),
        frame["CUSTOMER_ID"].tolist(),
        frame["TERMINAL_ID"].tolist(),
        frame["TX_FRAUD"].tolist(),
        frame["TX_FRAUD_SCENARIO"].tolist(),
        strict=True,
    )
    for tx_id, stamp, amount, customer, terminal, fraud, scenario in columns:
        event: dict[str, Any] = {
            "event_id": f"tx-{tx_id}",
            "kind": "card",
            "occurred_at": stamp.isoformat().replace("+00:00", "Z"),
            "amount": _cents(amount),
            "currency": "EUR",
            "customer_id": f"C{customer:06d}",
            "card_id": f"K{customer:06d}",
            "terminal_id": f"T{terminal:06d}",
            "channel": "pos",
        }
        if include_labels:
            event["fraud"] = bool(fraud)
            event["fraud_scenario"] = int(scenario)
        yield event
