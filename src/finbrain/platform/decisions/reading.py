"""A decision as a person reads it: each reason's contribution in the unit of the model that
gave it, the values the reasons cite as a labelled table, and the grade explained.

Units: a scorecard's reason is the points the applicant lost against the feature's best band;
a gradient-boosted model's (credit or risk) is its TreeSHAP contribution in log-odds of the bad
outcome; a risk rule adds its score to the event's risk score; a screening hit is the name
similarity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from finbrain.core.decision import Decision, Reason
from finbrain.core.i18n import Language, message


@dataclass(frozen=True)
class ReasonLine:
    code: str
    text: str
    feature: str | None  # the feature's name in the page's language, None when it names none
    identifier: str | None  # the feature as the model knows it (shown on hover)
    effect: str  # the contribution in the model's unit, "" when it has none


@dataclass(frozen=True)
class InputRow:
    name: str
    identifier: str
    value: str


def contribution_text(
    decision: Decision, reason: Reason, model_kind: str | None, lang: Language
) -> str:
    """The reason's contribution in its model's unit (empty when it carries none)."""
    value = reason.contribution
    if value == 0:
        return ""
    if decision.capability == "credit" and decision.action == "score":
        if model_kind == "scorecard":
            return message("ui.effect.points_lost", lang, value=f"{abs(value):.0f}")
        return message("ui.effect.log_odds_default", lang, value=f"{abs(value):.2f}")
    if decision.capability == "risk":
        if reason.feature:  # the model's TreeSHAP contribution
            return message("ui.effect.log_odds_fraud", lang, value=f"{value:+.2f}")
        return message("ui.effect.rule_points", lang, value=f"{value:+.0f}")
    if decision.capability == "identity" and decision.action == "screen":
        return message("ui.effect.similarity", lang, value=f"{value:.2f}")
    return ""


def value_text(value: Any, lang: Language) -> str:
    """A cited value formatted for reading: thousands separated, yes/no in words."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return message("ui.yes" if value else "ui.no", lang)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.4g}"
    return str(value)


def reason_lines(
    decision: Decision, names: dict[str, str], model_kind: str | None, lang: Language
) -> list[ReasonLine]:
    return [
        ReasonLine(
            code=r.code,
            text=r.text.zh if lang == "zh" else r.text.en,
            feature=names.get(r.feature, r.feature) if r.feature else None,
            identifier=r.feature,
            effect=contribution_text(decision, r, model_kind, lang),
        )
        for r in decision.reasons
    ]


def input_rows(decision: Decision, names: dict[str, str], lang: Language) -> list[InputRow]:
    """The values the reasons cite, once per feature, in the reasons' order."""
    rows: dict[str, InputRow] = {}
    for r in decision.reasons:
        if r.feature and r.feature not in rows and r.value is not None:
            name = names.get(r.feature, r.feature)
            rows[r.feature] = InputRow(name, r.feature, value_text(r.value, lang))
    return list(rows.values())


def grade_text(decision: Decision, lang: Language) -> str | None:
    """What the grade means: its band of the credit master scale, or the thin-file grade."""
    if not decision.grade:
        return None
    if decision.grade == "T":
        return message("ui.grade.thin_file", lang)
    from finbrain.credit.policy import MASTER_SCALE

    low = 0.0
    for grade, upper in MASTER_SCALE:
        if grade == decision.grade:
            high = "100%" if upper > 1 else f"{upper:.0%}"
            return message("ui.grade.master_scale", lang, grade=grade, low=f"{low:.0%}", high=high)
        low = upper
    return None


def master_scale(lang: Language) -> list[tuple[str, str]]:
    """The whole master scale: (grade, its PD band), for the page's table behind a toggle."""
    from finbrain.credit.policy import MASTER_SCALE

    out, low = [], 0.0
    for grade, upper in MASTER_SCALE:
        high = "100%" if upper > 1 else f"{upper:.0%}"
        out.append((grade, message("ui.grade.band", lang, low=f"{low:.0%}", high=high)))
        low = upper
    return out
