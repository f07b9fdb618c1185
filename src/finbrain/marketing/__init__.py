"""Precision marketing (精准营销 / 智能获客): propensity and uplift models, their evaluation,
and offer arbitration under eligibility, suitability, consent, contact caps, budget and a
standing control group.

The public names below are imported on first use, so ``import finbrain.marketing`` stays light
(pandas, scikit-learn and LightGBM load with the class that needs them)::

    from finbrain.marketing import TLearner, parse_campaign, select

    model = TLearner(control="none").fit(X, responded, arm)
    chosen = select(parse_campaign(definition), customers, model)   # .table, .summary
"""

from __future__ import annotations

from finbrain.core.lazy import lazy_exports

TYPE_CHECKING = False  # not typing's: importing typing would cost more than this package
if TYPE_CHECKING:
    from finbrain.marketing.arbitration import Selection, select
    from finbrain.marketing.audit import violations
    from finbrain.marketing.campaign import Campaign, ContactCap, Offer, Rule, parse_campaign
    from finbrain.marketing.decision import decide
    from finbrain.marketing.drift import (
        adversarial_auc,
        compare,
        population_stability,
        rolling_origin,
        within_group_auc,
    )
    from finbrain.marketing.evaluation import (
        Interval,
        auuc,
        bootstrap,
        qini_coefficient,
        qini_curve,
        qini_points,
        uplift_at_k,
        uplift_curve,
    )
    from finbrain.marketing.features import history_ranks
    from finbrain.marketing.propensity import Propensity
    from finbrain.marketing.simulation import SimulatedCampaign, simulate_campaign
    from finbrain.marketing.uplift import ClassTransformation, TLearner, UpliftModel, XLearner

_EXPORTS = {
    "Selection": ".arbitration",
    "select": ".arbitration",
    "violations": ".audit",
    "Campaign": ".campaign",
    "ContactCap": ".campaign",
    "Offer": ".campaign",
    "Rule": ".campaign",
    "parse_campaign": ".campaign",
    "decide": ".decision",
    "adversarial_auc": ".drift",
    "compare": ".drift",
    "population_stability": ".drift",
    "rolling_origin": ".drift",
    "within_group_auc": ".drift",
    "Interval": ".evaluation",
    "auuc": ".evaluation",
    "bootstrap": ".evaluation",
    "qini_coefficient": ".evaluation",
    "qini_curve": ".evaluation",
    "qini_points": ".evaluation",
    "uplift_at_k": ".evaluation",
    "uplift_curve": ".evaluation",
    "history_ranks": ".features",
    "Propensity": ".propensity",
    "SimulatedCampaign": ".simulation",
    "simulate_campaign": ".simulation",
    "ClassTransformation": ".uplift",
    "TLearner": ".uplift",
    "UpliftModel": ".uplift",
    "XLearner": ".uplift",
}
__all__ = [
    "Campaign",
    "ClassTransformation",
    "ContactCap",
    "Interval",
    "Offer",
    "Propensity",
    "Rule",
    "Selection",
    "SimulatedCampaign",
    "TLearner",
    "UpliftModel",
    "XLearner",
    "adversarial_auc",
    "auuc",
    "bootstrap",
    "compare",
    "decide",
    "history_ranks",
    "parse_campaign",
    "population_stability",
    "qini_coefficient",
    "qini_curve",
    "qini_points",
    "rolling_origin",
    "select",
    "simulate_campaign",
    "uplift_at_k",
    "uplift_curve",
    "violations",
    "within_group_auc",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
