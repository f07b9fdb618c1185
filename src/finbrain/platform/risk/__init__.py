"""Real-time risk on the platform: one live engine per tenant behind a group-commit writer, the
append-only event log, snapshots, cases, rules and models, their API routes and console pages.

``RiskHub`` and the functions of :mod:`finbrain.platform.risk.service`, and ``CAPABILITY``
(what risk contributes to the platform, ``platform/capabilities.py``), are imported on first
use, so importing a submodule (the tables, say) loads nothing else.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finbrain.platform.capabilities import Capability
    from finbrain.platform.risk.service import RiskHub

    CAPABILITY: Capability

__all__ = ["CAPABILITY", "RiskHub"]


def capability() -> Capability:
    from finbrain.platform.capabilities import Capability
    from finbrain.platform.risk import pages, routes

    return Capability(
        "risk",
        routers=(routes.scoring, routes.router, routes.model_versions),
        pages=(pages.router,),
        scopes=("risk:score", "risk:cases", "risk:rules"),
    )


_SERVICE = frozenset(
    (
        "DECIDE_WAIT",
        "EVENTS",
        "MAX_GROUP",
        "MIN_TRAINING_FRAUDS",
        "SAME_BODY",
        "Answer",
        "Event",
        "RiskHub",
        "TenantRisk",
        "assign",
        "backtest",
        "case_or_404",
        "close",
        "comment",
        "current_rules",
        "default_rules",
        "event_json",
        "feed_labels",
        "history_frame",
        "log_frame",
        "note",
        "open_alert",
        "publish_rules",
        "register_model",
        "store_labels",
        "subject_of",
        "to_decision",
        "train_model",
        "training_work",
    )
)


def __getattr__(name: str) -> Any:
    """``CAPABILITY``, and the public names of ``service`` (``RiskHub``, ``default_rules`` …)."""
    if name == "CAPABILITY":
        value: Any = capability()
    elif name in _SERVICE:
        value = getattr(importlib.import_module(".service", __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # once made, a plain attribute
    return value
