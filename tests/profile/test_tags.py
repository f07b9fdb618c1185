"""Tags: definitions as data, validated with the field and the rule; evaluated over a frame
with SQL's three-valued logic for missing values; every tag that holds says why, in zh and en."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from finbrain.profile.errors import ProfileInputError
from finbrain.profile.expressions import parse_rule
from finbrain.profile.tags import default_tags, load_tags

NAME = {"zh": "测试", "en": "Test"}


def frame(**columns: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        columns, index=pd.Index(range(len(next(iter(columns.values())))), name="id")
    )


def rule_tag(rule: str, **extra: Any) -> dict[str, Any]:
    return {"id": "t", "kind": "rule", "name": NAME, "rule": rule, **extra}


def test_the_default_tags_load_and_name_their_features() -> None:
    tags = default_tags()
    assert tags.ids[:3] == ["high_spender", "digital_first", "dormant"]
    assert "monetary_365d" in tags.features and tags.models == {"churn"}
    for tag in tags.tags:
        assert tag.name.zh.strip() and tag.name.en.strip()


def test_evaluate_and_explain_a_customer() -> None:
    tags = load_tags([rule_tag("monetary_365d >= 20000 and share_digital_365d >= 0.6")])
    data = frame(monetary_365d=[25_000.5, 25_000.0, 10.0], share_digital_365d=[0.75, 0.5, 0.9])
    held = tags.evaluate(data)
    assert held["t"].tolist() == [True, False, False] and held.index.name == "id"
    [hit] = tags.explain({"monetary_365d": 25_000.5, "share_digital_365d": 0.75})
    assert hit.reason.en == (
        "Spend, last 365 days 25,000.50 ≥ 20,000; "
        "Digital share of transactions, last 365 days 0.75 ≥ 0.60"
    )
    assert hit.reason.zh.startswith("近365天消费金额 25,000.50 ≥ 20,000；")
    assert tags.explain({"monetary_365d": 10.0, "share_digital_365d": 0.9}) == []


def test_or_explains_the_branch_that_holds_and_arithmetic_shows_its_value() -> None:
    tags = load_tags([rule_tag("spend_travel_365d >= 0.2 * monetary_365d or frequency_30d > 100")])
    [hit] = tags.explain({"spend_travel_365d": 300.0, "monetary_365d": 1000.0, "frequency_30d": 3})
    assert (
        hit.reason.en == "Spend on travel, last 365 days 300 ≥ (0.20 × Spend, last 365 days) (200)"
    )


def test_missing_values_follow_three_valued_logic() -> None:
    data = frame(balance_slope_90d=[np.nan, np.nan, -30.0], frequency_90d=[0.0, 5.0, 5.0])
    cases = {
        "balance_slope_90d < -20": [False, False, True],
        "not balance_slope_90d < -20": [False, False, False],
        "balance_slope_90d < -20 or frequency_90d == 0": [True, False, True],
        "balance_slope_90d < -20 and frequency_90d == 0": [False, False, False],
        "not (balance_slope_90d < -20 and frequency_90d == 0)": [False, True, True],
        "frequency_90d / 0 >= 0": [False, False, False],  # division by zero is missing
    }
    for rule, expected in cases.items():
        assert load_tags([rule_tag(rule)]).evaluate(data)["t"].tolist() == expected, rule


@given(
    a=st.floats(-1e6, 1e6) | st.just(float("nan")),
    b=st.floats(-1e6, 1e6) | st.just(float("nan")),
)
def test_not_is_the_complement_where_known(a: float, b: float) -> None:
    known = {"monetary_365d", "frequency_365d"}
    columns = {"monetary_365d": np.array([a]), "frequency_365d": np.array([b])}
    rule = parse_rule("monetary_365d > frequency_365d", known)
    negation = parse_rule("not monetary_365d > frequency_365d", known)
    held, held_not = rule.evaluate(columns, 1)[0], negation.evaluate(columns, 1)[0]
    if np.isnan(a) or np.isnan(b):
        assert not held and not held_not
    else:
        assert held != held_not and held == (a > b)


def test_model_tags_use_the_scores() -> None:
    tags = default_tags().available(["frequency_90d"], ["churn"])
    assert tags.ids == ["dormant", "likely_churn"]
    data = frame(frequency_90d=[0.0, 3.0, 1.0])
    held = tags.evaluate(data, {"churn": [0.1, 0.5, np.nan]})
    assert held.to_dict("list") == {
        "dormant": [True, False, False],
        "likely_churn": [False, True, False],
    }
    hits = tags.explain({"frequency_90d": 3.0}, {"churn": 0.62})
    assert [h.id for h in hits] == ["likely_churn"]
    assert hits[0].reason.zh == "流失倾向 0.62 ≥ 阈值 0.50"
    assert hits[0].to_dict()["reason"]["en"] == "Churn propensity 0.62 ≥ threshold 0.50"


def test_an_empty_frame_gives_an_empty_table() -> None:
    held = default_tags().available(["frequency_90d"]).evaluate(frame(frequency_90d=[]))
    assert held.shape == (0, 1) and list(held.columns) == ["dormant"]


def test_what_evaluation_needs_is_named() -> None:
    tags = default_tags()
    with pytest.raises(ProfileInputError) as err:
        tags.evaluate(frame(frequency_90d=[1.0]))
    assert err.value.rule == "required_by_tag" and err.value.field.startswith("features.")
    churn = tags.available([], ["churn"])
    with pytest.raises(ProfileInputError) as err:
        churn.evaluate(frame(x=[1.0]))
    assert (err.value.field, err.value.rule) == ("scores.churn", "required_by_tag")
    with pytest.raises(ProfileInputError) as err:
        churn.evaluate(frame(x=[1.0, 2.0]), {"churn": [0.3]})
    assert err.value.rule == "one_score_per_customer"


BROKEN = [
    (rule_tag("monetary_365 >= 1"), "tags[0].rule", "known_feature"),
    (rule_tag("monetary_365d + 1"), "tags[0].rule", "boolean_rule"),
    (rule_tag("0 < monetary_365d < 5"), "tags[0].rule", "one_comparison"),
    (rule_tag("__import__('os').system('x')"), "tags[0].rule", "allowed_syntax"),
    (rule_tag("monetary_365d >= 'a lot'"), "tags[0].rule", "allowed_syntax"),
    (rule_tag("monetary_365d >="), "tags[0].rule", "syntax"),
    (rule_tag("not monetary_365d"), "tags[0].rule", "boolean_operands"),
    (rule_tag("(monetary_365d > 1) + 1 > 0"), "tags[0].rule", "numeric_operands"),
    (rule_tag(""), "tags[0].rule", "required"),
    (rule_tag("x" * 1001), "tags[0].rule", "max_length"),
    (rule_tag("monetary_365d > 1", threshold=0.5), "tags[0].threshold", "known_key"),
    ({"id": "Bad Id", "kind": "rule", "name": NAME, "rule": "frequency_30d > 1"}, "tags[0].id",
     "snake_case_1_to_64"),
    ({"id": "t", "kind": "score", "name": NAME}, "tags[0].kind", "rule_or_model"),
    ({"id": "t", "kind": "rule", "name": {"zh": "只有中文"}, "rule": "frequency_30d > 1"},
     "tags[0].name", "bilingual_text"),
    ({"id": "t", "kind": "model", "name": NAME, "model": "churn", "threshold": 1.5},
     "tags[0].threshold", "between_0_and_1"),
    ({"id": "t", "kind": "model", "name": NAME, "model": "churn", "threshold": True},
     "tags[0].threshold", "number"),
    ({"id": "t", "kind": "model", "name": NAME, "threshold": 0.5}, "tags[0].model",
     "snake_case_1_to_64"),
]  # fmt: skip


@pytest.mark.parametrize(("tag", "field", "rule"), BROKEN)
def test_a_wrong_tag_is_named(tag: dict[str, Any], field: str, rule: str) -> None:
    with pytest.raises(ValueError) as err:
        load_tags([tag])
    assert (err.value.field, err.value.rule) == (field, rule)  # type: ignore[attr-defined]


def test_ids_are_unique_and_features_may_be_given() -> None:
    twice = [rule_tag("frequency_30d > 1"), rule_tag("frequency_30d > 2")]
    with pytest.raises(ProfileInputError) as err:
        load_tags(twice)
    assert (err.value.field, err.value.rule) == ("tags[1].id", "unique_id")
    custom = load_tags([rule_tag("BALANCE > 1000 and TENURE >= 3")], features=["BALANCE", "TENURE"])
    held = custom.evaluate(pd.DataFrame({"BALANCE": [2000.0, 500.0], "TENURE": [5, 5]}))
    assert held["t"].tolist() == [True, False]
    [hit] = custom.explain({"BALANCE": 2000.0, "TENURE": 5})
    assert hit.reason.en == "BALANCE 2,000 > 1,000; TENURE 5 ≥ 3"  # unknown columns: their names
