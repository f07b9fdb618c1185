"""Console pages for marketing (精准营销): the campaigns and the bank's uplift model (train it
from the recorded outcomes), the campaign builder (offers, budget, rules, contact cap, control
share through a form), and a campaign's page: its expected lift before it runs, the selection
over the bank's profiled customers, the customers chosen with their reasons, the control group
and the real lift once outcomes are recorded."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from finbrain.core.errors import FinbrainError, NotFoundError, ValidationError
from finbrain.core.i18n import message
from finbrain.marketing.campaign import OPERATOR_TEXT, parse_campaign
from finbrain.platform.console.shell import Viewer, error_text, set_flash, signed_in, take_flash
from finbrain.platform.marketing import charts, expected, outcomes, queries
from finbrain.platform.marketing import service as marketing
from finbrain.platform.marketing import uplift as uplift_model
from finbrain.platform.profile import queries as profile_queries
from finbrain.platform.workers import jobs

router = APIRouter(prefix="/console", include_in_schema=False)
Reader = Annotated[Viewer, Depends(signed_in("marketing:decide"))]
Manager = Annotated[Viewer, Depends(signed_in("marketing:manage"))]
CAMPAIGN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")
OFFER_ROWS = 3  # offers the form has room for
FIELDS = ("id", "name_zh", "name_en", "budget", "control_pct", "cap_max", "cap_days")
RULE_ROWS = 2  # eligibility rules per offer the form has room for
OFFER_FIELDS = (
    "code",
    "name_zh",
    "name_en",
    "treatment",
    "value",
    "cost",
    *(f"rule{m}_{k}" for m in range(RULE_ROWS) for k in ("column", "op", "value")),
)


def _problem(exc: FinbrainError, viewer: Viewer) -> dict[str, str]:
    """The field and the text of a refusal; the rules a banker meets on these pages (no
    profiles, no model yet) say what to do instead of naming the rule."""
    key = f"ui.marketing_problem.{exc.rule}"
    found = message(key, viewer.lang)
    text = error_text(exc, viewer.lang) if found == key else found
    return {"field": exc.field or "", "text": text}


# -- the campaigns and the model ---------------------------------------------------------------


@router.get("/marketing", response_class=HTMLResponse)
def campaigns_page(viewer: Reader) -> Response:
    with viewer.session() as session:
        rows = queries.campaigns(session)
        models = queries.uplift_models(session)
        spent = {r.id: marketing.spent(session, r.id) for r in rows}
    return viewer.page(
        "marketing.html",
        campaigns=rows,
        spent=spent,
        models=models,
        champion=next((m for m in models if m.status == "champion"), None),
        flash=take_flash(viewer.request),
    )


@router.post("/marketing/models", response_class=HTMLResponse)
def train_model(viewer: Manager, background: BackgroundTasks) -> Response:
    """Start training the uplift model from the recorded outcomes (a background job)."""
    with viewer.session(write=True) as session:
        try:
            uplift_model.check_trainable(uplift_model.training_rows(session))
        except ValidationError as exc:
            set_flash(viewer.request, "error", error_text(exc, viewer.lang))
            return RedirectResponse("/console/marketing", status_code=303)
        job = jobs.start(
            session, background, viewer.request.app.state, viewer.tenant_id, "marketing.train", {}
        )
    set_flash(
        viewer.request, "ok", message("ui.marketing_training_started", viewer.lang, job=job.id)
    )
    return RedirectResponse("/console/marketing", status_code=303)


# -- the builder -------------------------------------------------------------------------------


def _value(text: str) -> Any:
    """A rule's value as typed: a number, yes/no, else text."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _rule(o: dict[str, str], m: int, at: str) -> dict[str, Any] | None:
    """Rule ``m`` of an offer's form: a profile feature, an operator and a value (``in``:
    values separated by commas; ``is_true`` / ``is_false``: none). Its text reads the
    feature's label, so a customer's reason never shows an identifier."""
    column, op, raw = o[f"rule{m}_column"], o[f"rule{m}_op"], o[f"rule{m}_value"]
    if not column:
        return None
    if op not in OPERATOR_TEXT:
        raise ValidationError(field=f"{at}.op", rule="one_of_operators")
    rule: dict[str, Any] = {"column": column, "op": op}
    if op in ("in", "not_in"):
        rule["value"] = [_value(v.strip()) for v in raw.split(",") if v.strip()]
    elif op not in ("is_true", "is_false"):
        if not raw:
            raise ValidationError(field=f"{at}.value", rule="a_value")
        rule["value"] = _value(raw)
    label = _catalog().label(column) if column in _catalog() else None
    if label is not None:
        zh, en = OPERATOR_TEXT[op]
        shown = (
            ""
            if "value" not in rule
            else " "
            + ", ".join(
                str(v)
                for v in (rule["value"] if isinstance(rule["value"], list) else [rule["value"]])
            )
        )
        rule["text"] = {"zh": f"{label.zh}{zh}{shown}", "en": f"{label.en} {en}{shown}"}
    return rule


def _catalog() -> Any:
    from finbrain.profile import default_catalog

    return default_catalog()


def definition(form: dict[str, str], offers: list[dict[str, str]]) -> dict[str, Any]:
    """The campaign the form describes (validated by the library, which names the field)."""
    try:
        share = float(form["control_pct"] or 0) / 100
    except ValueError:
        raise ValidationError(field="control_share", rule="a_percentage") from None
    body: dict[str, Any] = {
        "id": form["id"],
        "name": {"zh": form["name_zh"], "en": form["name_en"]},
        "budget": form["budget"],
        "control_share": share,
        "offers": [],
    }
    if form["cap_max"] or form["cap_days"]:
        if not (form["cap_max"].isdigit() and form["cap_days"].isdigit()):
            raise ValidationError(field="contact_cap", rule="whole_numbers")
        body["contact_cap"] = {
            "max_contacts": int(form["cap_max"]),
            "window_days": int(form["cap_days"]),
        }
    for k, o in enumerate(o for o in offers if o["code"]):
        offer: dict[str, Any] = {
            "code": o["code"],
            "name": {"zh": o["name_zh"], "en": o["name_en"]},
            "value": o["value"],
            "cost": o["cost"],
            "eligibility": [
                r
                for m in range(RULE_ROWS)
                if (r := _rule(o, m, f"offers.{k}.eligibility.{m}")) is not None
            ],
        }
        if o["treatment"]:
            offer["treatment"] = o["treatment"]
        body["offers"].append(offer)
    return parse_campaign(body).model_dump(mode="json")


def _builder(
    viewer: Viewer, form: dict[str, str], offers: list[dict[str, str]], error: Any = None
) -> Response:
    with viewer.session() as session:
        champion = uplift_model.champion(session)
        treatments = list(uplift_model.loaded(champion).treatments_) if champion else []
        columns = _profile_columns(session, viewer.lang)
    index = 0 if viewer.lang == "zh" else 1
    return viewer.page(
        "marketing_new.html",
        422 if error else 200,
        form=form,
        offers=offers,
        error=error,
        treatments=treatments,
        columns=columns,
        rule_rows=RULE_ROWS,
        operators=[(op, words[index]) for op, words in OPERATOR_TEXT.items()],
    )


def _profile_columns(session: Any, lang: str) -> list[tuple[str, str]]:
    """(feature, its label) for every feature of the bank's profiles, as rules may read."""
    build = profile_queries.latest_build(session)
    if build is None:
        return []
    catalog = _catalog()
    with_values = profile_queries.feature_names(session)
    return sorted(
        ((n, catalog.label(n).model_dump()[lang] if n in catalog else n) for n in with_values),
        key=lambda p: p[1],
    )


@router.get("/marketing/new", response_class=HTMLResponse)
def builder_page(viewer: Manager) -> Response:
    form = dict.fromkeys(FIELDS, "") | {"control_pct": "10"}
    offers = [dict.fromkeys(OFFER_FIELDS, "") for _ in range(OFFER_ROWS)]
    return _builder(viewer, form, offers)


@router.post("/marketing/new", response_class=HTMLResponse)
async def builder_submit(viewer: Manager) -> Response:
    posted = await viewer.request.form()
    form = {k: str(posted.get(k, "")).strip() for k in FIELDS}
    offers = [
        {k: str(posted.get(f"offer{n}_{k}", "")).strip() for k in OFFER_FIELDS}
        for n in range(OFFER_ROWS)
    ]

    def work() -> Any:
        try:
            body = definition(form, offers)
            with viewer.session(write=True) as session:
                marketing.create(session, viewer.caller, parse_campaign(body))
            return None
        except FinbrainError as exc:  # before the commit: nothing stored
            return _problem(exc, viewer)

    error = await run_in_threadpool(work)
    if error is not None:
        return _builder(viewer, form, offers, error)
    set_flash(viewer.request, "ok", message("ui.marketing_created", viewer.lang, id=form["id"]))
    return RedirectResponse(f"/console/marketing/campaigns/{form['id']}", status_code=303)


# -- a campaign --------------------------------------------------------------------------------


@router.get("/marketing/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_page(viewer: Reader, campaign_id: str) -> Response:
    if not CAMPAIGN_ID.match(campaign_id):
        return viewer.not_found()
    lang = viewer.lang
    with viewer.session() as session:
        try:
            row = marketing.get(session, campaign_id)
        except NotFoundError:
            return viewer.not_found()
        campaign = parse_campaign(row.body)
        seen = expected.expected_lift(session, campaign_id)
        offered = queries.arms(session, campaign_id, "offer")
        control = queries.arms(session, campaign_id, "control")
        lift = outcomes.measured(session, campaign_id)
        spent = marketing.spent(session, campaign_id)
        job = queries.selection_job(session, campaign_id)
    return viewer.page(
        "marketing_campaign.html",
        row=row,
        campaign=campaign,
        expected=seen,
        spent=spent,
        problem=_problem(seen.problem, viewer) if seen.problem else None,
        offered=offered,
        control=control,
        lift=lift,
        job=job,
        flash=take_flash(viewer.request),
        gain_chart=charts.gain(seen, lang),
        offers_chart=charts.per_offer(seen, campaign, lang),
        measured_chart=charts.measured(lift, campaign, lang),
    )


@router.post("/marketing/campaigns/{campaign_id}/select", response_class=HTMLResponse)
def run_selection(viewer: Reader, campaign_id: str, background: BackgroundTasks) -> Response:
    """Select over every profiled customer of the bank (consent as recorded, the bank's
    uplift model) as a background job: a bank's whole base takes longer than a page should
    wait. Each outcome is a decision on the ledger; the page shows the job until it is done."""
    if not CAMPAIGN_ID.match(campaign_id):
        return viewer.not_found()
    with viewer.session(write=True) as session:
        try:
            count = len(marketing.check_profiled_selection(session, campaign_id))
        except NotFoundError:
            return viewer.not_found()
        except FinbrainError as exc:
            error = _problem(exc, viewer)
            set_flash(viewer.request, "error", f"{error['field']}: {error['text']}")
            return RedirectResponse(f"/console/marketing/campaigns/{campaign_id}", status_code=303)
        job = jobs.start(
            session,
            background,
            viewer.request.app.state,
            viewer.tenant_id,
            "marketing.select",
            {"campaign_id": campaign_id, "requested_by": viewer.caller.key_id},
        )
    set_flash(
        viewer.request,
        "ok",
        message("ui.marketing_selection_started", viewer.lang, job=job.id, customers=count),
    )
    return RedirectResponse(f"/console/marketing/campaigns/{campaign_id}", status_code=303)
