"""Credit scoring (客户信用评价): optimal binning, scorecards, a GBM challenger, calibration, the
credit policy and its decisions, reasons, export, monitoring and development reports.

The public names below are imported on first use, so ``import finbrain.credit`` stays light
(pandas, scikit-learn and LightGBM load with the class that needs them)::

    from finbrain.credit import Scorecard, decide
"""

from __future__ import annotations

from finbrain.core.lazy import lazy_exports

TYPE_CHECKING = False  # not typing's: importing typing would cost more than this package
if TYPE_CHECKING:
    from finbrain.credit.binning import Bin, OptimalBinning
    from finbrain.credit.calibration import Calibrator, MasterScale
    from finbrain.credit.challenger import GBMChallenger
    from finbrain.credit.export import to_sql
    from finbrain.credit.monitoring import StabilityRow, flag, score_psi, stability_report
    from finbrain.credit.policy import (
        DEFAULT_POLICY,
        MASTER_SCALE,
        decide,
        grade_of,
        holdout,
        outcome_of,
        points_of,
    )
    from finbrain.credit.protected import monitored_columns, protected_columns
    from finbrain.credit.reasons import feature_info
    from finbrain.credit.reject_inference import augmentation_weights, parcel
    from finbrain.credit.report import build_report, fairness_checks
    from finbrain.credit.scorecard import Scorecard, ScoreResult

_EXPORTS = {
    "Bin": ".binning",
    "OptimalBinning": ".binning",
    "Calibrator": ".calibration",
    "MasterScale": ".calibration",
    "GBMChallenger": ".challenger",
    "to_sql": ".export",
    "StabilityRow": ".monitoring",
    "flag": ".monitoring",
    "score_psi": ".monitoring",
    "stability_report": ".monitoring",
    "DEFAULT_POLICY": ".policy",
    "MASTER_SCALE": ".policy",
    "decide": ".policy",
    "grade_of": ".policy",
    "holdout": ".policy",
    "outcome_of": ".policy",
    "points_of": ".policy",
    "monitored_columns": ".protected",
    "protected_columns": ".protected",
    "feature_info": ".reasons",
    "augmentation_weights": ".reject_inference",
    "parcel": ".reject_inference",
    "build_report": ".report",
    "fairness_checks": ".report",
    "ScoreResult": ".scorecard",
    "Scorecard": ".scorecard",
}
__all__ = [
    "DEFAULT_POLICY",
    "MASTER_SCALE",
    "Bin",
    "Calibrator",
    "GBMChallenger",
    "MasterScale",
    "OptimalBinning",
    "ScoreResult",
    "Scorecard",
    "StabilityRow",
    "augmentation_weights",
    "build_report",
    "decide",
    "fairness_checks",
    "feature_info",
    "flag",
    "grade_of",
    "holdout",
    "monitored_columns",
    "outcome_of",
    "parcel",
    "points_of",
    "protected_columns",
    "score_psi",
    "stability_report",
    "to_sql",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
