"""Suitability: the presets' checks, the mask, the optimiser's bounds, the "client insists"
flow and re-matching; a property test that no mask or bound ever breaks a rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finbrain.advisory.levels import RiskCategory
from finbrain.advisory.questionnaire import load_questionnaire
from finbrain.advisory.shelf import ProductKind, Shelf
from finbrain.advisory.suitability import ClientProfile, preset, presets
from finbrain.core.errors import NotFoundError, ValidationError

from .conftest import AT, demo_products, product
from .test_questionnaire import BALANCED

LATER = AT + timedelta(days=365)


def client(category: str = "C3", **more: object) -> ClientProfile:
    more.setdefault("expires_at", LATER)
    return ClientProfile("client-1", category, **more)  # type: ignore[arg-type]


def test_the_china_ladder(shelf: Shelf) -> None:
    rules = preset("cn")
    for k in range(1, 6):
        mask = rules.mask(client(f"C{k}"), shelf, at=AT)
        for p, ok in zip(shelf, mask, strict=True):
            assert ok == (p.kind is ProductKind.DEPOSIT or int(p.risk) <= k), (k, p.code)


def test_lowest_category_gets_r1_only_and_cannot_insist(shelf: Shelf) -> None:
    rules = preset("cn")
    lowest = client("C1", lowest=True)
    assert [
        p.code for p, ok in zip(shelf, rules.mask(lowest, shelf, at=AT), strict=True) if ok
    ] == ["DEP1Y", "MMF01"]
    decision = rules.insist(lowest, shelf["BOND1"], acknowledged=True, at=AT)
    assert decision.outcome == "block"
    assert decision.reasons[0].code == "SUIT-LOWEST"
    # MiFID II: execution on the client's own initiative, with the warning
    eu = preset("eu_mifid2").insist(lowest, shelf["BOND1"], acknowledged=True, at=AT)
    assert eu.outcome == "allow_with_warning"


def test_the_client_insists_with_a_recorded_warning(shelf: Shelf) -> None:
    rules = preset("cn")
    c3 = client("C3")
    with pytest.raises(ValidationError) as caught:
        rules.insist(c3, shelf["EQF01"], acknowledged=False, at=AT)
    assert (caught.value.field, caught.value.rule) == (
        "acknowledged",
        "warning_must_be_acknowledged",
    )
    decision = rules.insist(c3, shelf["EQF01"], acknowledged=True, at=AT)
    assert decision.outcome == "allow_with_warning"
    warning = decision.reasons[0]
    assert warning.code == "SUIT-INSIST-WARNING"
    assert "特别风险警示" in warning.text.zh and "R4" in warning.text.zh
    assert "insist" in warning.text.en
    assert decision.capability == "advisory" and decision.action == "insist"
    assert decision.tenant_id == "" and decision.receipt is None
    # a suitable product needs no warning
    assert rules.insist(c3, shelf["MIX02"], acknowledged=False, at=AT).outcome == "allow"


def test_the_gate_of_one_sale(shelf: Shelf) -> None:
    rules = preset("cn")
    c3 = client("C3")
    ok = rules.gate(c3, shelf["MIX02"], at=AT)
    assert (ok.capability, ok.action, ok.outcome) == ("advisory", "gate", "allow")
    warn = rules.gate(c3, shelf["EQF01"], at=AT)
    assert warn.outcome == "warn"
    assert [r.code for r in warn.reasons] == ["SUIT-ABOVE", "SUIT-INSIST-WARNING"]
    assert rules.gate(c3, replace(shelf["WMP3Y"], risk="R4"), at=AT).outcome == "block"
    risky = rules.gate(client("C5"), shelf["LEV2X"], at=AT)
    assert risky.outcome == "allow" and [r.code for r in risky.reasons] == [
        "SUIT-MATCH",
        "SUIT-HIGH-RISK",
    ]


def test_a_bank_wmp_above_the_level_is_never_sold(shelf: Shelf) -> None:
    decision = preset("cn").insist(client("C2"), shelf["WMP3Y"], acknowledged=True, at=AT)
    assert decision.outcome == "block"
    assert decision.reasons[0].code == "SUIT-ABOVE-NO-INSIST"


def test_an_expired_profile_suits_nothing_but_deposits(shelf: Shelf) -> None:
    old = client("C5", expires_at=AT - timedelta(days=1))
    for name in presets():
        mask = preset(name).mask(old, shelf, at=AT)
        assert [p.code for p, ok in zip(shelf, mask, strict=True) if ok] == ["DEP1Y"]
    check = preset("cn").check(old, shelf["BOND1"], at=AT)
    assert check.rule == "SUIT-PROFILE-EXPIRED" and not check.insist_allowed


def test_horizon_kind_and_complexity(shelf: Shelf) -> None:
    short = client("C5", horizon_years=0.5, interests=["bond_fund", "etf"], experience=1)
    cn = preset("cn")
    assert cn.check(short, shelf["MIX01"], at=AT).rule == "SUIT-HORIZON"  # 365-day lock-up
    assert cn.check(short, shelf["MIX02"], at=AT).rule == "SUIT-KIND"  # R3 mixed: not chosen
    assert cn.check(short, shelf["BOND2"], at=AT).eligible  # R2: below the kind check
    assert cn.check(short, shelf["LEV2X"], at=AT).special_care  # China: R5 needs special care
    assert preset("eu_mifid2").check(short, shelf["LEV2X"], at=AT).rule == "SUIT-COMPLEX"
    assert (
        preset("us_reg_bi").check(client("C5", experience=2), shelf["LEV2X"], at=AT).rule
        == "SUIT-COMPLEX"
    )


def test_rematch_after_the_profile_changes(shelf: Shelf) -> None:
    was = client("C4")
    now = client("C2")
    held = ["BOND1", "MIX02", "EQF01"]
    assert preset("cn").rematch(was, held, shelf, at=AT) == []
    stale = preset("cn").rematch(now, held, shelf, at=AT)
    assert [c.product for c in stale] == ["MIX02", "EQF01"]
    assert all(c.reasons[0].code == "SUIT-REMATCH" for c in stale)


def test_constraints_and_verify(shelf: Shelf) -> None:
    rules = preset("cn", max_high_risk_weight=0.1, max_weight_per_product=0.3)
    c5 = client("C5")
    limits = rules.constraints(c5, shelf, at=AT)
    # the per-product cap binds all but the cash-like deposit and money fund
    assert limits.max_weights[2:].max() == 0.3 and limits.max_weights[:2].tolist() == [1, 1]
    assert [g.code for g in limits.groups] == ["SUIT-CAP-HIGH-RISK"]
    kwargs = limits.for_codes(["BOND1", "LEV2X"])
    assert kwargs["left_inequality"].tolist() == [[0.0, 1.0]]
    assert kwargs["right_inequality"].tolist() == [0.1]
    bad = rules.verify(c5, shelf, {"BOND1": 0.7, "LEV2X": 0.3}, at=AT)
    assert {v.code for v in bad} == {"SUIT-CAP-PRODUCT", "SUIT-CAP-HIGH-RISK"}
    fine = {"DEP1Y": 0.35, "BOND1": 0.3, "MIX02": 0.3, "LEV2X": 0.05}
    assert rules.verify(c5, shelf, fine, at=AT) == []
    c2 = rules.constraints(client("C2"), shelf, at=AT)
    with pytest.raises(ValidationError) as caught:
        c2.for_codes(["EQF01"])
    assert caught.value.field == "products.EQF01"


def test_a_bank_may_be_stricter_never_looser() -> None:
    assert preset("cn", ladder_offset=-1).ladder_offset == -1
    for loose in (
        {"lowest_may_insist": True},
        {"insist_excluded_kinds": frozenset()},
        {"horizon_check": False},
        {"exempt_kinds": frozenset({"wmp", "deposit"})},
    ):
        with pytest.raises(ValidationError) as caught:
            preset("cn", **loose)
        assert caught.value.rule == "no_looser_than_preset"
    with pytest.raises(ValidationError):
        preset("cn", ladder_offset=1)
    with pytest.raises(ValidationError):
        preset("cn", favourite="x")
    with pytest.raises(NotFoundError):
        preset("sg_mas")


def test_bad_profiles() -> None:
    with pytest.raises(ValidationError, match="lowest_category_is_C1"):
        ClientProfile("c", "C3", lowest=True)
    with pytest.raises(ValidationError, match="C1_to_C5"):
        ClientProfile("c", "C6")
    with pytest.raises(ValidationError, match="timezone"):
        ClientProfile("c", "C2", expires_at=datetime(2027, 1, 1))
    with pytest.raises(ValidationError, match="client_id"):
        ClientProfile("", "C2")


def test_a_profile_round_trips_through_json() -> None:
    import json

    assessment = load_questionnaire().assess(BALANCED, at=AT)
    profile = ClientProfile.from_assessment("c-9", assessment)
    again = ClientProfile.from_json(json.loads(json.dumps(profile.to_json())))
    assert again == profile
    with pytest.raises(ValidationError) as caught:
        ClientProfile.from_json({**profile.to_json(), "name": "王小明"})
    assert caught.value.field == "profile.name"
    with pytest.raises(ValidationError) as caught:
        ClientProfile.from_json({**profile.to_json(), "expires_at": "tomorrow"})
    assert caught.value.field == "profile.expires_at"
    with pytest.raises(ValidationError):
        ClientProfile.from_json({"category": "C3"})


def test_a_profile_from_the_questionnaire(shelf: Shelf) -> None:
    assessment = load_questionnaire().assess(BALANCED, at=AT)
    profile = ClientProfile.from_assessment("c-9", assessment)
    assert profile.category == RiskCategory.C4 and profile.horizon_years == 3
    mask = preset("cn").mask(profile, shelf, at=AT)
    assert mask[shelf.index_of("EQF01")] and not mask[shelf.index_of("LEV2X")]
    assert not preset("cn").mask(profile, shelf, at=assessment.expires_at)[1:].any()


# -- property: no mask, bound or verification ever lets an unsuitable product through -------

KINDS = [k.value for k in ProductKind]


@st.composite
def shelves(draw: st.DrawFn) -> Shelf:
    n = draw(st.integers(1, 12))
    items = []
    for i in range(n):
        items.append(
            product(
                f"P{i}",
                draw(st.sampled_from(KINDS)),
                f"R{draw(st.integers(1, 5))}",
                lock_up_days=draw(st.sampled_from([0, 7, 90, 365, 1095, 2000])),
                complex=draw(st.booleans()),
                high_risk=draw(st.booleans()),
            )
        )
    return Shelf(items)


@st.composite
def clients(draw: st.DrawFn) -> ClientProfile:
    lowest = draw(st.booleans())
    category = 1 if lowest else draw(st.integers(1, 5))
    interests = draw(st.none() | st.frozensets(st.sampled_from(KINDS)))
    return ClientProfile(
        f"c{draw(st.integers(0, 99))}",
        RiskCategory(category),
        lowest=lowest,
        expires_at=AT + timedelta(days=draw(st.integers(-30, 400))),
        horizon_years=draw(st.none() | st.sampled_from([0.5, 1, 3, 5])),
        experience=draw(st.none() | st.integers(0, 4)),
        interests=interests,
    )


@settings(max_examples=150, deadline=None)
@given(
    shelf=shelves(),
    people=st.lists(clients(), min_size=1, max_size=8),
    name=st.sampled_from(["cn", "eu_mifid2", "us_reg_bi"]),
    data=st.data(),
)
def test_no_mask_ever_breaks_a_suitability_rule(
    shelf: Shelf, people: list[ClientProfile], name: str, data: st.DataObject
) -> None:
    rules = preset(name)
    matrix = rules.mask_matrix(people, shelf, at=AT)
    for row, person in zip(matrix, people, strict=True):
        checks = rules.checks(person, shelf, at=AT)
        assert row.tolist() == [c.eligible for c in checks]  # one rule set, two paths
        for c in checks:  # every reason's placeholders filled, in both languages
            assert all("{" not in r.text.zh + r.text.en for r in c.reasons), c
        for ok, p in zip(row, shelf, strict=True):
            if not ok or p.kind.value in rules.exempt_kinds:
                continue
            assert int(p.risk) <= int(person.category)  # Ck gets Rj only when j <= k
            assert not person.lowest or int(p.risk) == 1
            assert person.is_current(AT)
            assert person.horizon_years is None or p.lock_up_years <= person.horizon_years
        limits = rules.constraints(person, shelf, at=AT)
        assert not limits.max_weights[~limits.eligible].any()
        # any weight vector: verify() flags every unit put in an ineligible product
        raw = data.draw(st.lists(st.floats(0, 1), min_size=len(shelf), max_size=len(shelf)))
        w = np.array(raw)
        flagged = {v.product for v in rules.verify(person, shelf, w, at=AT)}
        for i, c in enumerate(checks):
            if w[i] > 1e-9 and not c.eligible:
                assert c.product in flagged


def test_the_mask_is_fast_for_many_clients(shelf: Shelf) -> None:
    import time

    people = [client(f"C{1 + i % 5}", horizon_years=[0.5, 1, 3, 5][i % 4]) for i in range(10_000)]
    start = time.perf_counter()
    matrix = preset("cn").mask_matrix(people, Shelf(demo_products()), at=AT)
    assert time.perf_counter() - start < 3.0  # measured 0.05-0.5 s
    assert matrix.shape == (10_000, len(shelf))
