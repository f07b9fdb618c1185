"""The selection table's reasons, written for the whole column by Arrow, read exactly as each
customer's reason written one by one through the catalogue; numbers as Python formats them."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from finbrain.marketing import select
from finbrain.marketing._table import _fixed, _rule_detail
from finbrain.marketing.arbitration import _choose, arbitrate
from finbrain.marketing.reasons import text

EDGES = [0.0, -0.0, 0.005, 0.015, 0.125, -0.125, 2.675, -0.004, 1e-9, -1e-9, 0.00005, 1e12, -7.5]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(EDGES), st.floats(-1e3, 1e3)), max_size=40))
def test_fixed_point_text_is_pythons(values: list[float]) -> None:
    x = np.array(values, dtype=float)
    assert _fixed(x).to_pylist() == [f"{v:.2f}" for v in values]
    assert _fixed(x, percent=True).to_pylist() == [f"{v:.2%}" for v in values]


def test_every_reason_reads_as_written_one_by_one(sim) -> None:  # type: ignore[no-untyped-def]
    customers = sim.customers.copy()
    customers.loc[customers.index[:30], "risk"] = np.nan  # no eligible offer
    customers.index = customers.index + 1000  # the table must not align on the index
    definition = {**sim.definition, "budget": "300"}  # some budget-exhausted customers
    rng = np.random.default_rng(3)
    uplift = sim.true_uplift + rng.normal(0, 0.03, sim.true_uplift.shape)  # some not positive
    chosen = select(definition, customers, np.clip(uplift, -1, 1)).table
    campaign, result = arbitrate(definition, customers, np.clip(uplift, -1, 1))
    assert chosen["reason_code"].nunique() == 7
    assert list(chosen["customer_id"]) == list(customers["customer_id"])
    assert chosen["reason_zh"].dtype == pd.Series(["a"]).dtype  # pandas' own text dtype
    names = {o.code: o.name for o in campaign.offers}
    offers = {o.code: o for o in campaign.offers}
    details = {lang: _rule_detail(campaign, result, lang) for lang in ("zh", "en")}
    cap = campaign.contact_cap
    assert cap is not None
    for i, r in enumerate(chosen.itertuples(index=False)):
        best = r.offer if isinstance(r.offer, str) else campaign.offers[0].code
        params = {
            "offer": names[best],
            "uplift": f"{np.nan_to_num(r.uplift):.2%}",
            "net": f"{np.nan_to_num(r.expected_value):.2f}",
            "value": f"{float(offers[best].value):.2f}",
            "cost": f"{float(offers[best].cost):.2f}",
            "contacts": str(result.contacts[i]),
            "share": f"{campaign.control_share:.0%}",
            "budget": f"{campaign.budget} {campaign.currency}",
            "window_days": str(cap.window_days),
            "max_contacts": str(cap.max_contacts),
            "detail": {"zh": details["zh"][i], "en": details["en"][i]},
        }
        written = text(r.reason_code, **params)
        assert (r.reason_zh, r.reason_en) == (written.zh, written.en), i


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from([-np.inf, -1.0, 0.0, 0.5, 1.0, 2.5]), min_size=3,
                         max_size=3), min_size=1, max_size=30),
       st.sampled_from([0.0, 0.3, 2.0]))  # fmt: skip
def test_offer_choice_by_columns_is_argmax(gains: list[list[float]], lam: float) -> None:
    g = np.array(gains)
    cost = np.array([0.0, 0.5, 1.0])
    adjusted = g - (1.0 + lam) * cost
    best = np.argmax(adjusted, axis=1)
    expected = np.where(adjusted[np.arange(len(g)), best] > 0, best, -1)
    assert np.array_equal(_choose(g, cost, lam), expected)
