"""Advisory on the platform (智能投顾): the risk questionnaire, clients' assessments (decisions
on the ledger) and their current risk profiles (``service``, ``routes``). The library is
``finbrain.advisory``.

``CAPABILITY`` (what advisory contributes to the platform, ``platform/capabilities.py``) is
made on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finbrain.platform.capabilities import Capability

    CAPABILITY: Capability

__all__ = ["CAPABILITY"]


def capability() -> Capability:
    from finbrain.platform.advisory import routes
    from finbrain.platform.capabilities import Capability

    return Capability(
        "advisory", routers=(routes.router,), scopes=("advisory:advise", "advisory:shelf")
    )


def __getattr__(name: str) -> Any:
    if name != "CAPABILITY":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = capability()  # once made, a plain attribute
    return value
