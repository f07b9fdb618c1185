"""How a decision reads: each reason's contribution in its model's unit, cited values, grades."""

from __future__ import annotations

import pytest

from finbrain.core.decision import BilingualText, Decision, ModelRef, Reason, Subject
from finbrain.platform.decisions import reading


def _decision(capability: str, action: str, *reasons: Reason, grade: str | None = None) -> Decision:
    return Decision.for_input(
        {},
        capability=capability,
        action=action,
        subject=Subject(type="customer", id="c-1"),
        model=ModelRef(id="m", version="1", digest="d" * 64),
        outcome="refer",
        reasons=list(reasons),
        grade=grade,
    )


def _reason(contribution: float, feature: str | None = None, value: object = None) -> Reason:
    return Reason(
        code="X-1",
        text=BilingualText(zh="理由", en="reason"),
        feature=feature,
        value=value,  # type: ignore[arg-type]
        contribution=contribution,
    )


@pytest.mark.parametrize(
    ("capability", "action", "kind", "reason", "en", "zh"),
    [
        ("credit", "score", "scorecard", _reason(-23.4, "age"), "23 points below", "少 23 分"),
        ("credit", "score", "gbm", _reason(-0.421, "age"), "log-odds of default by 0.42", "+0.42"),
        ("risk", "score", None, _reason(1.234, "amount"), "log-odds of fraud +1.23", "+1.23"),
        ("risk", "score", None, _reason(300.0), "risk score +300", "风险分 +300"),
        ("identity", "screen", None, _reason(0.934), "name similarity 0.93", "姓名相似度 0.93"),
        ("risk", "score", None, _reason(0.0), "", ""),
        ("journey", "card_application", None, _reason(2.0), "", ""),
    ],
)
def test_a_contribution_reads_in_its_models_unit(
    capability: str, action: str, kind: str | None, reason: Reason, en: str, zh: str
) -> None:
    decision = _decision(capability, action, reason)
    assert en in reading.contribution_text(decision, reason, kind, "en")
    assert zh in reading.contribution_text(decision, reason, kind, "zh")
    assert bool(en) == bool(reading.contribution_text(decision, reason, kind, "en"))


def test_cited_values_once_per_feature_in_words() -> None:
    decision = _decision(
        "credit",
        "score",
        _reason(-5, "credit_amount", 12500.0),
        _reason(-3, "credit_amount", 12500.0),
        _reason(-2, "foreign_worker", True),
        _reason(-1, "purpose", None),
    )
    rows = reading.input_rows(decision, {"credit_amount": "Credit amount"}, "en")
    assert [(r.name, r.identifier, r.value) for r in rows] == [
        ("Credit amount", "credit_amount", "12,500"),
        ("foreign_worker", "foreign_worker", "Yes"),
    ]
    assert reading.input_rows(decision, {}, "zh")[1].value == "是"


def test_grades_read_by_the_master_scale() -> None:
    assert reading.grade_text(_decision("credit", "score", grade="A"), "en") == (
        "Grade A: probability of default 0%–2% on the master scale"
    )
    assert "100%" in str(reading.grade_text(_decision("credit", "score", grade="F"), "en"))
    assert "替代数据" in str(reading.grade_text(_decision("credit", "alt_assess", grade="T"), "zh"))
    assert reading.grade_text(_decision("credit", "score", grade="Z"), "en") is None
    assert reading.grade_text(_decision("credit", "score"), "en") is None
    assert [g for g, _ in reading.master_scale("en")] == ["A", "B", "C", "D", "E", "F"]
