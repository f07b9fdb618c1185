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
    from finbrain.advisory.shelf import Product, ProductKind, SaleWindow, Shelf, ShelfReturns
    from finbrain.advisory.suitability import (
        Check,
        ClientProfile,
        Constraints,
        GroupCap,
        Rules,
        Violation,
        preset,
        presets,
    )

_EXPORTS = {
    "RiskCategory": ".levels",
    "RiskLevel": ".levels",
    "Assessment": ".questionnaire",
    "Inconsistency": ".questionnaire",
    "Questionnaire": ".questionnaire",
    "available_questionnaires": ".questionnaire",
    "load_questionnaire": ".questionnaire",
    "Product": ".shelf",
    "ProductKind": ".shelf",
    "SaleWindow": ".shelf",
    "Shelf": ".shelf",
    "ShelfReturns": ".shelf",
    "Check": ".suitability",
    "ClientProfile": ".suitability",
    "Constraints": ".suitability",
    "GroupCap": ".suitability",
    "Rules": ".suitability",
    "Violation": ".suitability",
    "preset": ".suitability",
    "presets": ".suitability",
}
__all__ = [
    "Assessment",
    "Check",
    "ClientProfile",
    "Constraints",
    "GroupCap",
    "Inconsistency",
    "Product",
    "ProductKind",
    "Questionnaire",
    "RiskCategory",
    "RiskLevel",
    "Rules",
    "SaleWindow",
    "Shelf",
    "ShelfReturns",
    "Violation",
    "available_questionnaires",
    "load_questionnaire",
    "preset",
    "presets",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
