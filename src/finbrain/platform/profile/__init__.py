"""Profiling on the platform (客户画像): every customer's customer-360 profile built from the
bank's transaction log, and read one at a time (``service``, ``routes``); the segment
dashboard, a segment's and a customer's pages in the console (``pages``). The library is
``finbrain.profile``.

``CAPABILITY`` (what profiling contributes to the platform, ``platform/capabilities.py``) is
made on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finbrain.platform.capabilities import Capability

    CAPABILITY: Capability

__all__ = ["CAPABILITY"]


def capability() -> Capability:
    from finbrain.platform.capabilities import Capability
    from finbrain.platform.profile import pages, routes, service

    return Capability(
        "profile",
        routers=(routes.router,),
        pages=(pages.router,),
        scopes=("profile:read", "profile:build"),
        jobs={"profile.build": service.build_work},
    )


def __getattr__(name: str) -> Any:
    if name != "CAPABILITY":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = capability()  # once made, a plain attribute
    return value
