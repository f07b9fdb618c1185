"""The feature catalogue is data: the default one is complete and bilingual, and a bank's own
catalogue is refused with the field and the rule when a definition is wrong."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from finbrain.profile.errors import ProfileInputError
from finbrain.profile.features import default_catalog, load_catalog


def base() -> dict[str, Any]:
    return {
        "categories": ["travel", "dining"],
        "channels": ["online"],
        "products": ["loan"],
        "features": [
            {
                "name": "spend",
                "label": {"zh": "消费", "en": "Spend"},
                "source": "transactions",
                "agg": "sum",
                "column": "amount",
                "kind": "amount",
            },
            {
                "name": "travel",
                "label": {"zh": "旅行", "en": "Travel"},
                "source": "transactions",
                "agg": "sum",
                "column": "amount",
                "where": {"category": ["travel"], "hour": {"gte": 6, "lt": 22}},
                "window_days": 90,
                "kind": "amount",
            },
        ],
    }


def test_the_default_catalogue() -> None:
    cat = default_catalog()
    assert len(cat.features) == 55 and len(set(cat.names)) == 55
    sources = {f.source for f in cat.features}
    assert sources == {"transactions", "balances", "accounts", "derived"}
    for f in cat.features:
        assert f.label.zh.strip() and f.label.en.strip() and f.label.zh != f.label.en
        assert f.description.zh and f.description.en
    assert cat["recency_days"].fill is None and cat["frequency_30d"].fill == 0.0
    assert cat["share_digital_365d"].numerator == ("tx_online_365d", "tx_mobile_365d")
    # the file on disk is what loads
    raw = json.loads(
        (
            __import__("pathlib").Path(__file__).parents[2]
            / "src/finbrain/profile/data/features.json"
        ).read_text("utf-8")
    )
    assert [f["name"] for f in raw["features"]] == cat.names


def test_select_keeps_what_ratios_need() -> None:
    cut = default_catalog().select(["share_digital_365d"])
    assert cut.names == ["frequency_365d", "tx_online_365d", "tx_mobile_365d", "share_digital_365d"]
    with pytest.raises(ProfileInputError) as err:
        default_catalog().select(["no_such"])
    assert err.value.rule == "known_feature"


def test_a_generated_description_says_what_is_computed() -> None:
    travel = load_catalog(base())["travel"]
    assert "category in {travel}" in travel.description.en
    assert "last 90 days" in travel.description.en and "近 90 天" in travel.description.zh


def _broken(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(base())
    target: Any = data
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return data


BROKEN = [
    ("features.1.agg", "median", "features[1] (travel).agg", "known_aggregation"),
    ("features.1.column", "category", "features[1] (travel).column", "column_for_aggregation"),
    ("features.1.window_days", 0, "features[1] (travel).window_days", "days_1_to_36600"),
    ("features.1.where", {"merchant": ["x"]}, "features[1] (travel).where.merchant",
     "known_column"),
    ("features.1.where", {"category": ["crypto"]}, "features[1] (travel).where.category",
     "known_category"),
    ("features.1.where", {"hour": [24]}, "features[1] (travel).where.hour", "hour_0_to_23"),
    ("features.1.where", {"hour": {"gte": 9, "lt": 9}}, "features[1] (travel).where.hour",
     "gte_below_lt"),
    ("features.1.where", {"day": [1]}, "features[1] (travel).where.day", "not_filterable"),
    ("features.1.where", {"amount": {"above": 3}}, "features[1] (travel).where.amount", "range"),
    ("features.1.name", "spend", "features[1].name", "unique_name"),
    ("features.1.name", "Travel", "features[1].name", "snake_case_1_to_64"),
    ("features.1.label", {"zh": "", "en": "x"}, "features[1] (travel).label", "bilingual_text"),
    ("features.1.kind", "money", "features[1] (travel).kind", "known_kind"),
    ("features.1.source", "cards", "features[1] (travel).source", "known_source"),
    ("features.0.column", KeyError, "features[0] (spend).column", "column_for_aggregation"),
    ("categories", ["travel", "other"], "categories", "unique_and_not_other"),
    ("features", [], "features", "non_empty_list"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "value", "field", "rule"), BROKEN)
def test_a_wrong_definition_is_named(path: str, value: Any, field: str, rule: str) -> None:
    with pytest.raises(ValueError) as err:  # a ProfileInputError is a ValueError too
        load_catalog(_broken(path, value))
    assert isinstance(err.value, ProfileInputError)
    assert (err.value.field, err.value.rule) == (field, rule)


def test_a_ratio_must_use_base_features_defined_above() -> None:
    data = base()
    ratio = {
        "name": "share",
        "label": {"zh": "占比", "en": "Share"},
        "source": "derived",
        "agg": "ratio",
        "numerator": ["travel"],
        "denominator": "spend",
        "kind": "share",
    }
    assert load_catalog({**data, "features": [*data["features"], ratio]})["share"].fill is None
    early = {**data, "features": [ratio, *data["features"]]}
    with pytest.raises(ProfileInputError) as err:
        load_catalog(early)
    assert err.value.rule == "earlier_base_feature"
    windowed = {**data, "features": [*data["features"], {**ratio, "window_days": 30}]}
    with pytest.raises(ProfileInputError) as err:
        load_catalog(windowed)
    assert err.value.rule == "derived_is_ratio"
