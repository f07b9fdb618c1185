"""Credit on the platform: the champion scorecard (or GBM) scores applicants over the API and
the console; each score is a recorded ``Decision`` (service, schemas, routes, pages).

``CAPABILITY`` (what credit contributes to the platform, ``platform/capabilities.py``) is made
on first use, so importing the service (the CLI, a job) loads no routes or pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finbrain.core.i18n import Language
    from finbrain.platform.capabilities import Capability

    CAPABILITY: Capability

__all__ = ["CAPABILITY"]


def _feature_text(feature: str, lang: Language) -> str | None:
    from finbrain.credit.reasons import feature_info

    info = feature_info(feature)
    text = info.zh if lang == "zh" else info.en
    return None if text == feature else text  # not in the catalogue: no name to give


def capability() -> Capability:
    from finbrain.platform.capabilities import Capability
    from finbrain.platform.credit import pages, routes, service

    return Capability(
        "credit",
        routers=(routes.router,),
        pages=(pages.router,),
        scopes=("credit:score", "credit:train"),
        feature_text=_feature_text,
        jobs={"credit.train": lambda job: service.training_work(job.db, job.tenant_id)},
    )


def __getattr__(name: str) -> Any:
    if name != "CAPABILITY":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = capability()  # once made, a plain attribute
    return value
