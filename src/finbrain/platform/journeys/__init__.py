"""Customer journeys on the platform: the online card application (信用卡线上开卡) and its
referral queue (card_application is the service; routes, pages).

``CAPABILITY`` (what the journeys contribute to the platform, ``platform/capabilities.py``) is
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
    from finbrain.platform.journeys import pages, routes

    return Capability(
        "journeys",
        routers=(routes.router,),
        pages=(pages.router,),
        scopes=("applications:submit", "applications:review"),
    )


def __getattr__(name: str) -> Any:
    if name != "CAPABILITY":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = capability()  # once made, a plain attribute
    return value
