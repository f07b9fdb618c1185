"""The Fraud-Detection-Handbook evaluation protocol: time-ordered folds, removals and metrics.

Le Borgne et al., *Reproducible Machine Learning for Credit Card Fraud Detection*, ch. 3–5
(``get_train_test_set``, ``card_precision_top_k``, ``performance_assessment``):

* train on ``train_days`` calendar days starting at the fold's start date;
* skip ``delay_days`` (the label delay: frauds are only known after investigation);
* test on the next ``test_days`` days, day by day.

From each test day the customers *already known to be compromised* are removed: those with a
fraud in the training week, plus those with a fraud in the delay period up to the day before
(the set grows during the test week as labels arrive with the delay). With the default
7/7/7 split, on test day ``i`` (0-based) the known set is the training week's frauds plus the
frauds of the first ``i`` delay days. Scores are judged over the concatenated (filtered) test
days: average precision, ROC AUC and card precision@100 — per test day, customers ranked by
their highest score, the share of compromised cards among the top 100, customers already
caught on an earlier test day left out, averaged over the days.

Skipping the removals inflates every figure, which is why this module exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from finbrain.core.errors import ValidationError

__all__ = [
    "HANDBOOK_TEST_STARTS",
    "Fold",
    "card_precision_at_k",
    "card_precision_per_day",
    "evaluate",
    "folds",
]

#: The four weekly folds of the handbook's ch. 5 test protocol (training weeks' first days).
HANDBOOK_TEST_STARTS = ("2018-07-04", "2018-07-11", "2018-07-18", "2018-07-25")

_DAY_NS = 86_400 * 10**9


@dataclass(frozen=True)
class Fold:
    """One train / delay / test split, as row positions (``iloc``) into the source frame.

    ``test`` lists the test rows left after the removals, in time order; ``test_day``,
    ``test_customer`` and ``test_label`` describe those rows (day = days since the epoch, UTC).
    ``known`` holds, per test day, the customers removed from that day (known compromised).
    ``test_all`` is every test row, removals ignored (for showing how much the removals matter).
    """

    start: pd.Timestamp
    train: np.ndarray
    test: np.ndarray
    test_day: np.ndarray
    test_customer: np.ndarray
    test_label: np.ndarray
    known: tuple[frozenset[int], ...]
    test_all: np.ndarray
    test_all_day: np.ndarray
    test_all_customer: np.ndarray
    test_all_label: np.ndarray

    def without_removals(self) -> Fold:
        """The same fold with every test row kept (the optimistic, non-handbook evaluation)."""
        return replace(
            self,
            test=self.test_all,
            test_day=self.test_all_day,
            test_customer=self.test_all_customer,
            test_label=self.test_all_label,
            known=tuple(frozenset() for _ in self.known),
        )


def _timestamp(value: str | date | datetime | pd.Timestamp) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.tz_convert("UTC")


def _epoch_ns(times: pd.Series) -> np.ndarray:
    if not isinstance(times.dtype, pd.DatetimeTZDtype) and not pd.api.types.is_datetime64_dtype(
        times.dtype
    ):
        raise ValidationError(field=str(times.name), rule="datetime_column")
    values = times.dt.tz_localize("UTC") if times.dt.tz is None else times.dt.tz_convert("UTC")
    return np.asarray(values.dt.as_unit("ns").astype("int64"), dtype=np.int64)


def folds(
    df: pd.DataFrame,
    start_dates: Iterable[str | date | datetime | pd.Timestamp],
    train_days: int = 7,
    delay_days: int = 7,
    test_days: int = 7,
    *,
    time_column: str = "TX_DATETIME",
    customer_column: str = "CUSTOMER_ID",
    label_column: str = "TX_FRAUD",
) -> Iterator[Fold]:
    """The handbook's folds, one per start date (the first day of each training week).

    ``df`` needs a datetime column (naive values are read as UTC), a customer id and a 0/1
    fraud label. Days are UTC calendar days, as the handbook's ``TX_TIME_DAYS``.
    """
    for name in (time_column, customer_column, label_column):
        if name not in df.columns:
            raise ValidationError(field=name, rule="required_column")
    for name, days in (("train_days", train_days), ("test_days", test_days)):
        if days < 1:
            raise ValidationError(field=name, rule="at_least_1")
    if delay_days < 0:
        raise ValidationError(field="delay_days", rule="not_negative")
    ns = _epoch_ns(df[time_column])
    day = ns // _DAY_NS
    customer = np.asarray(df[customer_column], dtype=np.int64)
    label = np.asarray(df[label_column], dtype=np.int64)
    if not np.isin(label, (0, 1)).all():
        raise ValidationError(field=label_column, rule="binary_target")
    fraud_customers_by_day = pd.Series(customer[label == 1]).groupby(day[label == 1]).unique()
    order = np.argsort(day, kind="stable")
    sorted_day = day[order]

    def rows_of(first: int, last: int) -> np.ndarray:  # days [first, last), positions in order
        lo, hi = np.searchsorted(sorted_day, [first, last])
        return np.sort(order[lo:hi])

    def frauds_of(d: int) -> set[int]:
        found = fraud_customers_by_day.get(d)
        return set() if found is None else {int(c) for c in found}

    for value in start_dates:
        start = _timestamp(value)
        start_ns = int(start.value)
        train = np.flatnonzero(
            (ns >= start_ns) & (ns < start_ns + train_days * _DAY_NS)
        )  # the handbook selects training rows by time, test rows by day
        if len(train) == 0:
            raise ValidationError(field="start_dates", rule="no_training_rows")
        first_day = int(day[train].min())
        known: set[int] = set()
        for d in range(first_day, first_day + train_days):
            known |= frauds_of(d)
        kept: list[np.ndarray] = []
        everything: list[np.ndarray] = []
        known_per_day: list[frozenset[int]] = []
        for i in range(test_days):
            test_day = first_day + train_days + delay_days + i
            # Labels arrive delay_days late: by test day i the frauds of the first i delay
            # days are known (day first_day + train_days + i - 1, cumulatively).
            known |= frauds_of(first_day + train_days + i - 1)
            rows = rows_of(test_day, test_day + 1)
            everything.append(rows)
            kept.append(rows[~np.isin(customer[rows], list(known))])
            known_per_day.append(frozenset(known))
        test = np.concatenate(kept) if kept else np.empty(0, dtype=np.int64)
        test_all = np.concatenate(everything) if everything else np.empty(0, dtype=np.int64)
        yield Fold(
            start=start,
            train=train,
            test=test,
            test_day=day[test],
            test_customer=customer[test],
            test_label=label[test],
            known=tuple(known_per_day),
            test_all=test_all,
            test_all_day=day[test_all],
            test_all_customer=customer[test_all],
            test_all_label=label[test_all],
        )


def card_precision_per_day(
    days: Sequence[int] | np.ndarray,
    customers: Sequence[int] | np.ndarray,
    labels: Sequence[int] | np.ndarray,
    scores: Sequence[float] | np.ndarray,
    k: int = 100,
) -> list[float]:
    """Card precision@k for each day, in day order (the handbook's ``card_precision_top_k``).

    Per day: each customer's highest score and whether any of their payments that day is a
    fraud; the k highest-scored customers; the share of them compromised (divided by k even
    when fewer customers remain). Customers caught (compromised and in the top k) on an earlier
    day are left out of later days. Ties are broken by customer id, ascending.
    """
    if k < 1:
        raise ValidationError(field="k", rule="at_least_1")
    frame = pd.DataFrame(
        {
            "day": np.asarray(days, dtype=np.int64),
            "customer": np.asarray(customers, dtype=np.int64),
            "label": np.asarray(labels, dtype=np.int64),
            "score": np.asarray(scores, dtype=np.float64),
        }
    )
    if len({len(frame[c]) for c in frame.columns}) != 1:
        raise ValidationError(field="scores", rule="same_length")
    caught: set[int] = set()
    out: list[float] = []
    for _, rows in frame.groupby("day", sort=True):
        rows = rows[~rows["customer"].isin(list(caught))]
        cards = rows.groupby("customer", sort=True)[["score", "label"]].max()
        top = cards.sort_values("score", ascending=False, kind="stable").head(k)
        hits = top.index[top["label"].to_numpy() == 1]
        out.append(len(hits) / k)
        caught.update(int(c) for c in hits)
    return out


def card_precision_at_k(
    days: Sequence[int] | np.ndarray,
    customers: Sequence[int] | np.ndarray,
    labels: Sequence[int] | np.ndarray,
    scores: Sequence[float] | np.ndarray,
    k: int = 100,
) -> float:
    """The mean over days of :func:`card_precision_per_day`."""
    per_day = card_precision_per_day(days, customers, labels, scores, k)
    return float(np.mean(per_day)) if per_day else float("nan")


def evaluate(fold: Fold, scores: Sequence[float] | np.ndarray, k: int = 100) -> dict[str, float]:
    """AP and AUC over the fold's (filtered) test rows, and card precision@k (``cp100``).

    ``scores`` are aligned with ``fold.test``. The ``cp100`` key keeps its name for any ``k``.
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != fold.test.shape:
        raise ValidationError(
            f"scores has {s.shape[0] if s.ndim else 0} values; the fold has {len(fold.test)} "
            "test rows",
            field="scores",
            rule="aligned_with_fold_test",
        )
    if not np.isfinite(s).all():
        raise ValidationError(field="scores", rule="finite")
    y = fold.test_label
    both = len(np.unique(y)) == 2
    return {
        "ap": float(average_precision_score(y, s)) if both else float("nan"),
        "auc": float(roc_auc_score(y, s)) if both else float("nan"),
        "cp100": card_precision_at_k(fold.test_day, fold.test_customer, y, s, k),
    }
