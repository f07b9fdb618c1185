"""Decisions on the platform: every automated decision of every capability, stamped with its
tenant, kept with its reasons and appended to the tenant's ledger (``service``), and read back
over ``GET /v1/decisions`` (``routes``).

The service's functions (``record``, ``record_many``, ``get`` …) and ``CAPABILITY`` (what
decisions contributes to the platform, ``platform/capabilities.py``) are imported on first use,
so ``from finbrain.platform import decisions; decisions.record(...)`` works as it always has.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finbrain.platform.capabilities import Capability
    from finbrain.platform.decisions.service import DECISIONS as DECISIONS
    from finbrain.platform.decisions.service import Page as Page
    from finbrain.platform.decisions.service import get as get
    from finbrain.platform.decisions.service import list_page as list_page
    from finbrain.platform.decisions.service import record as record
    from finbrain.platform.decisions.service import record_many as record_many
    from finbrain.platform.decisions.service import to_decision as to_decision

    CAPABILITY: Capability

__all__ = [
    "CAPABILITY",
    "DECISIONS",
    "Page",
    "get",
    "list_page",
    "record",
    "record_many",
    "to_decision",
]
_SERVICE = frozenset(__all__) - {"CAPABILITY"}


def capability() -> Capability:
    from finbrain.platform.capabilities import Capability
    from finbrain.platform.decisions import pages, routes

    return Capability(
        "decisions", routers=(routes.router,), pages=(pages.router,), scopes=("decisions:read",)
    )


def __getattr__(name: str) -> Any:
    """``CAPABILITY``, and the public names of ``service``."""
    if name == "CAPABILITY":
        value: Any = capability()
    elif name in _SERVICE:
        value = getattr(importlib.import_module(".service", __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # once made, a plain attribute
    return value
