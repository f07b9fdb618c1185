"""Offer arbitration (next best action, 最优权益): for each customer the offer — or none — with
the highest expected incremental value, uplift × value − cost, after the rules.

In this order, for every path (a batch :func:`select`, an online
:func:`~finbrain.marketing.decide`, with or without a control group):

1. consent: an opted-out customer (``opted_out`` true, or unknown) is excluded before anything
   else — never selected, never in the control group, whatever their uplift (PIPL art. 24);
2. the contact cap: a customer with ``max_contacts`` contacts in the window is excluded;
3. each offer's eligibility and suitability rules; an offer no customer passes is reported in
   the summary, not an error;
4. the budget: each customer takes the offer maximising uplift × value − (1 + λ) × cost, with
   λ ≥ 0 the smallest price of budget (found by bisection) at which the chosen contacts fit the
   budget; what λ leaves unspent goes to the best remaining customers by value per cost. Costs
   are counted in integer minor units, so the budget is never exceeded by rounding;
5. the control group: a ``control_share`` of the selected customers, drawn by a seeded hash of
   the campaign, seed and customer id (the same customer lands in the same group on a rerun),
   is held out: not contacted, not charged, the baseline the real lift is measured against.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from finbrain.core.errors import ValidationError
from finbrain.marketing.campaign import Campaign
from finbrain.marketing.campaign import parse_campaign as validated
from finbrain.marketing.rules import check_columns, failing_rule

__all__ = ["Selection", "select"]

OUTCOMES = ("offer", "control", "no_offer", "excluded")
BISECTIONS = 40


@dataclass
class Arbitration:
    """Everything the selection decided, as arrays over the customers (shared by the batch
    table and the online decision)."""

    ids: np.ndarray
    opted_out: np.ndarray
    capped: np.ndarray
    contacts: np.ndarray
    uplift: np.ndarray  # (n, offers)
    net: np.ndarray  # (n, offers), -inf where not allowed
    first_failing: list[np.ndarray]  # per offer: (n,) index of the first failing rule, -1 none
    choice: np.ndarray  # offer index, -1 none
    control: np.ndarray
    budget_cut: np.ndarray  # had a positive offer but the budget went elsewhere
    spend_minor: int
    remaining_minor: int
    eligible_counts: list[int] = field(default_factory=list)
    id_column: Any = None  # the ids as pandas text (the table reuses it, no Python objects)


def _minor(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def _uplift_matrix(campaign: Campaign, customers: pd.DataFrame, uplift: Any) -> np.ndarray:
    labels = [o.label for o in campaign.offers]
    if hasattr(uplift, "treatments_") and hasattr(uplift, "predict"):
        missing = [t for t in labels if t not in uplift.treatments_]
        if missing:
            raise ValidationError(field="uplift", rule="model_knows_every_offer", offer=missing[0])
        predicted = np.asarray(uplift.predict(customers), dtype=float)
        matrix = predicted[:, [list(uplift.treatments_).index(t) for t in labels]]
    elif isinstance(uplift, pd.DataFrame):
        missing = [t for t in labels if t not in uplift.columns]
        if missing:
            raise ValidationError(field=f"uplift.{missing[0]}", rule="column_per_offer")
        matrix = uplift[labels].to_numpy(dtype=float)
    else:
        matrix = np.asarray(uplift, dtype=float)
        if matrix.ndim == 1 and len(labels) == 1:
            matrix = matrix.reshape(-1, 1)
    if matrix.shape != (len(customers), len(labels)):
        raise ValidationError(field="uplift", rule="one_row_per_customer_one_column_per_offer")
    if not np.all(np.isfinite(matrix)) or np.any(np.abs(matrix) > 1):
        raise ValidationError(field="uplift", rule="finite_between_-1_and_1")
    return matrix


def _consent(customers: pd.DataFrame) -> np.ndarray:
    if "opted_out" not in customers.columns:
        raise ValidationError(field="customers.opted_out", rule="required_column")
    column = customers["opted_out"]
    if not (pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column)):
        column = column.astype(object).map(_flag)  # a mixed column (one online record)
    values = column.astype(float)
    if not values.dropna().isin([0.0, 1.0]).all():
        raise ValidationError(field="customers.opted_out", rule="boolean")
    return np.asarray(values.fillna(1.0).to_numpy() != 0, dtype=bool)  # unknown: opted out


def _flag(value: Any) -> float:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return np.nan
    if isinstance(value, bool | int | float | np.bool_ | np.integer | np.floating):
        return float(value)
    raise ValidationError(field="customers.opted_out", rule="boolean")


def contact_counts(
    campaign: Campaign,
    customers: pd.DataFrame,
    history: pd.DataFrame | None,
    as_of: datetime | None,
) -> np.ndarray:
    """Contacts per customer in the cap's window: from ``history`` (``customer_id``,
    ``contacted_at``) before ``as_of``, else the customers' ``recent_contacts`` column."""
    n = len(customers)
    cap = campaign.contact_cap
    if cap is None:
        return np.zeros(n, dtype=np.int64)
    if history is not None:
        if as_of is None or as_of.tzinfo is None:
            raise ValidationError(field="as_of", rule="timezone_aware_datetime")
        for column in ("customer_id", "contacted_at"):
            if column not in history.columns:
                raise ValidationError(field=f"history.{column}", rule="required_column")
        when = pd.to_datetime(history["contacted_at"], utc=True)
        recent = history.loc[(when > as_of - timedelta(days=cap.window_days)) & (when <= as_of)]
        counts = recent.groupby("customer_id").size()
        found = customers["customer_id"].map(counts).fillna(0)
        return np.asarray(found.to_numpy(), dtype=np.int64)
    if "recent_contacts" in customers.columns:
        values = pd.to_numeric(customers["recent_contacts"], errors="coerce")
        if values.isna().any() or (values < 0).any():
            raise ValidationError(field="customers.recent_contacts", rule="non_negative_count")
        return np.asarray(values.to_numpy(), dtype=np.int64)
    raise ValidationError(field="history", rule="required_for_the_contact_cap")


def _ids(customers: pd.DataFrame) -> np.ndarray:
    if "customer_id" not in customers.columns:
        raise ValidationError(field="customers.customer_id", rule="required_column")
    ids = customers["customer_id"]
    if ids.isna().any():
        raise ValidationError(field="customers.customer_id", rule="no_missing_ids")
    if not ids.is_unique:
        raise ValidationError(field="customers.customer_id", rule="unique")
    return np.asarray(ids.astype(str).to_numpy(), dtype=object)


def _choose(allowed_gain: np.ndarray, cost: np.ndarray, lam: float) -> np.ndarray:
    """Per customer the offer maximising gain − (1 + λ) cost, if positive (else -1);
    ``allowed_gain`` is -inf where an offer is not allowed."""
    if allowed_gain.shape[1] == 0:
        return np.full(len(allowed_gain), -1, dtype=np.int64)
    columns = allowed_gain.T if allowed_gain.flags.f_contiguous else allowed_gain.T.copy()
    return _choose_columns(columns, cost, lam)


def _choose_columns(columns: np.ndarray, cost: np.ndarray, lam: float) -> np.ndarray:
    """:func:`_choose` on the transposed gains (offers × customers): one pass per offer over
    contiguous memory instead of an argmax along a short axis (the bisection's hot loop). A
    strict ``>`` keeps the first offer of a tie, as ``argmax`` does."""
    top = columns[0] - (1.0 + lam) * cost[0]
    best = np.zeros(columns.shape[1], dtype=np.int64)
    for k in range(1, len(columns)):
        adjusted = columns[k] - (1.0 + lam) * cost[k]
        better = adjusted > top
        top = np.where(better, adjusted, top)
        best[better] = k
    return np.where(top > 0, best, -1)


def _spend(choice: np.ndarray, cost_minor: np.ndarray) -> int:
    chosen = choice[choice >= 0]
    return int(cost_minor[chosen].sum())


def allocate(
    net: np.ndarray, gain: np.ndarray, cost_minor: np.ndarray, remaining: int
) -> np.ndarray:
    """The offer index per customer (-1 none) within ``remaining`` minor units."""
    cost = cost_minor / 100.0
    allowed_gain = np.where(np.isfinite(net), gain, -np.inf)
    choice = _choose(allowed_gain, cost, 0.0)
    if _spend(choice, cost_minor) <= remaining:
        return choice
    # a customer with nothing positive at λ = 0 has nothing positive at any λ ≥ 0 (costs are
    # not negative): the bisection searches over the others only, with the same choices
    rows = np.flatnonzero(choice >= 0)
    some = np.ascontiguousarray(allowed_gain[rows].T)
    low, high = 0.0, 1.0
    while _spend(_choose_columns(some, cost, high), cost_minor) > remaining and high < 1e12:
        low, high = high, high * 4
    for _ in range(BISECTIONS):
        if high - low <= 1e-9 * max(high, 1.0):
            break
        middle = (low + high) / 2
        if _spend(_choose_columns(some, cost, middle), cost_minor) > remaining:
            low = middle
        else:
            high = middle
    choice = np.full(len(net), -1, dtype=np.int64)
    choice[rows] = _choose_columns(some, cost, high)
    left = remaining - _spend(choice, cost_minor)
    if left < 0:  # cannot happen (high is always feasible); refuse rather than overspend
        return np.full(len(net), -1, dtype=np.int64)
    return _fill(choice, net, cost_minor, left)


def _fill(choice: np.ndarray, net: np.ndarray, cost_minor: np.ndarray, left: int) -> np.ndarray:
    """Spend what bisection left on unchosen customers, best value per cost first."""
    free = np.flatnonzero(choice < 0)
    if len(free) == 0 or left <= 0:
        return choice
    sub = net[free]
    best = np.argmax(sub, axis=1)
    value = sub[np.arange(len(free)), best]
    price = cost_minor[best]
    ok = (value > 0) & (price <= left)
    free, best, value, price = free[ok], best[ok], value[ok], price[ok]
    order = np.argsort(-(value / np.maximum(price, 1)), kind="stable")
    within = np.cumsum(price[order]) <= left
    out = choice.copy()
    out[free[order][within]] = best[order][within]
    return out


def in_control(campaign: Campaign, ids: np.ndarray) -> np.ndarray:
    """The seeded hash draw of the control group (uniform in [0, 1) per customer id)."""
    if campaign.control_share == 0 or len(ids) == 0:
        return np.zeros(len(ids), dtype=bool)
    # the hash key (16 characters) is the campaign's own: another campaign or seed draws anew
    key = hashlib.sha256(f"{campaign.id}\x1f{campaign.seed}".encode()).hexdigest()[:16]
    hashed = pd.util.hash_pandas_object(pd.Series(ids, dtype=object), index=False,
                                        hash_key=key).to_numpy()  # fmt: skip
    uniform = (hashed >> np.uint64(11)).astype(np.float64) / float(2**53)
    return np.asarray(uniform < campaign.control_share, dtype=bool)


def arbitrate(
    campaign: Campaign | dict[str, Any],
    customers: pd.DataFrame,
    uplift: Any,
    *,
    history: pd.DataFrame | None = None,
    as_of: datetime | None = None,
    spent: Decimal = Decimal(0),
) -> tuple[Campaign, Arbitration]:
    """The decisions of steps 1-5 as arrays (the one path every selection goes through)."""
    campaign = validated(campaign)
    if not isinstance(customers, pd.DataFrame):
        raise ValidationError(field="customers", rule="a_table")
    if not isinstance(spent, Decimal | int) or spent < 0:
        raise ValidationError(field="spent", rule="non_negative_decimal")
    ids = _ids(customers)
    check_columns(campaign, customers.columns)
    opted_out = _consent(customers)
    contacts = contact_counts(campaign, customers, history, as_of)
    cap = campaign.contact_cap
    capped = ~opted_out & (contacts >= cap.max_contacts if cap else np.zeros(len(ids), bool))
    matrix = _uplift_matrix(campaign, customers, uplift)
    value = np.array([float(o.value) for o in campaign.offers])
    cost_minor = np.array([_minor(o.cost) for o in campaign.offers], dtype=np.int64)
    gain = matrix * value
    net = gain - cost_minor / 100.0
    first_failing, eligible_counts = [], []
    for k, offer in enumerate(campaign.offers):
        ok_e, fail_e = failing_rule(offer.eligibility, customers, f"offers.{k}.eligibility")
        ok_s, fail_s = failing_rule(offer.suitability, customers, f"offers.{k}.suitability")
        allowed = ok_e & ok_s & ~opted_out & ~capped
        # eligibility rules are numbered first, then suitability (the reason names the rule)
        first_failing.append(np.where(fail_e >= 0, fail_e, np.where(fail_s >= 0,
                                      fail_s + len(offer.eligibility), -1)))  # fmt: skip
        eligible_counts.append(int(allowed.sum()))
        net[~allowed, k] = -np.inf
    remaining = _minor(campaign.budget) - _minor(Decimal(spent))
    choice = allocate(net, gain, cost_minor, max(remaining, 0))
    unconstrained = _choose(np.where(np.isfinite(net), gain, -np.inf), cost_minor / 100.0, 0.0)
    control = in_control(campaign, ids) & (choice >= 0)
    spend = int(cost_minor[choice[(choice >= 0) & ~control]].sum())
    return campaign, Arbitration(
        ids=ids,
        opted_out=opted_out,
        capped=capped,
        contacts=contacts,
        uplift=matrix,
        net=net,
        first_failing=first_failing,
        choice=choice,
        control=control,
        budget_cut=(choice < 0) & (unconstrained >= 0),
        spend_minor=spend,
        remaining_minor=remaining,
        eligible_counts=eligible_counts,
        id_column=customers["customer_id"].astype(str).array,
    )


@dataclass(frozen=True)
class Selection:
    """A campaign's selection: ``table`` (one row per customer: ``customer_id``, ``outcome``
    — offer, control, no_offer or excluded —, ``offer``, ``uplift``, ``expected_value`` (uplift
    × value − cost of that offer), ``cost``, ``reason_code``, ``reason_zh``, ``reason_en``) and
    ``summary`` (counts, spend against budget, offers no customer was eligible for)."""

    campaign: Campaign
    table: pd.DataFrame
    summary: dict[str, Any]

    def offered(self) -> pd.DataFrame:
        """The customers to contact, best expected value first."""
        rows = self.table[self.table["outcome"] == "offer"]
        return rows.sort_values("expected_value", ascending=False, kind="stable")


def select(
    campaign: Campaign | dict[str, Any],
    customers: pd.DataFrame,
    uplift: Any,
    *,
    history: pd.DataFrame | None = None,
    as_of: datetime | None = None,
    spent: Decimal = Decimal(0),
) -> Selection:
    """Choose for each customer the best offer or none (module doc: the steps and their
    order). ``customers``: ``customer_id`` (unique), ``opted_out`` (bool; missing counts as
    opted out), the columns the rules name, and ``recent_contacts`` when the campaign caps
    contacts and no ``history`` is given. ``uplift``: a fitted uplift model knowing every
    offer's treatment label, a table with a column per label, or an array (customers ×
    offers, in the campaign's order). ``spent``: budget already used (an ongoing campaign)."""
    from finbrain.marketing._table import summary, table

    campaign, result = arbitrate(campaign, customers, uplift, history=history, as_of=as_of,
                                 spent=spent)  # fmt: skip
    return Selection(campaign, table(campaign, result), summary(campaign, result))
