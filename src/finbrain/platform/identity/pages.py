"""Console pages for identity: screening a name by hand against the sanctions lists; the
screening is a recorded decision like any other."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, Response

from finbrain.core.errors import FinbrainError, ValidationError
from finbrain.core.i18n import Language, message
from finbrain.identity.decision import ScreeningQuery
from finbrain.identity.validators import check_birth_date
from finbrain.platform.console import charts
from finbrain.platform.console.shell import Viewer, error_text, signed_in
from finbrain.platform.identity import allows, queries
from finbrain.platform.identity import service as identity
from finbrain.platform.identity.service import LIST_IDS

router = APIRouter(prefix="/console", include_in_schema=False)
Screener = Annotated[Viewer, Depends(signed_in("identity:screen"))]
AllowReviewer = Annotated[Viewer, Depends(signed_in("identity:review"))]
KINDS = ("person", "entity", "any")


# -- sanctions screening ----------------------------------------------------------------------
def _screen_form(form: dict[str, str] | None = None) -> dict[str, str]:
    base = {"name": "", "birth_date": "", "nationality": "", "kind": "person"}
    return {**base, **(form or {})}


def _dashboard(session: Any, settings: Any, lang: Language) -> dict[str, Any]:
    """Screenings per day by outcome, hits per list, the review queue by age, and the list
    versions in use with how many customers were last screened on each."""
    per_day = queries.screens_per_day(session)
    days = sorted(per_day)
    screens = charts.keyed(
        "bar",
        lang,
        ("ui.chart.screens_per_day", "ui.axis.day_utc", "ui.axis.screenings"),
        days,
        charts.family_series(per_day, days, lang),
    )
    hits = queries.hits_by_list(session)
    by_list = charts.keyed(
        "hbar",
        lang,
        ("ui.chart.hits_by_list", "ui.sanctions_list", "ui.axis.hits"),
        [message(f"ui.list.{list_id}", lang) for list_id in LIST_IDS],
        [
            {
                "name": message(f"ui.outcome.{kind}", lang),
                "family": charts.family(kind),
                "stack": "hits",
                "data": [hits[i][kind] if i in hits else 0 for i in LIST_IDS],
            }
            for kind in queries.TO_REVIEW
        ],
    )
    ages = queries.queue_by_age(session)
    queue = charts.keyed(
        "bar",
        lang,
        ("ui.chart.review_queue", "ui.axis.waited", "ui.axis.customers"),
        [message(f"ui.age.{bucket}", lang) for bucket in ages],
        [charts.one(message("ui.axis.customers", lang), list(ages.values()), "review")],
    )
    on_version = queries.customers_by_list_version(session)
    versions = identity.list_versions(identity.screening_index(settings))
    current = identity.screening_index(settings).version
    return {
        "screens_chart": screens if days else None,
        "hits_chart": by_list,
        "queue_chart": queue,
        "versions": versions,
        "on_current": on_version.get(current, 0),
        "on_older": sum(n for v, n in on_version.items() if v != current),
    }


@router.get("/screening", response_class=HTMLResponse)
def screening_page(viewer: Screener) -> Response:
    with viewer.session() as session:
        dashboard = _dashboard(session, viewer.request.app.state.settings, viewer.lang)
    return viewer.page(
        "screening.html",
        form=_screen_form(),
        error=None,
        result=None,
        decision=None,
        kinds=KINDS,
        can_review=viewer.can("identity:review"),
        flash=None,
        **dashboard,
    )


def _query(form: dict[str, str]) -> ScreeningQuery:
    """The typed-in form as a screening query, refusing what the API would (field and rule)."""
    if form["kind"] not in KINDS:
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
    return ScreeningQuery(
        name=form["name"],
        kind=form["kind"],  # type: ignore[arg-type]
        birth_date=born,
        nationality=form["nationality"] or None,
    )


def _screened(
    viewer: Viewer, form: dict[str, str], flash: dict[str, str] | None = None
) -> Response:
    """Screen the form's name (a recorded decision) and show the result."""
    error: dict[str, str] | None = None
    result, decision = None, None
    try:
        query = _query(form)
        with viewer.session(write=True) as session:
            decision, result = identity.screen(
                session, viewer.request.app.state.settings, viewer.caller, query
            )
    except FinbrainError as exc:  # nothing is recorded: the transaction rolled back
        error = {"field": exc.field or "", "text": error_text(exc, viewer.lang)}
        result, decision = None, None
    refused = error is not None or (flash is not None and flash["kind"] == "error")
    return viewer.page(
        "screening.html",
        422 if refused else 200,
        form=form,
        error=error,
        result=result,
        decision=decision,
        kinds=KINDS,
        can_review=viewer.can("identity:review"),
        flash=flash,
    )


def _form(
    name: str = Form(default="", max_length=500),
    birth_date: str = Form(default="", max_length=32),
    nationality: str = Form(default="", max_length=64),
    kind: str = Form(default="person", max_length=16),
) -> dict[str, str]:
    """The screening form's fields as posted (the screening and the allow action both send
    them), trimmed."""
    return _screen_form(
        {
            "name": name.strip(),
            "birth_date": birth_date.strip(),
            "nationality": nationality.strip(),
            "kind": kind,
        }
    )


ScreenForm = Annotated[dict[str, str], Depends(_form)]


@router.post("/screening", response_class=HTMLResponse)
def screening_submit(viewer: Screener, form: ScreenForm) -> Response:
    """Screen one name against OFAC SDN, UK FCDO and UN; the screening is a recorded decision."""
    return _screened(viewer, form)


@router.post("/screening/allow", response_class=HTMLResponse)
def screening_allow(
    viewer: AllowReviewer,
    form: ScreenForm,
    list_id: str = Form(default="", max_length=16),
    entry_id: str = Form(default="", max_length=64),
    note: str = Form(default="", max_length=2000),
) -> Response:
    """A reviewer records that the screened name is not this listed entry (a decision on the
    ledger), then sees the name screened again with the hit marked allowed."""
    try:
        if not note.strip():
            raise ValidationError(field="note", rule="required")
        if list_id not in LIST_IDS:
            raise ValidationError(field="list_id", rule="one_of_ofac_sdn_uk_fcdo_un")
        with viewer.session(write=True) as session:
            settings = viewer.request.app.state.settings
            _row, decision = allows.record(
                session,
                settings,
                viewer.caller,
                identity.screening_index(settings),
                name=form["name"],
                list_id=list_id,
                entry_id=entry_id,
                note=note.strip(),
            )
    except FinbrainError as exc:  # rolled back: nothing recorded
        text = f"{exc.field or ''}: {error_text(exc, viewer.lang)}"
        return _screened(viewer, form, {"kind": "error", "text": text})
    done = message("ui.allow_recorded", viewer.lang, entry=f"{list_id} {entry_id}", id=decision.id)
    return _screened(viewer, form, {"kind": "ok", "text": done})
