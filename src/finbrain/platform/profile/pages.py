"""Console pages for profiling (客户画像): the segment dashboard (the latest build's segments
with their sizes and personas, what sets each apart, the customers per tag), a segment's page
with its customers, and a customer's 360 page (features, tags with reasons, segment, the
marketing decisions about them)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from finbrain.core.errors import NotFoundError
from finbrain.core.i18n import message
from finbrain.platform import decisions
from finbrain.platform.console.shell import Viewer, set_flash, signed_in, take_flash
from finbrain.platform.profile import charts, queries
from finbrain.platform.workers import jobs

router = APIRouter(prefix="/console", include_in_schema=False)
Reader = Annotated[Viewer, Depends(signed_in("profile:read"))]
Builder = Annotated[Viewer, Depends(signed_in("profile:build"))]
CUSTOMER_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


@router.get("/profile", response_class=HTMLResponse)
def dashboard(viewer: Reader, customer: str = "") -> Response:
    """The segment dashboard; ``customer`` (the look-up form) opens that customer's page."""
    if customer.strip():
        wanted = customer.strip()
        if CUSTOMER_ID.match(wanted):
            return RedirectResponse(f"/console/profile/customers/{wanted}", status_code=303)
    with viewer.session() as session:
        build = queries.latest_build(session)
    segments = build.summary.get("segments") if build else None
    lang = viewer.lang
    return viewer.page(
        "profile.html",
        build=build,
        segments=segments,
        tags=build.summary.get("tags", []) if build else [],
        looked_up=customer,
        sizes_chart=charts.sizes(segments, lang) if segments else None,
        effects_chart=charts.effects(segments, lang) if segments else None,
        tags_chart=charts.tags(build.summary["tags"], lang) if build else None,
        flash=take_flash(viewer.request),
    )


@router.post("/profile/builds", response_class=HTMLResponse)
def rebuild(viewer: Builder, background: BackgroundTasks) -> Response:
    """Rebuild every profile from the transaction log (the ``profile.build`` job)."""
    with viewer.session(write=True) as session:
        job = jobs.start(session, background, viewer.request.app.state, viewer.tenant_id,
                         "profile.build", {})  # fmt: skip
    set_flash(viewer.request, "ok", message("ui.profile_build_started", viewer.lang, job=job.id))
    return RedirectResponse("/console/profile", status_code=303)


@router.get("/profile/segments/{segment}", response_class=HTMLResponse)
def segment_page(viewer: Reader, segment: int) -> Response:
    with viewer.session() as session:
        build = queries.latest_build(session)
        segments = build.summary.get("segments") if build else None
        if segments is None or not 0 <= segment < len(segments["personas"]):
            return viewer.not_found()
        customers, total = queries.segment_customers(session, segment)
    return viewer.page(
        "profile_segment.html",
        build=build,
        persona=segments["personas"][segment],
        customers=customers,
        total=total,
        effects_chart=charts.segment_effects(segments, segment, viewer.lang),
    )


@router.get("/profile/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(viewer: Reader, customer_id: str) -> Response:
    if not CUSTOMER_ID.match(customer_id):
        return viewer.not_found()
    with viewer.session() as session:
        try:
            row = queries.customer(session, customer_id)
        except NotFoundError:
            return viewer.not_found()
        build = queries.latest_build(session)
        made = decisions.list_page(
            session,
            limit=20,
            capability="marketing",
            subject_type="customer",
            subject_id=customer_id,
        ).items
    labels = {}
    if build and build.summary.get("segments"):
        labels = {f["name"]: f["label"] for f in build.summary["segments"]["features"]}
    return viewer.page(
        "profile_customer.html",
        profile=row.body,
        segment=row.segment,
        decisions=made,
        features=_feature_rows(row.body["features"], labels, viewer.lang),
    )


def _feature_rows(
    features: dict[str, float | None], segment_labels: dict[str, dict[str, str]], lang: str
) -> list[tuple[str, str, str]]:
    """(name, label, value) for every feature, segmentation features first."""
    from finbrain.profile import default_catalog

    catalog = default_catalog()
    rows = []
    for name, value in features.items():
        label = catalog.label(name).model_dump()[lang] if name in catalog else name
        shown = "—" if value is None else f"{value:,.2f}".rstrip("0").rstrip(".")
        rows.append((name, label, shown))
    rows.sort(key=lambda r: (r[0] not in segment_labels, r[0]))
    return rows
