"""Console pages for real-time risk: the live stream of scored events, the alert queue, the
case an investigator works, and the rule editor (backtest, then publish live)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from finbrain.core.errors import ConflictError, NotFoundError, ValidationError
from finbrain.core.i18n import Language, message
from finbrain.platform.console import charts
from finbrain.platform.console.shell import (
    ULID,
    Viewer,
    error_text,
    render,
    set_flash,
    signed_in,
    take_flash,
)
from finbrain.platform.risk import dashboard, queries, service
from finbrain.platform.risk.labels import feature_texts, label
from finbrain.platform.risk.tables import RiskEvent

router = APIRouter(prefix="/console/risk", include_in_schema=False)
Watcher = Annotated[Viewer, Depends(signed_in("risk:score"))]
Poller = Annotated[Viewer, Depends(signed_in("risk:score", fragment=True))]  # htmx, every 2 s
Investigator = Annotated[Viewer, Depends(signed_in("risk:cases"))]
RuleAuthor = Annotated[Viewer, Depends(signed_in("risk:rules"))]
ROWS = 50  # events shown in the stream
QUEUE = 200  # alerts shown in the queue
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


def _stream(viewer: Viewer) -> dict[str, Any]:
    lang = viewer.lang
    with viewer.session() as session:
        rows, _ = queries.events_page(session, limit=ROWS)
        summary = queries.stream_summary(session, WINDOW)
        events = [_event_view(r) for r in rows]
    counts = summary.recent
    chart = {
        "categories": [label(lang, "outcome", o) for o in OUTCOMES],
        "names": list(OUTCOMES),
        "values": [counts.get(o, 0) for o in OUTCOMES],
    }
    return {
        "events": events,
        "total": summary.total,
        "window": summary.window,
        "counts": {o: counts.get(o, 0) for o in OUTCOMES},
        "open_cases": summary.open_cases,
        "chart_json": json.dumps(chart, ensure_ascii=False),
        "latest_seq": events[0]["seq"] if events else 0,
    }


def _dashboard(viewer: Viewer) -> dict[str, str | None]:
    """Events per hour with the share flagged, and the distribution of risk scores."""
    lang = viewer.lang
    with viewer.session() as session:
        hourly = queries.events_per_hour(session)
        bands = queries.score_bands(session)
    traffic = charts.keyed(
        "bar",
        lang,
        ("ui.chart.risk_traffic", "ui.axis.hour_utc", "ui.axis.events"),
        [h for h, _, _ in hourly],
        [
            {
                "name": charts.family_label("good", lang),
                "family": "good",
                "stack": "all",
                "data": [total - flagged for _, total, flagged in hourly],
            },
            {
                "name": message("ui.flagged", lang),
                "family": "bad",
                "stack": "all",
                "data": [flagged for _, _, flagged in hourly],
            },
        ],
    )
    scores = charts.keyed(
        "bar",
        lang,
        ("ui.chart.risk_scores", "ui.axis.risk_score", "ui.axis.events"),
        [f"{low}–{low + 50}" for low in bands],
        [charts.one(message("ui.axis.events", lang), list(bands.values()))],
    )
    return {"traffic_chart": traffic, "scores_chart": scores, **_investigation(viewer)}


def _investigation(viewer: Viewer) -> dict[str, str | None]:
    """Rule hits per day, the path from event to confirmed fraud, open cases by age, and the
    merchants and terminals raising the most alerts."""
    lang = viewer.lang
    with viewer.session() as session:
        hits = dashboard.rule_hits_per_day(session)
        funnel = dashboard.funnel(session)
        ages = dashboard.open_case_ages(session)
        merchants = dashboard.top_by_alerts(session, "merchant_id")
        terminals = dashboard.top_by_alerts(session, "terminal_id")
    days = sorted({d for per_day in hits.values() for d in per_day})
    rules = (
        None
        if not hits
        else charts.keyed(
            "line",
            lang,
            ("ui.chart.rule_hits", "ui.axis.day_utc", "ui.axis.alerts"),
            days,
            [{"name": rule, "data": [hits[rule][d] for d in days]} for rule in sorted(hits)],
        )
    )
    stages = ("scored", "flagged", "alerts", "cases_opened", "cases_closed", "confirmed_fraud")
    path = charts.keyed(
        "bar",
        lang,
        ("ui.chart.alert_funnel", "ui.axis.stage", "ui.axis.count"),
        [message(f"ui.stage.{s}", lang) for s in stages],
        [charts.one(message("ui.axis.count", lang), [getattr(funnel, s) for s in stages])],
    )
    ageing = charts.keyed(
        "bar",
        lang,
        ("ui.chart.case_ageing", "ui.axis.waited", "ui.axis.open_cases"),
        [message(f"ui.age.{bucket}", lang) for bucket in ages],
        [charts.one(message("ui.axis.open_cases", lang), list(ages.values()), "review")],
    )

    def top(key: str, rows: list[tuple[str, int]]) -> str:
        return charts.keyed(
            "hbar",
            lang,
            (f"ui.chart.{key}", f"ui.axis.{key}", "ui.axis.alerts"),
            [name for name, _ in rows],
            [charts.one(message("ui.axis.alerts", lang), [n for _, n in rows], "bad")],
        )

    return {
        "rules_chart": rules,
        "funnel_chart": path,
        "ageing_chart": ageing,
        "merchants_chart": top("top_merchants", merchants) if merchants else None,
        "terminals_chart": top("top_terminals", terminals) if terminals else None,
    }


@router.get("", response_class=HTMLResponse)
def stream_page(viewer: Watcher) -> Response:
    return viewer.page(
        "risk_stream.html", window_size=WINDOW, **_stream(viewer), **_dashboard(viewer)
    )


@router.get("/rows", response_class=HTMLResponse)
def stream_rows(
    viewer: Annotated[Viewer, Depends(signed_in("risk:score", fragment=True))],
) -> Response:
    """The fragment htmx polls every 2 s: counters, chart data and the newest events."""
    return render(viewer.request, "_risk_rows.html", window_size=WINDOW, **_stream(viewer))


# -- the alert queue --------------------------------------------------------------------------
@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(viewer: Investigator) -> Response:
    with viewer.session() as session:
        rows, _ = queries.open_alerts_page(session, limit=QUEUE)
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
    return viewer.page(
        "risk_alerts.html",
        alerts=alerts,
        cases=len({a["case_id"] for a in alerts}),
    )


# -- one case ---------------------------------------------------------------------------------
def _case_context(view: queries.CaseView, lang: Language) -> dict[str, Any]:
    names = feature_texts(lang)
    alerts = [
        {
            "id": a.alert.id,
            "event_id": a.alert.event_id,
            "action": a.alert.action,
            "score": a.alert.score,
            "rules": a.alert.rules,
            "created_at": a.alert.created_at,
            "event": a.event or {},
            "features": [
                {"name": k, "text": names.get(k, k), "value": _plain(v)}
                for k, v in (a.features or {}).items()
            ],
            "decision": a.decision,
        }
        for a in view.alerts
    ]
    return {"case": view.case, "alerts": alerts, "notes": view.notes}


def _plain(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:,.0f}"
    return str(value)


def _case_page(viewer: Viewer, case_id: str, status: int = 200) -> Response:
    try:
        with viewer.session() as session:
            context = _case_context(queries.case_view(session, case_id), viewer.lang)
    except NotFoundError:
        return viewer.not_found()
    return viewer.page("risk_case.html", status, flash=take_flash(viewer.request), **context)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(viewer: Investigator, case_id: str) -> Response:
    if not ULID.match(case_id):
        return viewer.not_found()
    return _case_page(viewer, case_id)


@router.post("/cases/{case_id}/{verb}", response_class=HTMLResponse)
def case_action(
    viewer: Investigator,
    case_id: str,
    verb: str,
    assignee: str = Form(default="", max_length=128),
    body: str = Form(default="", max_length=4000),
    disposition: str = Form(default="", max_length=16),
) -> Response:
    """Assign, comment or close (fraud / not fraud); a closed case's events become labels."""
    lang = viewer.lang
    author = viewer.caller.author
    if not ULID.match(case_id) or verb not in ("assign", "comment", "close"):
        return viewer.not_found()
    assignee, body = assignee.strip(), body.strip()
    labels: list[tuple[str, bool]] = []
    try:
        with viewer.session(write=True) as session:
            if verb == "assign":
                if not assignee:
                    raise ValidationError(field="assignee", rule="required")
                service.assign(session, case_id, assignee, author)
                done = message("ui.case_assigned", lang, assignee=assignee)
            elif verb == "comment":
                if not body:
                    raise ValidationError(field="body", rule="required")
                service.comment(session, case_id, body, author)
                done = message("ui.case_commented", lang)
            else:
                if not body:
                    raise ValidationError(field="body", rule="required")
                _case, labels = service.close(session, case_id, disposition, body, author)
                done = message(
                    "ui.case_closed_as", lang, disposition=label(lang, "disposition", disposition)
                )
    except NotFoundError:
        return viewer.not_found()
    except (ValidationError, ConflictError) as exc:  # rolled back: nothing changed
        set_flash(viewer.request, "error", f"{exc.field or ''}: {error_text(exc, lang)}")
        return _case_page(viewer, case_id, 422)
    if labels:  # committed: feed the labels to the live engine
        viewer.request.app.state.risk.tenant(viewer.tenant_id).label(labels)
    set_flash(viewer.request, "ok", done)
    return RedirectResponse(url=f"/console/risk/cases/{case_id}", status_code=303)


# -- the rule editor --------------------------------------------------------------------------
def _live_rules(viewer: Viewer) -> dict[str, Any]:
    with viewer.session() as session:
        version, digest, published, body = service.current_rules(session)
    return {
        "version": version,
        "digest": digest,
        "published_at": published,
        "rules_text": json.dumps(body.get("rules", []), indent=2, ensure_ascii=False),
        "rule_count": len(body.get("rules", [])),
    }


@router.get("/rules", response_class=HTMLResponse)
def rules_page(viewer: RuleAuthor) -> Response:
    return viewer.page(
        "risk_rules.html", error=None, report=None, published=None, **_live_rules(viewer)
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
async def rules_submit(viewer: RuleAuthor) -> Response:
    """Backtest the edited rules over the scored history, or publish them live."""
    lang = viewer.lang
    form = await viewer.request.form()
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
                with viewer.session() as session:
                    report = service.backtest(session, rules, BACKTEST_LIMIT)
            elif action == "publish":
                with viewer.session(write=True) as session:
                    caller = viewer.caller
                    row = service.publish_rules(session, caller.tenant_id, rules, caller.author)
                    published = {"version": row.version, "digest": row.digest}
                # Committed: make it live in this process's engine without a restart.
                viewer.request.app.state.risk.tenant(viewer.tenant_id).reload_rules()
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
    context = _live_rules(viewer)
    if error is not None or report is not None:
        context["rules_text"] = text  # keep what the author typed
    return viewer.page(
        "risk_rules.html",
        422 if error else 200,
        error=error,
        report=report,
        published=published,
        **context,
    )
