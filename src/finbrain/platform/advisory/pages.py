"""Console pages for advisory: the shelf and the latest clients, the risk questionnaire filled
in for a client (an assessment on the ledger), a client's profile with a form for a proposal,
and a proposal with its allocation, orders, reasons, a walk-forward backtest against equal
weight and the goal's Monte Carlo fan."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from finbrain.core.decision import utcnow
from finbrain.core.errors import FinbrainError, NotFoundError, ValidationError
from finbrain.core.i18n import message
from finbrain.core.money import Money
from finbrain.platform import decisions
from finbrain.platform.advisory import charts, outlook, proposals, queries
from finbrain.platform.advisory import service as advisory
from finbrain.platform.advisory import shelf as shelf_writes
from finbrain.platform.console.shell import Viewer, error_text, set_flash, signed_in, take_flash

router = APIRouter(prefix="/console", include_in_schema=False)
Adviser = Annotated[Viewer, Depends(signed_in("advisory:advise"))]
ShelfKeeper = Annotated[Viewer, Depends(signed_in("advisory:shelf"))]
PRODUCT_CODE = re.compile(r"^[A-Za-z0-9._\-]{1,32}$")
CLIENT_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
PROPOSAL_ID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
METHODS = ("target_risk", "min_variance", "max_sharpe", "min_cvar", "risk_parity", "hrp")


def _problem(exc: FinbrainError, viewer: Viewer) -> dict[str, str]:
    return {"field": exc.field or "", "text": error_text(exc, viewer.lang)}


# -- the shelf and the clients -----------------------------------------------------------------


@router.get("/advisory", response_class=HTMLResponse)
def advisory_page(viewer: Adviser) -> Response:
    with viewer.session() as session:
        state = queries.shelf_state(session)
        products, _ = queries.products_page(session, limit=200)
        clients = queries.recent_clients(session)
    return viewer.page(
        "advisory.html", state=state, products=products, clients=clients,
        flash=take_flash(viewer.request), may_withdraw=viewer.can("advisory:shelf"),
    )  # fmt: skip


@router.post("/advisory/withdrawals", response_class=HTMLResponse)
async def withdraw(viewer: ShelfKeeper) -> Response:
    """Take one product off sale (final): the shelf page says so, or why not."""
    form = await viewer.request.form()
    code = str(form.get("code", "")).strip()

    def work() -> FinbrainError | None:
        try:
            if not PRODUCT_CODE.match(code):
                raise ValidationError(field="code", rule="product_code_1_to_32")
            with viewer.session(write=True) as session:
                shelf_writes.withdraw(session, viewer.caller, [code])
            return None
        except FinbrainError as exc:
            return exc

    error = await run_in_threadpool(work)
    if error is None:
        set_flash(viewer.request, "ok",
                  message("ui.advisory_withdrawn_flash", viewer.lang, code=code))  # fmt: skip
    else:
        set_flash(viewer.request, "error", error_text(error, viewer.lang))
    return RedirectResponse(url="/console/advisory", status_code=303)


# -- the questionnaire -------------------------------------------------------------------------


def _questionnaire_page(
    viewer: Viewer, client_id: str, answers: dict[str, Any], error: Any, status: int = 200
) -> Response:
    return viewer.page(
        "advisory_questionnaire.html", status, form=advisory.questionnaire(),
        client_id=client_id, answers=answers, error=error,
    )  # fmt: skip


@router.get("/advisory/questionnaire", response_class=HTMLResponse)
def questionnaire_page(viewer: Adviser, client: str = "") -> Response:
    return _questionnaire_page(viewer, client if CLIENT_ID.match(client) else "", {}, None)


@router.post("/advisory/questionnaire", response_class=HTMLResponse)
async def questionnaire_submit(viewer: Adviser) -> Response:
    """Score the answers for the client typed in: the assessment goes on the ledger and the
    client's page opens; a refusal (an unanswered or contradictory question) names the
    question and keeps what was answered."""
    form = await viewer.request.form()
    client_id = str(form.get("client_id", "")).strip()
    questions = advisory.questionnaire().questions
    answers: dict[str, Any] = {}
    for q in questions:
        values = [str(v) for v in form.getlist(q.id) if str(v)]
        if values:
            answers[q.id] = values if q.kind == "multiple" else values[0]

    def work() -> tuple[Any, Any]:
        try:
            if not CLIENT_ID.match(client_id):
                raise ValidationError(field="client_id", rule="bank_reference_1_to_128")
            with viewer.session(write=True) as session:
                row, _, _ = advisory.assess(
                    session, viewer.request.app.state.settings, viewer.caller, client_id, answers
                )
                return row.category, None
        except FinbrainError as exc:  # raised before the commit: nothing recorded
            return None, _problem(exc, viewer)

    category, error = await run_in_threadpool(work)
    if error is not None:
        return _questionnaire_page(viewer, client_id, answers, error, 422)
    set_flash(
        viewer.request, "ok", message("ui.advisory_assessed_flash", viewer.lang, category=category)
    )
    return RedirectResponse(url=f"/console/advisory/clients/{client_id}", status_code=303)


# -- a client ----------------------------------------------------------------------------------


def _client_page(
    viewer: Viewer, client_id: str, *, form: dict[str, str] | None = None, error: Any = None,
    insist: dict[str, Any] | None = None, review: dict[str, Any] | None = None,
) -> Response:  # fmt: skip
    if not CLIENT_ID.match(client_id):
        return viewer.not_found()
    with viewer.session() as session:
        try:
            row = queries.client(session, client_id)
        except NotFoundError:
            return viewer.not_found()
        assessment = decisions.get(session, row.decision_id)
        made = queries.proposals_of(session, client_id)
        state = queries.shelf_state(session)
        on_sale = [p for p in queries.loaded_shelf(session).shelf if not p.withdrawn]
        insisted = queries.insistences_of(session, client_id)
    current = queries.profile_of(row).is_current(utcnow())
    failed = (
        error is not None
        or (insist is not None and insist.get("error") is not None)
        or (review is not None and review.get("error") is not None)
    )
    return viewer.page(
        "advisory_client.html", 422 if failed else 200, client=row, assessment=assessment,
        proposals=made, state=state, current=current, methods=METHODS, error=error,
        form=form or {"cash": "100000", "method": "target_risk", "holdings": ""},
        flash=take_flash(viewer.request), on_sale=on_sale, insisted=insisted,
        insist=insist or {"product": "", "error": None, "warning": None},
        review=review or {"outcome": "confirm", "note": "", "error": None},
    )  # fmt: skip


@router.get("/advisory/clients/{client_id}", response_class=HTMLResponse)
def client_page(viewer: Adviser, client_id: str) -> Response:
    return _client_page(viewer, client_id)


def _holdings(text: str) -> list[proposals.HoldingSpec]:
    """``CODE VALUE [DAYS HELD]`` per line (a comma works too)."""
    out = []
    for n, line in enumerate(text.splitlines()):
        parts = line.replace(",", " ").split()
        if not parts:
            continue
        if len(parts) not in (2, 3) or (len(parts) == 3 and not parts[2].isdigit()):
            raise ValidationError(field=f"holdings.{n + 1}", rule="code_value_and_days_held")
        days = int(parts[2]) if len(parts) == 3 else None
        out.append(proposals.HoldingSpec(parts[0], parts[1], days))
    return out


@router.post("/advisory/clients/{client_id}/proposals", response_class=HTMLResponse)
async def client_propose(viewer: Adviser, client_id: str) -> Response:
    """Make a proposal for the client (a decision on the ledger) and open it; a refusal is
    shown on the client's page with the field and the rule."""
    posted = await viewer.request.form()
    form = {k: str(posted.get(k, "")).strip() for k in ("cash", "method", "holdings")}

    def work() -> tuple[str | None, Any]:
        try:
            if form["method"] not in METHODS:
                raise ValidationError(field="method", rule="one_of_methods")
            with viewer.session(write=True) as session:
                currency = queries.loaded_shelf(session).shelf.currency
                try:
                    cash = Money(form["cash"] or "0", currency)
                except ValidationError as exc:
                    raise ValidationError(field="cash", rule=exc.rule or "money") from None
                row, _ = proposals.make(
                    session, viewer.request.app.state.settings, viewer.caller, client_id,
                    cash, _holdings(form["holdings"]), form["method"],
                )  # fmt: skip
                return row.id, None
        except FinbrainError as exc:
            return None, _problem(exc, viewer)

    made, error = await run_in_threadpool(work)
    if made is None:
        return _client_page(viewer, client_id, form=form, error=error)
    return RedirectResponse(url=f"/console/advisory/proposals/{made}", status_code=303)


@router.post("/advisory/clients/{client_id}/insistences", response_class=HTMLResponse)
async def client_insists(viewer: Adviser, client_id: str) -> Response:
    """The client insists on a product (a decision on the ledger, whatever its outcome). When
    the special warning has not been acknowledged, nothing is recorded and the page shows the
    warning to read to the client."""
    posted = await viewer.request.form()
    code = str(posted.get("product", "")).strip()
    acknowledged = posted.get("acknowledged") == "yes"

    def work() -> tuple[str | None, Any, str | None]:
        try:
            if not PRODUCT_CODE.match(code):
                raise ValidationError(field="product", rule="on_the_shelf")
            with viewer.session(write=True) as session:
                made = advisory.insist(
                    session, viewer.request.app.state.settings, viewer.caller, client_id, code,
                    acknowledged=acknowledged,
                )  # fmt: skip
                return made.outcome, None, None
        except FinbrainError as exc:
            warning = None
            if exc.rule == "warning_must_be_acknowledged":
                warning = _warning(viewer, client_id, code)
            return None, _problem(exc, viewer), warning

    outcome, error, warning = await run_in_threadpool(work)
    if outcome is None:
        if error is not None and error["field"] == "client_id":
            return viewer.not_found()
        state = {"product": code, "error": error, "warning": warning}
        return _client_page(viewer, client_id, insist=state)
    set_flash(
        viewer.request,
        "ok" if outcome != "block" else "error",
        message(f"ui.advisory_insist_flash.{outcome}", viewer.lang, code=code),
    )
    return RedirectResponse(url=f"/console/advisory/clients/{client_id}", status_code=303)


@router.post("/advisory/clients/{client_id}/reviews", response_class=HTMLResponse)
async def client_review(viewer: Adviser, client_id: str) -> Response:
    """An adviser reviews contradicting answers with the client: confirm them (the profile may
    be used) or send the client back to the questionnaire; a decision on the ledger with the
    note. A refusal (a blank note) shows on the page and records nothing."""
    posted = await viewer.request.form()
    review = {
        "outcome": str(posted.get("outcome", "")).strip(),
        "note": str(posted.get("note", "")).strip(),
    }

    def work() -> tuple[str | None, Any]:
        try:
            if not 1 <= len(review["note"]) <= 2000:
                raise ValidationError(field="note", rule="length_1_to_2000")
            with viewer.session(write=True) as session:
                _, made = advisory.review(
                    session, viewer.request.app.state.settings, viewer.caller, client_id,
                    review["outcome"], review["note"],
                )  # fmt: skip
                return made.outcome, None
        except FinbrainError as exc:
            return None, _problem(exc, viewer)

    outcome, error = await run_in_threadpool(work)
    if outcome is None and error is not None and error["field"] == "client_id":
        # Not this bank's client (the page is a 404), or reviewed meanwhile (say so there).
        set_flash(viewer.request, "error", error["text"])
        return _client_page(viewer, client_id)
    if outcome is None:
        return _client_page(viewer, client_id, review={**review, "error": error})
    set_flash(viewer.request, "ok", message(f"ui.advisory_review_flash.{outcome}", viewer.lang))
    return RedirectResponse(url=f"/console/advisory/clients/{client_id}", status_code=303)


def _warning(viewer: Viewer, client_id: str, code: str) -> str | None:
    """The special risk warning the client must read before insisting on ``code``."""
    with viewer.session() as session:
        profile = queries.profile_of(queries.client(session, client_id))
        product = queries.loaded_shelf(session).shelf[code]
    gate = proposals.rules().gate(profile, product)
    text = next((r.text for r in gate.reasons if r.code == "SUIT-INSIST-WARNING"), None)
    return None if text is None else (text.zh if viewer.lang == "zh" else text.en)


# -- a proposal --------------------------------------------------------------------------------


def _goal_query(years: str, target: str, monthly: str) -> tuple[int, Decimal | None, Decimal]:
    try:
        n = int(years or 5)
        goal = Decimal(target) if target else None
        add = Decimal(monthly or 0)
    except (ValueError, InvalidOperation):
        raise ValidationError(field="goal", rule="numbers") from None
    if not 1 <= n <= 40:
        raise ValidationError(field="years", rule="whole_years_1_to_40")
    if (goal is not None and not 0 < goal < Decimal("1e12")) or not 0 <= add < Decimal("1e12"):
        raise ValidationError(field="target", rule="positive_amount")
    return n, goal, add


@router.get("/advisory/proposals/{proposal_id}", response_class=HTMLResponse)
def proposal_page(
    viewer: Adviser, proposal_id: str, years: str = "", target: str = "", monthly: str = ""
) -> Response:
    if not PROPOSAL_ID.match(proposal_id):
        return viewer.not_found()
    error = None
    try:
        n, goal, add = _goal_query(years, target, monthly)
    except ValidationError as exc:
        error, (n, goal, add) = _problem(exc, viewer), (5, None, Decimal(0))
    with viewer.session() as session:
        try:
            row = queries.proposal(session, proposal_id)
        except NotFoundError:
            return viewer.not_found()
        decision = decisions.get(session, row.id)
        shelf = queries.loaded_shelf(session).shelf
        withdrawn = queries.withdrawn_in(session, row)
        try:
            seen = outlook.outlook(session, proposal_id, target=goal, years=n, monthly=add)
        except FinbrainError as exc:
            error = _problem(exc, viewer)
            seen = outlook.outlook(session, proposal_id)
    context = charts.proposal_charts(row, shelf, seen, viewer.lang)
    return viewer.page(
        "advisory_proposal.html", 422 if error else 200, proposal=row, decision=decision,
        shelf=shelf, seen=seen, error=error, withdrawn=withdrawn,
        goal_form={"years": n, "target": seen.goal.target.amount if seen.goal else "",
                   "monthly": add},
        **context,
    )  # fmt: skip
