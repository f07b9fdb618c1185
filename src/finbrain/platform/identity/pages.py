"""Console pages for identity: screening a name by hand against the sanctions lists; the
screening is a recorded decision like any other."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, Response

from finbrain.core.errors import FinbrainError, ValidationError
from finbrain.identity.decision import ScreeningQuery
from finbrain.identity.validators import check_birth_date
from finbrain.platform.console.shell import Viewer, error_text, signed_in
from finbrain.platform.identity import service as identity

router = APIRouter(prefix="/console", include_in_schema=False)
Screener = Annotated[Viewer, Depends(signed_in("identity:screen"))]
KINDS = ("person", "entity", "any")


# -- sanctions screening ----------------------------------------------------------------------
def _screen_form(form: dict[str, str] | None = None) -> dict[str, str]:
    base = {"name": "", "birth_date": "", "nationality": "", "kind": "person"}
    return {**base, **(form or {})}


@router.get("/screening", response_class=HTMLResponse)
def screening_page(viewer: Screener) -> Response:
    return viewer.page(
        "screening.html",
        form=_screen_form(),
        error=None,
        result=None,
        decision=None,
        kinds=KINDS,
    )


@router.post("/screening", response_class=HTMLResponse)
def screening_submit(
    viewer: Screener,
    name: str = Form(default="", max_length=500),
    birth_date: str = Form(default="", max_length=32),
    nationality: str = Form(default="", max_length=64),
    kind: str = Form(default="person", max_length=16),
) -> Response:
    """Screen one name against OFAC SDN, UK FCDO and UN; the screening is a recorded decision."""
    lang = viewer.lang
    form = _screen_form(
        {
            "name": name.strip(),
            "birth_date": birth_date.strip(),
            "nationality": nationality.strip(),
            "kind": kind,
        }
    )
    error: dict[str, str] | None = None
    result, decision = None, None
    try:
        if kind not in KINDS:
            raise ValidationError(field="kind", rule="one_of_person_entity_any")
        if not form["name"]:
            raise ValidationError(field="name", rule="required")
        born: date | None = None
        if form["birth_date"]:
            try:
                born = date.fromisoformat(form["birth_date"])
            except ValueError:
                raise ValidationError(field="birth_date", rule="iso_date") from None
            check_birth_date(born)  # the one rule: not in the future, not before 1900
        if form["nationality"] and len(form["nationality"]) < 2:
            raise ValidationError(field="nationality", rule="min_length", limit=2)
        with viewer.session(write=True) as session:
            decision, result = identity.screen(
                session,
                viewer.request.app.state.settings,
                viewer.caller,
                ScreeningQuery(
                    name=form["name"],
                    kind=kind,  # type: ignore[arg-type]
                    birth_date=born,
                    nationality=form["nationality"] or None,
                ),
            )
    except FinbrainError as exc:  # nothing is recorded: the transaction rolled back
        error = {"field": exc.field or "", "text": error_text(exc, lang)}
        result, decision = None, None
    return viewer.page(
        "screening.html",
        422 if error else 200,
        form=form,
        error=error,
        result=result,
        decision=decision,
        kinds=KINDS,
    )
