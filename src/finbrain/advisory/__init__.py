"""Robo-advisory (智能投顾): the risk questionnaire (C1-C5), suitability rules (China, EU MiFID II,
US Reg BI), the product shelf (R1-R5), allocation, orders and proposals built on them, and
walk-forward backtests with rebalancing policies.

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
    from finbrain.advisory.backtest import (
        Backtest,
        Calendar,
        CostBenefit,
        DriftBand,
        Policy,
        walk_forward,
    )
    from finbrain.advisory.funds import fund_convention, products_from_funds
    from finbrain.advisory.levels import RiskCategory, RiskLevel
    from finbrain.advisory.montecarlo import Goal, goal_probability
    from finbrain.advisory.orders import Holding, Order, OrderPlan, plan_orders
    from finbrain.advisory.portfolio import (
        VOL_BUDGETS,
        Allocation,
        EmptyShelfError,
        View,
        allocate,
        expected_returns,
        model_portfolios,
    )
    from finbrain.advisory.promises import Promise, check_promises, find_promises
    from finbrain.advisory.proposal import Proposal, propose
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
    "Goal": ".montecarlo",
    "goal_probability": ".montecarlo",
    "Backtest": ".backtest",
    "Calendar": ".backtest",
    "CostBenefit": ".backtest",
    "DriftBand": ".backtest",
    "Policy": ".backtest",
    "walk_forward": ".backtest",
    "fund_convention": ".funds",
    "products_from_funds": ".funds",
    "Holding": ".orders",
    "Order": ".orders",
    "OrderPlan": ".orders",
    "plan_orders": ".orders",
    "VOL_BUDGETS": ".portfolio",
    "Allocation": ".portfolio",
    "EmptyShelfError": ".portfolio",
    "View": ".portfolio",
    "allocate": ".portfolio",
    "expected_returns": ".portfolio",
    "model_portfolios": ".portfolio",
    "Promise": ".promises",
    "check_promises": ".promises",
    "find_promises": ".promises",
    "Proposal": ".proposal",
    "propose": ".proposal",
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
    "VOL_BUDGETS",
    "Allocation",
    "Assessment",
    "Backtest",
    "Calendar",
    "Check",
    "ClientProfile",
    "Constraints",
    "CostBenefit",
    "DriftBand",
    "EmptyShelfError",
    "Goal",
    "GroupCap",
    "Holding",
    "Inconsistency",
    "Order",
    "OrderPlan",
    "Policy",
    "Product",
    "ProductKind",
    "Promise",
    "Proposal",
    "Questionnaire",
    "RiskCategory",
    "RiskLevel",
    "Rules",
    "SaleWindow",
    "Shelf",
    "ShelfReturns",
    "View",
    "Violation",
    "allocate",
    "available_questionnaires",
    "check_promises",
    "expected_returns",
    "find_promises",
    "fund_convention",
    "goal_probability",
    "load_questionnaire",
    "model_portfolios",
    "plan_orders",
    "preset",
    "presets",
    "products_from_funds",
    "propose",
    "walk_forward",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
