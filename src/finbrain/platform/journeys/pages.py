"""Console pages for the online card application: every application with each step's
decision, and the referral queue a person works."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from finbrain.core.errors import ConflictError, NotFoundError, ValidationError
from finbrain.core.i18n import message
from finbrain.core.money import Money
from finbrain.platform import decisions
from finbrain.platform.console.common import (
    ULID,
    error_text,
    guard,
    money_text,
    not_found,
    set_flash,
    take_flash,
)
from finbrain.platform.console.pages import database, language, render
from finbrain.platform.journeys import card_application as journey
from finbrain.platform.journeys.tables import CardApplication
from finbrain.platform.tenancy import Caller, Principal

router = APIRouter(prefix="/console", include_in_schema=False)
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


@router.get("/applications", response_class=HTMLResponse)
def applications_page(
    request: Request, status: str | None = None, cursor: str | None = None
) -> Response:
    signed = guard(request, "applications:review")
    if isinstance(signed, Response):
        return signed
    principal, tenant_name = signed
    assert principal.tenant_id
    status = status if status in STATUSES else None
    cursor = cursor if cursor and ULID.match(cursor) else None
    with database(request).tenant(principal.tenant_id, write=False) as session:
        rows, next_cursor = journey.page(session, limit=50, cursor=cursor, status=status)
        items = [_row_view(r) for r in rows]
    more_url = None
    if next_cursor:
        params = {"status": status} if status else {}
        more_url = "/console/applications?" + urlencode({**params, "cursor": next_cursor})
    return render(
        request,
        "applications.html",
        tenant_name=tenant_name,
        principal=principal,
        items=items,
        status=status,
        statuses=STATUSES,
        more_url=more_url,
    )


@router.get("/applications/{application_id}", response_class=HTMLResponse)
def application_page(request: Request, application_id: str) -> Response:
    signed = guard(request, "applications:review")
    if isinstance(signed, Response):
        return signed
    principal, tenant_name = signed
    assert principal.tenant_id
    if not ULID.match(application_id):
        return not_found(request, principal, tenant_name)
    try:
        with database(request).tenant(principal.tenant_id, write=False) as session:
            row = journey.get(session, principal.tenant_id, application_id)
            view = _row_view(row)
            steps = [decisions.get(session, d) for d in row.step_decisions]
            final = decisions.get(session, row.decision_id)
            review = (
                decisions.get(session, row.review_decision_id) if row.review_decision_id else None
            )
    except NotFoundError:
        return not_found(request, principal, tenant_name)
    return render(
        request,
        "application.html",
        tenant_name=tenant_name,
        principal=principal,
        app=view,
        steps=steps,
        final=final,
        review=review,
    )


# -- the referral queue -----------------------------------------------------------------------
def _queue(request: Request, tenant_id: str) -> list[dict[str, Any]]:
    with database(request).tenant(tenant_id, write=False) as session:
        out = []
        for row in journey.queue(session):  # oldest first
            view = _row_view(row)
            view["decision"] = decisions.get(session, row.decision_id)
            out.append(view)
    return out


def _referrals(
    request: Request,
    principal: Principal,
    tenant_name: str,
    status: int = 200,
    *,
    error: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    assert principal.tenant_id
    return render(
        request,
        "referrals.html",
        status,
        tenant_name=tenant_name,
        principal=principal,
        items=_queue(request, principal.tenant_id),
        flash=take_flash(request),
        error=error,
        values=values or {},
    )


@router.get("/referrals", response_class=HTMLResponse)
def referrals_page(request: Request) -> Response:
    signed = guard(request, "applications:review")
    if isinstance(signed, Response):
        return signed
    return _referrals(request, *signed)


@router.post("/referrals/{application_id}", response_class=HTMLResponse)
def referral_review(
    request: Request,
    application_id: str,
    outcome: str = Form(default="", max_length=16),
    amount: str = Form(default="", max_length=32),
    note: str = Form(default="", max_length=2000),
) -> Response:
    """A person approves (with a limit) or declines a referred application."""
    signed = guard(request, "applications:review")
    if isinstance(signed, Response):
        return signed
    principal, tenant_name = signed
    assert principal.tenant_id
    lang = language(request)
    if not ULID.match(application_id):
        return not_found(request, principal, tenant_name)
    amount, note = amount.strip().replace(",", ""), note.strip()
    try:
        if outcome not in ("approve", "decline"):
            raise ValidationError(field="outcome", rule="one_of_approve_decline")
        with database(request).tenant(principal.tenant_id) as session:
            row = journey.get(session, principal.tenant_id, application_id)
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
                request.app.state.settings,
                Caller.of(principal),
                application_id,
                outcome=outcome,  # type: ignore[arg-type]
                limit=limit,
                note=note,
                reviewer=principal.key_id,
            )
            done = _row_view(row)
    except NotFoundError:
        return not_found(request, principal, tenant_name)
    except (ValidationError, ConflictError) as exc:  # rolled back: nothing recorded
        error = {"id": application_id, "field": exc.field or "", "text": error_text(exc, lang)}
        values = {"id": application_id, "outcome": outcome, "amount": amount, "note": note}
        return _referrals(request, principal, tenant_name, 422, error=error, values=values)
    key = "ui.review_approved" if outcome == "approve" else "ui.review_declined"
    set_flash(request, "ok", message(key, lang, reference=reference, limit=done["limit"]))
    return RedirectResponse(url="/console/referrals", status_code=303)
