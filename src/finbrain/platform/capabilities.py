"""The one list the platform is composed from: each capability's routers, pages and scopes.

``create_app`` includes every API router of :data:`CAPABILITIES` in order and
``mount_console`` every console page router, so adding a capability is adding its folder
under ``platform/`` and one line here. The order is the order of the routes (and of the paths
in the OpenAPI document): keep it. The kernel's own routers (health, tenants, keys; jobs) are
entries too, marked ``kernel=True``, at the places they have always had.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from fastapi import APIRouter

from finbrain.core.i18n import Language
from finbrain.platform import (
    advisory,
    assistant,
    credit,
    decisions,
    identity,
    journeys,
    ledger,
    marketing,
    match,
    profile,
    risk,
)
from finbrain.platform.api.routes import (
    health,
    jobs,
    keys,
    tenants,
)
from finbrain.platform.console import shell
from finbrain.platform.workers.jobs import JobFactory


@dataclass(frozen=True, slots=True)
class Capability:
    """What one capability contributes to the platform."""

    name: str
    routers: tuple[APIRouter, ...] = ()  # API routers, included in this order
    pages: tuple[APIRouter, ...] = ()  # console page routers (CSRF-protected when mounted)
    scopes: tuple[str, ...] = ()  # the key scopes it defines (names from platform.scopes)
    # How the features its decisions' reasons name read in a language (the decision page shows
    # this, never the identifier): ``(feature, lang) -> text``, ``None`` when it has no name.
    feature_text: Callable[[str, Language], str | None] | None = None
    # The kinds of background job it runs (``workers.jobs.start``): kind -> its work's factory.
    jobs: Mapping[str, JobFactory] = field(default_factory=lambda: MappingProxyType({}))
    kernel: bool = False  # part of the shared kernel, not a capability of its own


CAPABILITIES: tuple[Capability, ...] = (
    Capability(
        "platform",
        routers=(health.router, tenants.router, keys.router),
        pages=(shell.router,),
        scopes=("admin",),
        kernel=True,
    ),
    decisions.CAPABILITY,
    ledger.CAPABILITY,
    credit.CAPABILITY,
    Capability("jobs", routers=(jobs.router,), kernel=True),
    identity.CAPABILITY,
    journeys.CAPABILITY,
    risk.CAPABILITY,
    advisory.CAPABILITY,
    marketing.CAPABILITY,
    profile.CAPABILITY,
    match.CAPABILITY,
    assistant.CAPABILITY,
)


def api_routers() -> list[APIRouter]:
    """Every API router, in composition order."""
    return [router for capability in CAPABILITIES for router in capability.routers]


def feature_text(capability: str, feature: str, lang: Language) -> str | None:
    """The readable name of a reason's feature, from the capability that made the decision."""
    for contributed in CAPABILITIES:
        if contributed.name == capability and contributed.feature_text is not None:
            return contributed.feature_text(feature, lang)
    return None


def job_kinds() -> dict[str, JobFactory]:
    """Every kind of background job, by name ("credit.train" …)."""
    kinds: dict[str, JobFactory] = {}
    for capability in CAPABILITIES:
        for kind, factory in capability.jobs.items():
            if kind in kinds:
                raise ValueError(f"job kind {kind!r} contributed twice")
            kinds[kind] = factory
    return kinds


def console_pages() -> list[APIRouter]:
    """Every console page router, in composition order."""
    return [router for capability in CAPABILITIES for router in capability.pages]
