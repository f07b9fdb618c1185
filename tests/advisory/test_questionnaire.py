"""The risk questionnaire: scoring by dimension, the more conservative wins, knock-outs, caps,
contradictions, expiry, and refused input naming the question and the rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finbrain.advisory import RiskCategory, available_questionnaires, load_questionnaire
from finbrain.advisory.questionnaire import Questionnaire
from finbrain.core.errors import NotFoundError, ValidationError

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
BALANCED = {
    "age": "31_50", "income": "300k_1m", "investable_share": "10_25", "debt": "lt_25",
    "horizon": "3_5", "reserve": "6_12m", "experience": "funds", "knowledge": "good",
    "objective": "growth", "loss_tolerance": "15_30", "drawdown_reaction": "hold",
    "products": ["mixed", "equity"],
}  # fmt: skip


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return load_questionnaire("cn-retail", "2026.1")


def answers(**changes: object) -> dict[str, object]:
    return {**BALANCED, **changes}


def test_the_shipped_questionnaire_is_listed_and_bilingual(questionnaire: Questionnaire) -> None:
    assert ("cn-retail", "2026.1") in available_questionnaires()
    for question in questionnaire.questions:
        assert question.text.zh and question.text.en
        assert all(o.text.zh and o.text.en for o in question.options)
    assert {q.dimension for q in questionnaire.questions} == {"capacity", "willingness"}
    assert len(questionnaire.digest) == 64


def test_a_balanced_client(questionnaire: Questionnaire) -> None:
    result = questionnaire.assess(BALANCED, at=AT)
    assert result.category == RiskCategory.C4 and not result.lowest
    assert result.expires_at == AT + timedelta(days=365)
    assert result.is_current(AT + timedelta(days=364)) and not result.is_current(result.expires_at)
    assert result.facts["horizon_years"] == 3
    assert set(result.facts["interests"]) == {"mixed_fund", "equity_fund", "etf"}
    assert result.questionnaire_version == "2026.1"


def test_the_more_conservative_dimension_wins(questionnaire: Questionnaire) -> None:
    # a bold investor with little to lose: willingness high, capacity low
    bold_poor = answers(
        income="lt_100k",
        investable_share="25_50",
        debt="gt_50",
        horizon="1_3",
        reserve="lt_3m",
        experience="derivatives",
        knowledge="expert",
        objective="aggressive",
        loss_tolerance="gt_30",
        drawdown_reaction="buy_more",
        products=["derivatives"],
    )
    result = questionnaire.assess(bold_poor, at=AT)
    assert result.willingness == RiskCategory.C5
    assert result.capacity < result.willingness
    assert result.category == result.capacity and result.binding == "capacity"
    # a wealthy but timid one: the other way round
    timid_rich = answers(
        income="gt_1m",
        investable_share="lt_10",
        debt="none",
        horizon="gt_5",
        reserve="gt_12m",
        experience="wmp",
        knowledge="basic",
        objective="income",
        loss_tolerance="lt_5",
        drawdown_reaction="sell_all",
        products=["deposits", "fixed_income"],
    )
    result = questionnaire.assess(timid_rich, at=AT)
    assert result.capacity == RiskCategory.C5 and result.willingness <= RiskCategory.C2
    assert result.category == result.willingness and result.binding == "willingness"
    decision = result.to_decision("client-7")
    assert decision.reasons[0].code == "QN-BINDING-WILLINGNESS"
    assert "取较保守者" in decision.reasons[0].text.zh


def test_no_loss_at_all_is_the_lowest_category(questionnaire: Questionnaire) -> None:
    result = questionnaire.assess(
        answers(
            loss_tolerance="none",
            objective="preserve",
            drawdown_reaction="sell_all",
            products=["deposits"],
        ),
        at=AT,
    )
    assert result.lowest and result.category == RiskCategory.C1
    assert result.knockouts == ("loss_tolerance",)
    decision = result.to_decision("c1")
    assert decision.reasons[0].code == "QN-LOWEST" and decision.grade == "C1"


def test_a_minor_is_the_lowest_category(questionnaire: Questionnaire) -> None:
    result = questionnaire.assess(answers(age="under_18"), at=AT)
    assert result.lowest and result.category == RiskCategory.C1


def test_age_caps_capacity(questionnaire: Questionnaire) -> None:
    rich_old = answers(
        age="over_70",
        income="gt_1m",
        investable_share="lt_10",
        debt="none",
        horizon="gt_5",
        reserve="gt_12m",
    )
    result = questionnaire.assess(rich_old, at=AT)
    assert result.capacity == RiskCategory.C3 and "QN-CAP-AGE" in result.caps
    assert any(r.code == "QN-CAP" for r in result.to_decision("x").reasons)


def test_review_contradictions_are_recorded(questionnaire: Questionnaire) -> None:
    result = questionnaire.assess(answers(horizon="lt_1", objective="growth"), at=AT)
    assert result.needs_review
    assert [i.code for i in result.inconsistencies] == ["QN-IC-HORIZON-OBJECTIVE"]
    decision = result.to_decision("c-2")
    assert decision.outcome == "review"
    assert any(r.code == "QN-INCONSISTENT" and "复核" in r.text.zh for r in decision.reasons)


def test_reject_contradictions_name_both_questions(questionnaire: Questionnaire) -> None:
    with pytest.raises(ValidationError) as caught:
        questionnaire.assess(answers(loss_tolerance="lt_5", objective="aggressive"), at=AT)
    assert caught.value.field == "answers.loss_tolerance"
    assert caught.value.rule == "QN-IC-LOSS-OBJECTIVE"
    assert caught.value.params["conflicts_with"] == "answers.objective"


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"age": None}, "answers.age", "answered"),
        ({"products": []}, "answers.products", "answered"),
        ({"horizon": "forever"}, "answers.horizon", "one_of_options"),
        ({"age": ["31_50"]}, "answers.age", "single_choice"),
        ({"products": "equity"}, "answers.products", "one_or_more_options"),
        ({"products": ["equity", "equity"]}, "answers.products", "no_repeats"),
        ({"products": ["equity", 3]}, "answers.products", "one_of_options"),
        ({"favourite_colour": "blue"}, "answers.favourite_colour", "known_question"),
    ],
)
def test_bad_answers_name_the_question_and_the_rule(
    questionnaire: Questionnaire, change: dict[str, object], field: str, rule: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        questionnaire.assess(answers(**change), at=AT)
    assert (caught.value.field, caught.value.rule) == (field, rule)


def test_unanswered_lists_every_missing_question(questionnaire: Questionnaire) -> None:
    partial = {k: v for k, v in BALANCED.items() if k not in {"debt", "knowledge"}}
    with pytest.raises(ValidationError) as caught:
        questionnaire.assess(partial, at=AT)
    assert caught.value.field == "answers.debt"
    assert caught.value.params["missing"] == ["debt", "knowledge"]


def test_other_bad_input(questionnaire: Questionnaire) -> None:
    with pytest.raises(ValidationError, match="mapping"):
        questionnaire.assess(["31_50"], at=AT)  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as caught:
        questionnaire.assess(BALANCED, at=datetime(2026, 1, 1))  # naive
    assert caught.value.field == "at"
    result = questionnaire.assess(BALANCED, at=AT)
    with pytest.raises(ValidationError) as caught:
        result.to_decision("王小明 13800000000")  # a name is not a client reference
    assert caught.value.field == "client_id"
    with pytest.raises(NotFoundError):
        load_questionnaire("cn-retail", "1999.1")


def test_a_broken_questionnaire_is_refused_when_loaded(questionnaire: Questionnaire) -> None:
    data = json.loads(questionnaire.model_dump_json(by_alias=True))
    data["consistency"][0]["conflicts"]["question"] = "no_such_question"
    with pytest.raises(ValueError, match="no_such_question"):
        Questionnaire.model_validate(data)
    data = json.loads(questionnaire.model_dump_json(by_alias=True))
    data["bands"] = [20, 20, 60, 80]
    with pytest.raises(ValueError, match="bands"):
        Questionnaire.model_validate(data)


def test_a_new_version_has_a_new_digest(questionnaire: Questionnaire) -> None:
    data = json.loads(questionnaire.model_dump_json(by_alias=True))
    data["questions"][0]["options"][1]["points"] = 3
    changed = Questionnaire.model_validate(data)
    assert changed.digest != questionnaire.digest
    before = questionnaire.assess(BALANCED, at=AT).to_decision("c")
    after = changed.assess(BALANCED, at=AT).to_decision("c")
    assert before.model and after.model and before.model.digest != after.model.digest


def _valid_answers(q: Questionnaire) -> st.SearchStrategy[dict[str, object]]:
    parts: dict[str, st.SearchStrategy[object]] = {}
    for question in q.questions:
        ids = [o.id for o in question.options]
        if question.kind == "single":
            parts[question.id] = st.sampled_from(ids)
        else:
            parts[question.id] = st.lists(st.sampled_from(ids), min_size=1, unique=True)
    return st.fixed_dictionaries(parts)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_every_answer_set_is_scored_or_refused_with_a_rule(data: st.DataObject) -> None:
    q = load_questionnaire()
    chosen = data.draw(_valid_answers(q))
    try:
        result = q.assess(chosen, at=AT)
    except ValidationError as exc:
        assert exc.rule and exc.rule.startswith("QN-IC-") and exc.field
        return
    assert result.category == (
        RiskCategory.C1 if result.lowest else min(result.capacity, result.willingness)
    )
    assert 0 <= result.capacity_score <= 100 and 0 <= result.willingness_score <= 100
    if result.lowest:
        assert result.knockouts
