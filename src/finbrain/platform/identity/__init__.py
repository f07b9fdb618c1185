"""Identity on the platform: number validation and sanctions screening over the API and the
console; each screening is a recorded ``Decision`` (service, schemas, routes, pages).

``CAPABILITY`` (what identity contributes to the platform, ``platform/capabilities.py``) is
made on first use, so importing the service loads no routes or pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finbrain.platform.capabilities import Capability

    CAPABILITY: Capability

__all__ = ["CAPABILITY"]


def capability() -> Capability:
    from finbrain.platform.capabilities import Capability
    from finbrain.platform.identity import pages, routes

    return Capability(
        "identity", routers=(routes.router,), pages=(pages.router,), scopes=("identity:screen",)
    )


def __getattr__(name: str) -> Any:
    if name != "CAPABILITY":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = capability()  # once made, a plain attribute
    return value
