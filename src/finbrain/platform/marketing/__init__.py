"""Marketing on the platform (精准营销): campaigns as objects and selections over the bank's
customers, each outcome a decision on the ledger (``service``, ``routes``); consents, recorded
outcomes and the bank's own uplift model trained from them (``consent``, ``outcomes``,
``uplift``); the expected lift of a campaign before it runs (``expected``); the campaign
builder in the console (``pages``). The library is ``finbrain.marketing``.

``CAPABILITY`` (what marketing contributes to the platform, ``platform/capabilities.py``) is
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
    from finbrain.platform.marketing import pages, routes, service, uplift

    return Capability(
        "marketing",
        routers=(routes.router,),
        pages=(pages.router,),
        scopes=("marketing:decide", "marketing:manage"),
        jobs={"marketing.train": uplift.training_work, "marketing.select": service.selection_work},
    )


def __getattr__(name: str) -> Any:
    if name != "CAPABILITY":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = capability()  # once made, a plain attribute
    return value
