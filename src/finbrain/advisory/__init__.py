"""Robo-advisory (智能投顾): the risk questionnaire (C1-C5), suitability rules (China, EU MiFID II,
US Reg BI), the product shelf (R1-R5), and proposals built on them.

The public names below are imported on first use, so ``import finbrain.advisory`` stays light
(pandas and skfolio load with the function that needs them)::

    from finbrain.advisory import load_questionnaire, preset

    assessment = load_questionnaire().assess(answers)
    rules = preset("cn")
    mask = rules.mask(ClientProfile.from_assessment("c-1", assessment), shelf)
"""

from __future__ import annotations

from finbrain.core.lazy import lazy_exports

TYPE_CHECKING = False  # not typing's: importing typing would cost more than this package
if TYPE_CHECKING:
    from finbrain.advisory.levels import RiskCategory, RiskLevel
    from finbrain.advisory.questionnaire import (
        Assessment,
        Inconsistency,
        Questionnaire,
        available_questionnaires,
        load_questionnaire,
    )

_EXPORTS = {
    "RiskCategory": ".levels",
    "RiskLevel": ".levels",
    "Assessment": ".questionnaire",
    "Inconsistency": ".questionnaire",
    "Questionnaire": ".questionnaire",
    "available_questionnaires": ".questionnaire",
    "load_questionnaire": ".questionnaire",
}
__all__ = [
    "Assessment",
    "Inconsistency",
    "Questionnaire",
    "RiskCategory",
    "RiskLevel",
    "available_questionnaires",
    "load_questionnaire",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
