"""Real-time risk monitoring (风险监控 / 大数据风控): payment events, sliding-window features, rules
as data, a LightGBM fraud model with TreeSHAP reasons, the engine that scores every event, the
backtest (:func:`finbrain.risk.backtest.backtest`, a module of the same name) and evaluation
protocol; AML typologies in :mod:`finbrain.risk.aml`.

The public names below are imported on first use, so ``import finbrain.risk`` stays light
(NumPy, pandas and LightGBM load with the class that needs them)::

    from finbrain.risk import RiskEngine, RiskModel, default_feature_set
"""

from __future__ import annotations

from finbrain.core.lazy import lazy_exports

TYPE_CHECKING = False  # not typing's: importing typing would cost more than this package
if TYPE_CHECKING:
    from finbrain.risk.backtest import BacktestReport, evaluate_frame
    from finbrain.risk.decision import decide
    from finbrain.risk.engine import Assessment, Model, RiskEngine, Thresholds
    from finbrain.risk.events import Event, events_from_frame, parse_event
    from finbrain.risk.features import default_feature_set, extended_feature_set
    from finbrain.risk.model import RiskModel
    from finbrain.risk.protocol import Fold, folds
    from finbrain.risk.rules import Rule, RuleBook, RuleSet, load_default_rules
    from finbrain.risk.windows import FeatureSet, OnlineWindows, Window

_EXPORTS = {
    "BacktestReport": ".backtest",
    "evaluate_frame": ".backtest",
    "decide": ".decision",
    "Assessment": ".engine",
    "Model": ".engine",
    "RiskEngine": ".engine",
    "Thresholds": ".engine",
    "Event": ".events",
    "events_from_frame": ".events",
    "parse_event": ".events",
    "default_feature_set": ".features",
    "extended_feature_set": ".features",
    "RiskModel": ".model",
    "Fold": ".protocol",
    "folds": ".protocol",
    "Rule": ".rules",
    "RuleBook": ".rules",
    "RuleSet": ".rules",
    "load_default_rules": ".rules",
    "FeatureSet": ".windows",
    "OnlineWindows": ".windows",
    "Window": ".windows",
}
__all__ = [
    "Assessment",
    "BacktestReport",
    "Event",
    "FeatureSet",
    "Fold",
    "Model",
    "OnlineWindows",
    "RiskEngine",
    "RiskModel",
    "Rule",
    "RuleBook",
    "RuleSet",
    "Thresholds",
    "Window",
    "decide",
    "default_feature_set",
    "evaluate_frame",
    "events_from_frame",
    "extended_feature_set",
    "folds",
    "load_default_rules",
    "parse_event",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
