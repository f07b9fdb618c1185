"""Sex and marital status are never model features by default; fairness is still reported."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from finbrain.core.errors import ValidationError
from finbrain.credit import export
from finbrain.credit import protected as prot
from finbrain.credit.challenger import GBMChallenger
from finbrain.credit.challenger import from_json as gbm_from_json
from finbrain.credit.challenger import to_json as gbm_to_json
from finbrain.credit.report import build_report, fairness
from finbrain.credit.scorecard import Scorecard
from finbrain.datasets import load_german

PERSONAL = "personal_status_and_sex"


@pytest.fixture(scope="module")
def german() -> tuple[pd.DataFrame, np.ndarray]:
    data = load_german(source="bundled")
    return data.drop(columns=["creditability"]), data["creditability"].to_numpy()


def _synthetic(n: int = 600) -> tuple[pd.DataFrame, np.ndarray]:
    """Taiwan-like columns where SEX and MARRIAGE carry real signal."""
    rng = np.random.default_rng(0)
    sex = rng.integers(1, 3, n)
    marriage = rng.integers(1, 4, n)
    income = rng.lognormal(10, 0.5, n)
    risk = -1.5 + 1.2 * (sex == 2) + 0.8 * (marriage == 3) - 0.8 * np.log(income / 22_000)
    y = (rng.random(n) < 1 / (1 + np.exp(-risk))).astype(int)
    return pd.DataFrame({"SEX": sex, "MARRIAGE": marriage, "income": income}), y


def test_defaults_name_sex_and_marital_status_per_dataset() -> None:
    assert prot.PROTECTED_BY_DATASET["german"] == (PERSONAL,)
    assert set(prot.PROTECTED_BY_DATASET["taiwan"]) == {"SEX", "MARRIAGE"}
    assert "age_in_years" in prot.MONITORED_BY_DATASET["german"]  # reported, not excluded
    columns = [PERSONAL, "Gender", "性别", "age_in_years", "income"]
    assert prot.protected_columns(columns, None) == [PERSONAL, "Gender", "性别"]
    assert prot.protected_columns(columns, ()) == []
    assert prot.protected_columns(columns, ["income", "absent"]) == ["income"]
    assert prot.monitored_columns(columns, None) == ["age_in_years"]
    with pytest.raises(ValidationError) as caught:
        prot.protected_columns(columns, PERSONAL)  # a bare string, not a list
    assert caught.value.field == "protected"


def test_scorecard_leaves_sex_and_marital_status_out_by_default() -> None:
    X, y = _synthetic()
    card = Scorecard().fit(X, y)
    assert card.protected_ == ["SEX", "MARRIAGE"]
    assert card.selected_ == ["income"]
    assert "SEX" not in card.iv_ and card.dropped_["SEX"] == "protected attribute"
    # The same data with the exclusion switched off knowingly: the signal is there.
    opened = Scorecard(protected=()).fit(X, y)
    assert opened.protected_ == [] and "SEX" in opened.selected_


def test_a_feature_list_naming_a_protected_column_is_refused() -> None:
    X, y = _synthetic()
    with pytest.raises(ValidationError) as caught:
        Scorecard(features=["income", "SEX"]).fit(X, y)
    assert caught.value.field == "SEX" and caught.value.rule == "not_protected"
    assert Scorecard(features=["income", "SEX"], protected=()).fit(X, y).protected_ == []


def test_german_scorecard_does_not_score_personal_status(
    german: tuple[pd.DataFrame, np.ndarray],
) -> None:
    X, y = german
    card = Scorecard(protected=[PERSONAL, "age_in_years"]).fit(X, y)
    assert card.protected_ == [PERSONAL, "age_in_years"]
    assert PERSONAL not in card.selected_ and "age_in_years" not in card.selected_
    # The list travels with the exported scorecard, and the scorer needs no protected value.
    document = export.to_json(card)
    assert json.loads(document)["protected"] == [PERSONAL, "age_in_years"]
    restored = export.from_json(document)
    assert restored.protected_ == [PERSONAL, "age_in_years"]
    record = {str(k): v for k, v in X.iloc[0].drop([PERSONAL, "age_in_years"]).items()}
    assert restored.score_record(record).score == card.points(X.head(1))[0]


def test_gbm_challenger_leaves_them_out_too(german: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, y = german
    model = GBMChallenger(n_estimators=30).fit(X, y)
    assert model.protected_ == [PERSONAL] and PERSONAL not in model.features_
    restored = gbm_from_json(gbm_to_json(model))
    assert restored.protected_ == [PERSONAL]
    with pytest.raises(ValidationError) as caught:
        GBMChallenger(features=["duration_in_month", PERSONAL]).fit(X, y)
    assert caught.value.rule == "not_protected"


def test_report_checks_fairness_across_the_excluded_attribute(
    german: tuple[pd.DataFrame, np.ndarray],
) -> None:
    X, y = german
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    card = Scorecard().fit(X_train, y_train)
    assert PERSONAL not in card.selected_
    html = build_report(card, X_train, y_train, X_test, y_test)  # defaults to card.protected_
    fairness_section = html.split("7. Fairness")[1].split("8. Reason catalogue")[0]
    assert PERSONAL in fairness_section and "Adverse-impact ratio" in fairness_section
    assert "male : single" in fairness_section
    both = build_report(
        card, X_train, y_train, X_test, y_test, protected=[PERSONAL, "age_in_years"]
    )
    section = both.split("7. Fairness")[1].split("8. Reason catalogue")[0]
    assert section.count("Adverse-impact ratio") == 2 and "age_in_years" in section


def test_numeric_attribute_is_reported_in_bands() -> None:
    ages = pd.DataFrame({"age": np.tile(np.arange(20, 80), 2)})
    approved = (ages["age"] >= 30).to_numpy()
    rows, ratio = fairness(ages, approved, "age")
    assert [r["group"] for r in rows] == ["[20, 35)", "[35, 50)", "[50, 64)", "[64, 79]"]
    assert sum(r["count"] for r in rows) == 120
    assert ratio is not None and ratio < 0.8  # the youngest band is approved far less often
