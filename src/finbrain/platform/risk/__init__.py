"""Real-time risk on the platform: one live engine per tenant behind a group-commit writer, the
append-only event log, snapshots, cases, rules and models, their API routes and console pages.

``RiskHub`` and the functions of :mod:`finbrain.platform.risk.service`, and ``CAPABILITY``
(what risk contributes to the platform, ``platform/capabilities.py``), are imported on first
use, so importing a submodule (the tables, say) loads nothing else.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finbrain.platform.capabilities import Capability
    from finbrain.platform.risk.service import RiskHub

    CAPABILITY: Capability

__all__ = ["CAPABILITY", "RiskHub"]


def capability() -> Capability:
    from finbrain.platform.capabilities import Capability
    from finbrain.platform.risk import labels, pages, routes, training

    return Capability(
        "risk",
        routers=(routes.scoring, routes.router, routes.model_versions),
        pages=(pages.router,),
        scopes=("risk:score", "risk:cases", "risk:rules"),
        feature_text=lambda feature, lang: labels.feature_texts(lang).get(feature),
        jobs={
            "risk.train": lambda job: training.training_work(job.db, job.tenant_id, job.state.risk)
        },
    )


def __getattr__(name: str) -> Any:
    """``CAPABILITY``, and the public names of ``service`` (its ``__all__``: ``RiskHub``,
    ``default_rules`` …), each imported on first use."""
    if name == "CAPABILITY":
        value: Any = capability()
    else:
        # ``from finbrain.platform.risk import tables`` asks here first: a submodule must not
        # pull in the service (and LightGBM with it).
        if name.startswith("_") or importlib.util.find_spec(f"{__name__}.{name}") is not None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        service = importlib.import_module(".service", __name__)
        if name not in service.__all__:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(service, name)
    globals()[name] = value  # once made, a plain attribute
    return value
