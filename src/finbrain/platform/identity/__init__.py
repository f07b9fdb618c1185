"""Identity on the platform: number validation and sanctions screening over the API and the
console; each screening is a recorded ``Decision`` (service, schemas, routes, pages).

``CAPABILITY`` (what identity contributes to the platform, ``platform/capabilities.py``) is
made on first use, so importing the service loads no routes or pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finbrain.core.i18n import Language
    from finbrain.platform.capabilities import Capability

    CAPABILITY: Capability

__all__ = ["CAPABILITY"]


def _feature_text(feature: str, lang: Language) -> str | None:
    """A screening reason names ``<list>:<entry>``: the list's name and the entry's number."""
    from finbrain.core.i18n import message

    list_id, _, entry = feature.partition(":")
    key = f"ui.list.{list_id}"
    name = message(key, lang)
    return f"{name} {entry}" if entry and name != key else None


def capability() -> Capability:
    from finbrain.platform.capabilities import Capability
    from finbrain.platform.identity import pages, routes

    return Capability(
        "identity",
        routers=(routes.router,),
        pages=(pages.router,),
        scopes=("identity:screen", "identity:review"),
        feature_text=_feature_text,
    )


def __getattr__(name: str) -> Any:
    if name != "CAPABILITY":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = capability()  # once made, a plain attribute
    return value
