"""Console pages for the online card application: every application with each step's
decision, and the referral queue a person works."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from finbrain.core.errors import ConflictError, NotFoundError, ValidationError
from finbrain.core.i18n import Language, message
from finbrain.core.money import Money
from finbrain.platform import decisions
from finbrain.platform.console import charts
from finbrain.platform.console.shell import (
    ULID,
    Viewer,
    error_text,
    money_text,
    set_flash,
    signed_in,
    take_flash,
)
from finbrain.platform.journeys import card_application as journey
from finbrain.platform.journeys import queries
from finbrain.platform.journeys.tables import CardApplication

router = APIRouter(prefix="/console", include_in_schema=False)
Reviewer = Annotated[Viewer, Depends(signed_in("applications:review"))]
AMOUNT = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,4})?$")
STATUSES = ("approved", "referred", "declined")


# -- card applications ------------------------------------------------------------------------
def _row_view(row: CardApplication) -> dict[str, Any]:
    return {
        "id": row.id,
        "reference": row.reference,
        "status": row.status,
        "outcome": row.outcome,
        "applicant": row.applicant,
        "limit": money_text(row.limit_minor, row.currency),
        "currency": row.currency,
        "thin_file": row.thin_file,
        "review_status": row.review_status,
        "reviewer": row.reviewer,
        "review_note": row.review_note,
        "reviewed_at": row.reviewed_at,
        "created_at": row.created_at,
    }


def _reason_label(code: str, feature: str | None, lang: Language) -> str:
    """A short name for a reason code (the credit step's reasons by the feature they name)."""
    key = f"ui.reason_short.{code}"
    text = message(key, lang)
    if text != key:
        return text
    from finbrain.platform.capabilities import feature_text

    named = feature_text("credit", feature, lang) if feature else None
    return message("ui.credit_reason", lang, feature=named or feature or code)


def _dashboard(session: Any, lang: Language) -> dict[str, str | None]:
    """Each step's outcomes by family, and the reasons behind referrals and declines."""
    per_step = queries.step_outcomes(session)
    steps = [s for s in (*queries.STEPS, queries.FINAL) if s in per_step]
    step_chart = charts.keyed(
        "bar",
        lang,
        ("ui.chart.journey_steps", "ui.axis.journey_step", "ui.axis.applications"),
        [message(f"ui.action.{s}", lang) for s in steps],
        charts.family_series(per_step, steps, lang),
    )
    reasons = sorted(queries.adverse_reasons(session).items(), key=lambda kv: -sum(kv[1][:2]))
    reason_chart = charts.keyed(
        "hbar",
        lang,
        ("ui.chart.journey_reasons", "ui.axis.reason", "ui.axis.applications"),
        [_reason_label(code, feature, lang) for code, (_, _, feature) in reasons[:12]],
        [
            {
                "name": message("ui.series.referred", lang),
                "family": "review",
                "stack": "reason",
                "data": [r for _, (r, _, _) in reasons[:12]],
            },
            {
                "name": message("ui.series.declined", lang),
                "family": "bad",
                "stack": "reason",
                "data": [d for _, (_, d, _) in reasons[:12]],
            },
        ],
    )
    return {
        "steps_chart": step_chart if steps else None,
        "reasons_chart": reason_chart if reasons else None,
    }


@router.get("/applications", response_class=HTMLResponse)
def applications_page(
    viewer: Reviewer, status: str | None = None, cursor: str | None = None
) -> Response:
    status = status if status in STATUSES else None
    cursor = cursor if cursor and ULID.match(cursor) else None
    with viewer.session() as session:
        rows, next_cursor = journey.page(session, limit=50, cursor=cursor, status=status)
        items = [_row_view(r) for r in rows]
        dashboard = _dashboard(session, viewer.lang)
    more_url = None
    if next_cursor:
        params = {"status": status} if status else {}
        more_url = "/console/applications?" + urlencode({**params, "cursor": next_cursor})
    return viewer.page(
        "applications.html",
        items=items,
        status=status,
        statuses=STATUSES,
        more_url=more_url,
        **dashboard,
    )


@router.get("/applications/{application_id}", response_class=HTMLResponse)
def application_page(viewer: Reviewer, application_id: str) -> Response:
    if not ULID.match(application_id):
        return viewer.not_found()
    try:
        with viewer.session() as session:
            row = journey.get(session, viewer.tenant_id, application_id)
            view = _row_view(row)
            steps = [decisions.get(session, d) for d in row.step_decisions]
            final = decisions.get(session, row.decision_id)
            review = (
                decisions.get(session, row.review_decision_id) if row.review_decision_id else None
            )
    except NotFoundError:
        return viewer.not_found()
    return viewer.page(
        "application.html",
        app=view,
        steps=steps,
        final=final,
        review=review,
    )


# -- the referral queue -----------------------------------------------------------------------
def _queue(viewer: Viewer) -> list[dict[str, Any]]:
    with viewer.session() as session:
        out = []
        for row in journey.queue(session):  # oldest first
            view = _row_view(row)
            view["decision"] = decisions.get(session, row.decision_id)
            out.append(view)
    return out


def _referrals(
    viewer: Viewer,
    status: int = 200,
    *,
    error: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    return viewer.page(
        "referrals.html",
        status,
        items=_queue(viewer),
        flash=take_flash(viewer.request),
        error=error,
        values=values or {},
    )


@router.get("/referrals", response_class=HTMLResponse)
def referrals_page(viewer: Reviewer) -> Response:
    return _referrals(viewer)


@router.post("/referrals/{application_id}", response_class=HTMLResponse)
def referral_review(
    viewer: Reviewer,
    application_id: str,
    outcome: str = Form(default="", max_length=16),
    amount: str = Form(default="", max_length=32),
    note: str = Form(default="", max_length=2000),
) -> Response:
    """A person approves (with a limit) or declines a referred application."""
    lang = viewer.lang
    if not ULID.match(application_id):
        return viewer.not_found()
    amount, note = amount.strip().replace(",", ""), note.strip()
    try:
        if outcome not in ("approve", "decline"):
            raise ValidationError(field="outcome", rule="one_of_approve_decline")
        with viewer.session(write=True) as session:
            row = journey.get(session, viewer.tenant_id, application_id)
            reference = row.reference
            limit = None
            if outcome == "approve":
                if not amount:
                    raise ValidationError(field="limit", rule="required_to_approve")
                if not AMOUNT.match(amount):
                    raise ValidationError(field="limit.amount", rule="decimal_number")
                limit = Money(amount, row.currency)
                try:
                    limit.to_minor()
                except ValidationError:
                    raise ValidationError(
                        field="limit.amount", rule="exact_in_minor_units"
                    ) from None
            if not note:
                raise ValidationError(field="note", rule="required")
            row, _ = journey.review(
                session,
                viewer.request.app.state.settings,
                viewer.caller,
                application_id,
                outcome=outcome,  # type: ignore[arg-type]
                limit=limit,
                note=note,
                reviewer=viewer.principal.key_id,
            )
            done = _row_view(row)
    except NotFoundError:
        return viewer.not_found()
    except (ValidationError, ConflictError) as exc:  # rolled back: nothing recorded
        error = {"id": application_id, "field": exc.field or "", "text": error_text(exc, lang)}
        values = {"id": application_id, "outcome": outcome, "amount": amount, "note": note}
        return _referrals(viewer, 422, error=error, values=values)
    key = "ui.review_approved" if outcome == "approve" else "ui.review_declined"
    set_flash(viewer.request, "ok", message(key, lang, reference=reference, limit=done["limit"]))
    return RedirectResponse(url="/console/referrals", status_code=303)
