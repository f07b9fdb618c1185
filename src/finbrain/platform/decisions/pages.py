"""Console pages for decisions: the list every capability's decisions land in (with the
outcomes-per-day chart) and one decision with its reasons and receipt."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from finbrain.core.errors import NotFoundError, ValidationError
from finbrain.core.i18n import Language
from finbrain.platform.console import charts
from finbrain.platform.console.shell import Viewer, render, signed_in
from finbrain.platform.decisions import reading
from finbrain.platform.decisions import service as decisions

router = APIRouter(prefix="/console", include_in_schema=False)
Reader = Annotated[Viewer, Depends(signed_in("decisions:read"))]
AnyKey = Annotated[Viewer, Depends(signed_in())]


def _chart(viewer: Viewer, lang: Language) -> tuple[str, int]:
    """Decisions per UTC day, stacked by outcome family (one colour per family), and the total."""
    with viewer.session() as session:
        per_day = decisions.daily_outcomes(session)
    days = sorted(per_day)
    spec = charts.keyed(
        "bar",
        lang,
        ("ui.outcomes_by_day", "ui.axis.day_utc", "ui.axis.decisions"),
        days,
        charts.family_series(per_day, days, lang),
    )
    return spec, sum(sum(c.values()) for c in per_day.values())


@router.get("/decisions", response_class=HTMLResponse)
def decisions_page(
    viewer: Reader,
    capability: str | None = None,
    outcome: str | None = None,
    cursor: str | None = None,
) -> Response:
    filters = {k: v for k, v in {"capability": capability, "outcome": outcome}.items() if v}
    try:
        with viewer.session() as session:
            page = decisions.list_page(session, limit=50, cursor=cursor or None, **filters)
    except ValidationError as exc:
        return viewer.error(422, str(exc))
    more_url = None
    if page.next_cursor:
        more_url = "/console/decisions?" + urlencode({**filters, "cursor": page.next_cursor})
    context: dict[str, object] = {"page": page, "more_url": more_url, "filters": filters}
    if viewer.request.headers.get("hx-request"):
        return render(viewer.request, "_decision_rows.html", **context)
    chart, total = _chart(viewer, viewer.lang)
    return viewer.page("decisions.html", chart_json=chart, total=total, **context)


@router.get("/decisions/{decision_id}", response_class=HTMLResponse)
def decision_page(viewer: AnyKey, decision_id: str) -> Response:
    """Reasons first, as sentences with their effect in the model's unit; then the values they
    cite; then the details (grade explained by the master scale) and the ledger receipt."""
    try:
        with viewer.session() as session:
            decision = decisions.get(session, decision_id)
            kind = decisions.model_kind(session, decision)
    except NotFoundError:
        return viewer.not_found()
    from finbrain.platform.capabilities import feature_text  # it lists this module's router

    lang = viewer.lang
    names = {
        r.feature: feature_text(decision.capability, r.feature, lang) or r.feature
        for r in decision.reasons
        if r.feature
    }
    return viewer.page(
        "decision.html",
        decision=decision,
        lines=reading.reason_lines(decision, names, kind, lang),
        inputs=reading.input_rows(decision, names, lang),
        grade_text=reading.grade_text(decision, lang),
        master_scale=reading.master_scale(lang) if decision.capability == "credit" else [],
        now=datetime.now(UTC),
    )
