"""Arbitration: opted-out customers are never selected on any path, the budget is never
exceeded, and campaigns are validated with the field and the rule named."""

from __future__ import annotations

import copy
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finbrain.core.errors import ValidationError
from finbrain.marketing import decide, parse_campaign, select, violations


def _plain(record: dict) -> dict:  # type: ignore[type-arg]
    return {k: (v.item() if hasattr(v, "item") else str(v) if k == "segment" else v)
            for k, v in record.items()}  # fmt: skip


def _opted_out_best(sim):  # type: ignore[no-untyped-def]
    """The simulation with the customers of highest true uplift opted out."""
    customers = sim.customers.copy()
    top = np.argsort(-sim.true_uplift.max(axis=1))[:300]
    consent = customers["opted_out"].astype("boolean")
    consent.iloc[top] = True
    consent.iloc[top[:20]] = pd.NA  # unknown consent counts as opted out
    customers["opted_out"] = consent
    return customers, top


@pytest.mark.parametrize("control_share", [0.0, 0.1, 0.5])
@pytest.mark.parametrize("source", ["array", "frame", "model"])
def test_opted_out_customers_are_never_selected(sim, tlearner, source, control_share) -> None:  # type: ignore[no-untyped-def]
    customers, top = _opted_out_best(sim)
    definition = {**copy.deepcopy(sim.definition), "control_share": control_share,
                  "budget": "1000000"}  # fmt: skip
    uplift = {"array": sim.true_uplift,
              "frame": pd.DataFrame(sim.true_uplift, columns=list(sim.offers)),
              "model": tlearner}[source]  # fmt: skip
    chosen = select(definition, customers, uplift)
    ids = set(customers["customer_id"].iloc[top])
    picked = chosen.table[chosen.table["outcome"].isin(["offer", "control"])]
    assert not ids & set(picked["customer_id"])
    assert len(picked) > 0
    out = chosen.table.set_index("customer_id").loc[list(ids)]
    assert (out["outcome"] == "excluded").all() and (out["reason_code"] == "MK-OPTED-OUT").all()
    contacts = customers["recent_contacts"].to_numpy()
    assert violations(chosen, customers, contacts) == {
        "consent": 0, "contact_cap": 0, "eligibility": 0, "budget": 0}  # fmt: skip


def test_opted_out_customer_online_is_excluded_even_with_the_best_uplift(sim, tlearner) -> None:  # type: ignore[no-untyped-def]
    customers, top = _opted_out_best(sim)
    for i in top[:25]:
        record = _plain(customers.iloc[i].to_dict())
        customer_id = record.pop("customer_id")
        best = dict.fromkeys(sim.offers, 1.0)
        for uplift in (best, tlearner):
            decision = decide(sim.definition, record, uplift, customer_id=customer_id)
            assert decision.outcome == "excluded"
            assert decision.reasons[0].code == "MK-OPTED-OUT"
            assert decision.capability == "marketing" and decision.tenant_id == ""


def test_online_and_batch_agree(sim) -> None:  # type: ignore[no-untyped-def]
    definition = {**sim.definition, "control_share": 0.3, "budget": "1000000"}
    batch = select(definition, sim.customers, sim.true_uplift).table
    for i in range(40):
        record = _plain(sim.customers.iloc[i].to_dict())
        customer_id = record.pop("customer_id")
        uplift = dict(zip(sim.offers, sim.true_uplift[i], strict=True))
        decision = decide(definition, record, uplift, customer_id=customer_id)
        assert decision.outcome == batch["outcome"].iloc[i]
        assert decision.reasons[0].code == batch["reason_code"].iloc[i]
        assert decision.reasons[0].text.en == batch["reason_en"].iloc[i]


@settings(max_examples=40, deadline=None)
@given(budget=st.integers(1, 400_00), seed=st.integers(0, 1000), share=st.sampled_from([0, 0.2]))
def test_the_budget_is_never_exceeded(sim, budget, seed, share) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    uplift = np.clip(rng.normal(0.05, 0.08, sim.true_uplift.shape), -1, 1)
    definition = {**sim.definition, "budget": str(Decimal(budget) / 100), "control_share": share}
    chosen = select(definition, sim.customers, uplift)
    spend = sum(Decimal(str(c)) for c in chosen.table["cost"])
    assert spend == chosen.summary["spend"] <= Decimal(budget) / 100
    assert (
        violations(chosen, sim.customers, sim.customers["recent_contacts"].to_numpy())["budget"]
        == 0
    )
    with_spent = select(definition, sim.customers, uplift, spent=Decimal(budget) / 200)
    assert with_spent.summary["spend"] <= Decimal(budget) / 200 + Decimal("0.01")


def test_selection_beats_top_propensity_and_uses_the_budget(sim) -> None:  # type: ignore[no-untyped-def]
    chosen = select({**sim.definition, "control_share": 0.0}, sim.customers, sim.true_uplift)
    offered = chosen.table["outcome"] == "offer"
    index = [sim.offers.index(o) for o in chosen.table.loc[offered, "offer"]]
    ours = sim.true_uplift[np.flatnonzero(offered), index].sum()
    # top propensity: the same number of allowed customers by base response, cheapest offer
    allowed = ~sim.customers["opted_out"].to_numpy() & (sim.customers["recent_contacts"] < 3)
    ranked = np.flatnonzero(allowed)[np.argsort(-sim.base[allowed])][: int(offered.sum())]
    assert ours > sim.true_uplift[ranked, 0].sum()
    assert chosen.summary["spend"] > Decimal(sim.definition["budget"]) * Decimal("0.95")


def test_control_group_is_seeded_stable_and_of_the_stated_share(sim) -> None:  # type: ignore[no-untyped-def]
    definition = {**sim.definition, "control_share": 0.25, "budget": "1000000"}
    a = select(definition, sim.customers, sim.true_uplift).table
    shuffled = sim.customers.sample(frac=1.0, random_state=1)
    b = select(definition, shuffled, sim.true_uplift[shuffled.index.to_numpy()]).table
    a_control = set(a.loc[a["outcome"] == "control", "customer_id"])
    assert a_control == set(b.loc[b["outcome"] == "control", "customer_id"])
    picked = a["outcome"].isin(["offer", "control"]).sum()
    assert len(a_control) / picked == pytest.approx(0.25, abs=0.04)
    other = select({**definition, "seed": 1}, sim.customers, sim.true_uplift).table
    assert a_control != set(other.loc[other["outcome"] == "control", "customer_id"])


def test_contact_cap_from_history(sim) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 3, 1, tzinfo=UTC)
    first = sim.customers["customer_id"].iloc[:10]
    history = pd.DataFrame({"customer_id": list(first) * 3,
                            "contacted_at": [now - timedelta(days=d) for d in (1, 5, 20)
                                             for _ in range(10)]})  # fmt: skip
    customers = sim.customers.drop(columns=["recent_contacts"])
    chosen = select({**sim.definition, "budget": "1000000"}, customers, sim.true_uplift,
                    history=history, as_of=now).table  # fmt: skip
    assert (chosen["reason_code"].iloc[:10].astype(str) == "MK-CAP-REACHED").all()
    assert not (chosen["reason_code"].iloc[10:].astype(str) == "MK-CAP-REACHED").any()
    with pytest.raises(ValidationError) as err:
        select(sim.definition, customers, sim.true_uplift)
    assert err.value.field == "history"


def test_offer_without_eligible_customers_and_empty_customers(sim) -> None:  # type: ignore[no-untyped-def]
    definition = copy.deepcopy(sim.definition)
    definition["offers"][1]["eligibility"] = [{"column": "risk", "op": "gt", "value": 9}]
    chosen = select(definition, sim.customers, sim.true_uplift)
    assert chosen.summary["offers_without_eligible"] == [sim.offers[1]]
    assert not (chosen.table["offer"] == sim.offers[1]).any()
    empty = select(sim.definition, sim.customers.head(0), np.zeros((0, len(sim.offers))))
    assert len(empty.table) == 0 and empty.summary["spend"] == 0


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"offers": []}, "offers", "too_short"),
        ({"budget": "0"}, "budget", "positive_budget"),
        ({"budget": 100.5}, "budget", "value_error"),
        ({"control_share": 0.9}, "control_share", "less_than_equal"),
        ({"offers": [{"code": "a", "name": {"zh": "甲", "en": "A"}, "value": "1", "cost": "-1"}]},
         "offers.0.cost", "greater_than_equal"),
        ({"offers": [{"code": "a", "name": {"zh": "甲", "en": "A"}, "value": "1", "cost": "1",
                      "eligibility": [{"column": "age", "op": "in", "value": 3}]}]},
         "offers.0.eligibility.0", "value_error"),
    ],
)  # fmt: skip
def test_campaign_errors_name_field_and_rule(sim, change, field, rule) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as err:
        parse_campaign({**sim.definition, **change})
    assert (err.value.field, err.value.rule) == (field, rule)


def test_input_errors_name_the_column(sim) -> None:  # type: ignore[no-untyped-def]
    definition = copy.deepcopy(sim.definition)
    definition["offers"][0]["eligibility"] = [{"column": "income", "op": "gt", "value": 1}]
    with pytest.raises(ValidationError) as err:
        select(definition, sim.customers, sim.true_uplift)
    assert (err.value.field, err.value.rule) == ("offers.0.eligibility.0.column", "known_column")
    for drop, field in (
        ("opted_out", "customers.opted_out"),
        ("customer_id", "customers.customer_id"),
    ):
        with pytest.raises(ValidationError) as err:
            select(sim.definition, sim.customers.drop(columns=[drop]), sim.true_uplift)
        assert err.value.field == field
    with pytest.raises(ValidationError) as err:
        select(sim.definition, sim.customers, sim.true_uplift[:, :2])
    assert err.value.field == "uplift"
