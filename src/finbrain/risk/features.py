"""The default card-fraud feature set, on the fields the Fraud Detection Handbook data has.

It follows the handbook's feature engineering (Le Borgne et al., ch. 3.4): the customer's
spending profile (count and average amount over 1, 7 and 30 days), extended with 1-hour windows,
sums and maxima; distinct terminals per customer; terminal activity; and the terminal risk — the
share of a terminal's transactions later labelled fraud — read through a 7-day label delay,
because investigators confirm fraud about a week after it happens. Derived features compare the
amount with the customer's own history and add time-of-day flags (handbook: night = 00:00-06:59).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from finbrain.risk.windows import FeatureSet

__all__ = ["LABEL_DELAY", "default_feature_set", "default_feature_spec"]

LABEL_DELAY = timedelta(days=7)
_SPANS = ("1h", "1d", "7d", "30d")
_RISK_SPANS = ("1d", "7d", "30d")


def default_feature_spec() -> dict[str, Any]:
    """The default set as plain data (what a bank would keep in JSON/YAML and edit)."""
    cust = ["customer_id"]
    windows: list[dict[str, Any]] = []
    for span in _SPANS:
        windows.append({"name": f"cust_count_{span}", "key": cust, "agg": "count", "span": span})
    for agg in ("sum", "avg", "max"):
        for span in _SPANS:
            windows.append(
                {
                    "name": f"cust_{agg}_amount_{span}",
                    "key": cust,
                    "agg": agg,
                    "field": "amount",
                    "span": span,
                }
            )
    # Card velocity: bursts of tests on a leaked card happen within minutes.
    windows.append({"name": "card_count_10m", "key": ["card_id"], "agg": "count", "span": "10m"})
    for span in ("1d", "7d"):
        windows.append(
            {
                "name": f"cust_terminals_{span}",
                "key": cust,
                "agg": "distinct",
                "field": "terminal_id",
                "span": span,
            }
        )
    for span in _RISK_SPANS:
        windows.append(
            {"name": f"term_count_{span}", "key": ["terminal_id"], "agg": "count", "span": span}
        )
    delay = f"{LABEL_DELAY.days}d"
    for span in _RISK_SPANS:
        base = {"key": ["terminal_id"], "span": span, "delay": delay, "label": True}
        windows.append({"name": f"term_frauds_{span}", "agg": "count", **base})
        # Handbook: risk is 0 when the delayed window has no transactions.
        windows.append({"name": f"term_risk_{span}", "agg": "avg", "fill": 0.0, **base})
    windows.append(
        {
            "name": "cust_term_count_30d",
            "key": ["customer_id", "terminal_id"],
            "agg": "count",
            "span": "30d",
        }
    )
    derived: list[dict[str, Any]] = [
        {
            "name": "amount_to_cust_avg_30d",
            "op": "ratio",
            "args": ["amount", "cust_avg_amount_30d"],
        },
        {"name": "amount_over_cust_max_7d", "op": "diff", "args": ["amount", "cust_max_amount_7d"]},
        {"name": "secs_since_cust_prev", "op": "since_prev", "args": ["customer_id"]},
        {"name": "hour", "op": "hour"},
        {"name": "is_night", "op": "night"},
        {"name": "is_weekend", "op": "weekend"},
    ]
    return {"windows": windows, "derived": derived}


def default_feature_set() -> FeatureSet:
    """29 windows and 6 derived features (35 columns); see the module docstring."""
    return FeatureSet.from_dict(default_feature_spec())


# Beyond the default set: the customer's *usual* spending (60 days ending 14 days ago, so a
# leaked card's two weeks of inflated amounts do not contaminate it) and today's amounts against
# it; 14-day customer averages and maxima; the terminal's confirmed frauds over 14 days.
_EXTRA_WINDOWS: tuple[dict[str, Any], ...] = (
    {
        "name": "cust_avg_amount_60d_d14",
        "key": ["customer_id"],
        "agg": "avg",
        "field": "amount",
        "span": "60d",
        "delay": "14d",
    },
    {
        "name": "cust_avg_amount_14d",
        "key": ["customer_id"],
        "agg": "avg",
        "field": "amount",
        "span": "14d",
    },
    {
        "name": "cust_max_amount_14d",
        "key": ["customer_id"],
        "agg": "max",
        "field": "amount",
        "span": "14d",
    },
    {
        "name": "term_frauds_14d",
        "key": ["terminal_id"],
        "agg": "count",
        "span": "14d",
        "delay": "7d",
        "label": True,
    },
    {
        "name": "term_risk_14d",
        "key": ["terminal_id"],
        "agg": "avg",
        "span": "14d",
        "delay": "7d",
        "label": True,
        "fill": 0.0,
    },
)
_USUAL = "cust_avg_amount_60d_d14"
_EXTRA_DERIVED: tuple[dict[str, Any], ...] = (
    {"name": "amount_to_cust_avg_60d_d14", "op": "ratio", "args": ["amount", _USUAL]},
    {"name": "cust_avg_1d_to_avg_60d_d14", "op": "ratio", "args": ["cust_avg_amount_1d", _USUAL]},
    {"name": "cust_avg_7d_to_avg_60d_d14", "op": "ratio", "args": ["cust_avg_amount_7d", _USUAL]},
    {
        "name": "cust_avg_14d_to_avg_60d_d14",
        "op": "ratio",
        "args": ["cust_avg_amount_14d", _USUAL],
    },
    {
        "name": "cust_max_14d_to_avg_60d_d14",
        "op": "ratio",
        "args": ["cust_max_amount_14d", _USUAL],
    },
)


def extended_feature_spec() -> dict[str, Any]:
    """The default feature spec plus the windows and ratios above, as plain data."""
    spec = default_feature_spec()
    spec["windows"] = [*spec["windows"], *(dict(w) for w in _EXTRA_WINDOWS)]
    spec["derived"] = [*spec["derived"], *(dict(d) for d in _EXTRA_DERIVED)]
    return spec


def extended_feature_set() -> FeatureSet:
    """The feature set the risk model is trained on (45 columns)."""
    return FeatureSet.from_dict(extended_feature_spec())
