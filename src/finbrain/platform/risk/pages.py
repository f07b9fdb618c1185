"""Console pages for real-time risk: the live stream of scored events, the alert queue, the
case an investigator works, and the rule editor (backtest, then publish live)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from finbrain.core.errors import ConflictError, NotFoundError, ValidationError
from finbrain.core.i18n import Language, message
from finbrain.platform import decisions
from finbrain.platform.console.common import (
    ULID,
    error_text,
    guard,
    not_found,
    set_flash,
    take_flash,
)
from finbrain.platform.console.pages import _db, language, render
from finbrain.platform.risk import service
from finbrain.platform.risk.tables import RiskAlert, RiskCase, RiskCaseNote, RiskEvent
from finbrain.platform.tenancy import Principal
from finbrain.risk.features import extended_feature_spec

router = APIRouter(prefix="/console/risk", include_in_schema=False)
ROWS = 50  # events shown in the stream
WINDOW = 200  # events the counters and the chart cover
OUTCOMES = ("allow", "review", "block")
BACKTEST_LIMIT = 100_000


# -- the live stream --------------------------------------------------------------------------
def _event_view(row: RiskEvent) -> dict[str, Any]:
    event = row.body.get("event", {})
    return {
        "seq": row.seq,
        "event_id": row.event_id,
        "occurred_at": row.occurred_at,
        "customer_id": event.get("customer_id"),
        "card_id": event.get("card_id") or event.get("account_id"),
        "amount": event.get("amount"),
        "currency": event.get("currency"),
        "channel": event.get("channel"),
        "outcome": row.outcome,
        "score": row.score,
        "rules": row.body.get("rules", []),
        "decision_id": row.decision_id,
    }


def _stream(request: Request, tenant_id: str, lang: Language) -> dict[str, Any]:
    with _db(request).tenant(tenant_id, write=False) as session:
        rows = session.scalars(select(RiskEvent).order_by(RiskEvent.seq.desc()).limit(ROWS)).all()
        recent = session.scalars(
            select(RiskEvent.outcome).order_by(RiskEvent.seq.desc()).limit(WINDOW)
        ).all()
        total = session.scalar(select(func.count()).select_from(RiskEvent)) or 0
        open_cases = (
            session.scalar(
                select(func.count()).select_from(RiskCase).where(RiskCase.status == "open")
            )
            or 0
        )
        events = [_event_view(r) for r in rows]
    counts = Counter(recent)
    chart = {
        "categories": [_label(lang, "outcome", o) for o in OUTCOMES],
        "names": list(OUTCOMES),
        "values": [counts.get(o, 0) for o in OUTCOMES],
    }
    return {
        "events": events,
        "total": total,
        "window": len(recent),
        "counts": {o: counts.get(o, 0) for o in OUTCOMES},
        "open_cases": open_cases,
        "chart_json": json.dumps(chart, ensure_ascii=False),
        "latest_seq": events[0]["seq"] if events else 0,
    }


def _label(lang: Language, kind: str, value: str) -> str:
    key = f"ui.{kind}.{value}"
    text = message(key, lang)
    return value if text == key else text


@router.get("", response_class=HTMLResponse)
def stream_page(request: Request) -> Response:
    signed = guard(request, "risk:score")
    if isinstance(signed, Response):
        return signed
    principal, tenant_name = signed
    assert principal.tenant_id
    context = _stream(request, principal.tenant_id, language(request))
    return render(
        request,
        "risk_stream.html",
        tenant_name=tenant_name,
        principal=principal,
        window_size=WINDOW,
        **context,
    )


@router.get("/rows", response_class=HTMLResponse)
def stream_rows(request: Request) -> Response:
    """The fragment htmx polls every 2 s: counters, chart data and the newest events."""
    signed = guard(request, "risk:score")
    if isinstance(signed, Response):
        # htmx would swap the sign-in page into the stream: tell it to reload the page instead.
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    principal, _tenant_name = signed
    assert principal.tenant_id
    context = _stream(request, principal.tenant_id, language(request))
    return render(request, "_risk_rows.html", window_size=WINDOW, **context)


# -- the alert queue --------------------------------------------------------------------------
@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request) -> Response:
    signed = guard(request, "risk:cases")
    if isinstance(signed, Response):
        return signed
    principal, tenant_name = signed
    assert principal.tenant_id
    with _db(request).tenant(principal.tenant_id, write=False) as session:
        rows = session.execute(
            select(RiskAlert, RiskCase)
            .join(RiskCase, RiskCase.id == RiskAlert.case_id)
            .where(RiskCase.status == "open", RiskCase.tenant_id == RiskAlert.tenant_id)
            .order_by(RiskAlert.id.desc())
            .limit(200)
        ).all()
        alerts = [
            {
                "id": alert.id,
                "case_id": case.id,
                "entity_type": case.entity_type,
                "entity_id": case.entity_id,
                "assignee": case.assignee,
                "event_id": alert.event_id,
                "action": alert.action,
                "score": alert.score,
                "rules": alert.rules,
                "created_at": alert.created_at,
            }
            for alert, case in rows
        ]
    return render(
        request,
        "risk_alerts.html",
        tenant_name=tenant_name,
        principal=principal,
        alerts=alerts,
        cases=len({a["case_id"] for a in alerts}),
    )


# -- one case ---------------------------------------------------------------------------------
def _feature_texts(lang: Language) -> dict[str, str]:
    """A readable name for every feature the engine computes, built from its spec."""
    spec = extended_feature_spec()
    out: dict[str, str] = {}
    for w in spec["windows"]:
        who = _label(lang, "risk_key", "+".join(w["key"]))
        if w.get("label"):
            what = "fraud_rate" if w["agg"] == "avg" else "frauds"
        elif w["agg"] in ("sum", "avg", "max"):
            what = f"{w['agg']}_{w.get('field', '')}"
        else:
            what = w["agg"]
        text = message(f"ui.risk_agg.{what}", lang, who=who, span=w["span"])
        if w.get("delay"):
            text += message("ui.risk_delay", lang, delay=w["delay"])
        out[w["name"]] = text
    for d in spec["derived"]:
        out[d["name"]] = _label(lang, "risk_derived", d["name"])
    return out


def _case_context(session: Any, case: RiskCase, lang: Language) -> dict[str, Any]:
    alerts = session.scalars(
        select(RiskAlert).where(RiskAlert.case_id == case.id).order_by(RiskAlert.id)
    ).all()
    notes = session.scalars(
        select(RiskCaseNote).where(RiskCaseNote.case_id == case.id).order_by(RiskCaseNote.id)
    ).all()
    names = _feature_texts(lang)
    views = []
    for alert in alerts:
        row = session.scalar(select(RiskEvent).where(RiskEvent.event_id == alert.event_id))
        features = (row.body.get("features") or {}) if row is not None else {}
        views.append(
            {
                "id": alert.id,
                "event_id": alert.event_id,
                "action": alert.action,
                "score": alert.score,
                "rules": alert.rules,
                "created_at": alert.created_at,
                "event": (row.body.get("event") or {}) if row is not None else {},
                "features": [
                    {"name": k, "text": names.get(k, k), "value": _plain(v)}
                    for k, v in features.items()
                ],
                "decision": decisions.get(session, alert.decision_id),
            }
        )
    return {
        "case": case,
        "alerts": views,
        "notes": list(notes),
    }


def _plain(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:,.0f}"
    return str(value)


def _case_page(
    request: Request, principal: Principal, tenant_name: str, case_id: str, status: int = 200
) -> Response:
    assert principal.tenant_id
    lang = language(request)
    try:
        with _db(request).tenant(principal.tenant_id, write=False) as session:
            case = service.case_or_404(session, case_id)
            context = _case_context(session, case, lang)
    except NotFoundError:
        return not_found(request, principal, tenant_name)
    return render(
        request,
        "risk_case.html",
        status,
        tenant_name=tenant_name,
        principal=principal,
        flash=take_flash(request),
        **context,
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: str) -> Response:
    signed = guard(request, "risk:cases")
    if isinstance(signed, Response):
        return signed
    principal, tenant_name = signed
    if not ULID.match(case_id):
        return not_found(request, principal, tenant_name)
    return _case_page(request, principal, tenant_name, case_id)


@router.post("/cases/{case_id}/{verb}", response_class=HTMLResponse)
def case_action(
    request: Request,
    case_id: str,
    verb: str,
    assignee: str = Form(default="", max_length=128),
    body: str = Form(default="", max_length=4000),
    disposition: str = Form(default="", max_length=16),
) -> Response:
    """Assign, comment or close (fraud / not fraud); a closed case's events become labels."""
    signed = guard(request, "risk:cases")
    if isinstance(signed, Response):
        return signed
    principal, tenant_name = signed
    assert principal.tenant_id
    lang = language(request)
    if not ULID.match(case_id) or verb not in ("assign", "comment", "close"):
        return not_found(request, principal, tenant_name)
    assignee, body = assignee.strip(), body.strip()
    labels: list[tuple[str, bool]] = []
    try:
        with _db(request).tenant(principal.tenant_id) as session:
            if verb == "assign":
                if not assignee:
                    raise ValidationError(field="assignee", rule="required")
                service.assign(session, case_id, assignee, principal.key_id)
                done = message("ui.case_assigned", lang, assignee=assignee)
            elif verb == "comment":
                if not body:
                    raise ValidationError(field="body", rule="required")
                service.comment(session, case_id, body, principal.key_id)
                done = message("ui.case_commented", lang)
            else:
                if not body:
                    raise ValidationError(field="body", rule="required")
                _case, labels = service.close(session, case_id, disposition, body, principal.key_id)
                done = message(
                    "ui.case_closed_as", lang, disposition=_label(lang, "disposition", disposition)
                )
    except NotFoundError:
        return not_found(request, principal, tenant_name)
    except (ValidationError, ConflictError) as exc:  # rolled back: nothing changed
        set_flash(request, "error", f"{exc.field or ''}: {error_text(exc, lang)}")
        return _case_page(request, principal, tenant_name, case_id, 422)
    if labels:  # committed: feed the labels to the live engine
        request.app.state.risk.tenant(principal.tenant_id).label(labels)
    set_flash(request, "ok", done)
    return RedirectResponse(url=f"/console/risk/cases/{case_id}", status_code=303)


# -- the rule editor --------------------------------------------------------------------------
def _live_rules(request: Request, tenant_id: str) -> dict[str, Any]:
    with _db(request).tenant(tenant_id, write=False) as session:
        version, digest, published, body = service.current_rules(session)
    return {
        "version": version,
        "digest": digest,
        "published_at": published,
        "rules_text": json.dumps(body.get("rules", []), indent=2, ensure_ascii=False),
        "rule_count": len(body.get("rules", [])),
    }


@router.get("/rules", response_class=HTMLResponse)
def rules_page(request: Request) -> Response:
    signed = guard(request, "risk:rules")
    if isinstance(signed, Response):
        return signed
    principal, tenant_name = signed
    assert principal.tenant_id
    return render(
        request,
        "risk_rules.html",
        tenant_name=tenant_name,
        principal=principal,
        error=None,
        report=None,
        published=None,
        **_live_rules(request, principal.tenant_id),
    )


def _parse_rules(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            exc.msg, field="rules", rule="json", line=exc.lineno, column=exc.colno
        ) from None
    if isinstance(data, dict) and "rules" in data:
        data = data["rules"]
    if not isinstance(data, list) or not data:
        raise ValidationError("a non-empty list of rules", field="rules", rule="type")
    if len(data) > 500:
        raise ValidationError(field="rules", rule="max_length", limit=500)
    return data


@router.post("/rules", response_class=HTMLResponse)
async def rules_submit(request: Request) -> Response:
    """Backtest the edited rules over the scored history, or publish them live."""
    signed = guard(request, "risk:rules")
    if isinstance(signed, Response):
        return signed
    principal, tenant_name = signed
    tenant_id = principal.tenant_id
    assert tenant_id
    lang = language(request)
    form = await request.form()
    text = str(form.get("rules", ""))[:1_000_000]
    action = str(form.get("action", ""))
    error: dict[str, Any] | None = None
    report: dict[str, Any] | None = None
    published: dict[str, Any] | None = None

    def work() -> None:
        nonlocal error, report, published
        try:
            rules = _parse_rules(text)
            if action == "backtest":
                with _db(request).tenant(tenant_id, write=False) as session:
                    report = service.backtest(session, rules, BACKTEST_LIMIT)
            elif action == "publish":
                with _db(request).tenant(tenant_id) as session:
                    row = service.publish_rules(session, tenant_id, rules, principal.key_id)
                    published = {"version": row.version, "digest": row.digest}
                # Committed: make it live in this process's engine without a restart.
                request.app.state.risk.tenant(tenant_id).reload_rules()
            else:
                raise ValidationError(field="action", rule="one_of_backtest_publish")
        except ValidationError as exc:
            error = {
                "field": exc.field or "",
                "rule": exc.rule or "",
                "text": exc.detail or error_text(exc, lang),
                "where": message("ui.json_where", lang, **exc.params) if exc.rule == "json" else "",
            }

    await run_in_threadpool(work)
    context = _live_rules(request, tenant_id)
    if error is not None or report is not None:
        context["rules_text"] = text  # keep what the author typed
    return render(
        request,
        "risk_rules.html",
        422 if error else 200,
        tenant_name=tenant_name,
        principal=principal,
        error=error,
        report=report,
        published=published,
        **context,
    )
