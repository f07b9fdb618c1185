"""Product matching on the platform (用户与金融产品匹配): a ``finbrain.match.Recommender`` per
tenant, learnt from what the platform knows customers bought, hold or looked at (interactions
the bank sends, and the holdings and orders of advisory proposals), ranking only the products
the client's suitability rules allow (``service``, ``routes``).

Its own capability, beside advisory rather than inside it: its own scope (``match:recommend``),
routes (``/v1/match``) and decisions (capability ``match``), as the design lists it. It reads
advisory's shelf and client profiles through ``platform.advisory.queries``; advisory knows
nothing of it (the libraries stay apart the same way: ``finbrain.match`` imports no
``finbrain.advisory``).

``CAPABILITY`` (what match contributes to the platform, ``platform/capabilities.py``) is made
on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finbrain.platform.capabilities import Capability

    CAPABILITY: Capability

__all__ = ["CAPABILITY"]


def capability() -> Capability:
    from finbrain.platform.capabilities import Capability
    from finbrain.platform.match import routes

    return Capability("match", routers=(routes.router,), scopes=("match:recommend",))


def __getattr__(name: str) -> Any:
    if name != "CAPABILITY":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = capability()  # once made, a plain attribute
    return value
