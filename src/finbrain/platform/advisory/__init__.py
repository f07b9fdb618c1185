"""Advisory on the platform (智能投顾): the risk questionnaire, clients' assessments (decisions
on the ledger) and their current risk profiles (``service``), the bank's product shelf and its
prices (``shelf``), proposals (decisions on the ledger, ``proposals``) with their backtest and
goal outlook (``outlook``); the reads in ``queries``, the API in ``routes``, the console in
``pages`` (charts in ``charts``), the demo bank's shelf in ``demo``. The library is
``finbrain.advisory``.

``CAPABILITY`` (what advisory contributes to the platform, ``platform/capabilities.py``) is
made on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finbrain.core.i18n import Language
    from finbrain.platform.capabilities import Capability

    CAPABILITY: Capability

__all__ = ["CAPABILITY"]


def _feature_text(feature: str, lang: Language) -> str | None:
    """What advisory's reasons name (``ui.advisory_feature.<feature>``), as a person reads it;
    None for a product code, shown as it is."""
    from finbrain.core.i18n import message

    key = f"ui.advisory_feature.{feature}"
    text = message(key, lang)
    return None if text == key else text


def capability() -> Capability:
    from finbrain.platform.advisory import pages, routes
    from finbrain.platform.capabilities import Capability

    return Capability(
        "advisory",
        routers=(routes.router,),
        pages=(pages.router,),
        scopes=("advisory:advise", "advisory:shelf"),
        feature_text=_feature_text,
    )


def __getattr__(name: str) -> Any:
    if name != "CAPABILITY":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = capability()  # once made, a plain attribute
    return value
