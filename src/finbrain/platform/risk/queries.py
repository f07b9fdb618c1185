"""What the API and the console read about risk: one query per view, so the two show the same
events, alerts and cases (the console only adds labels and layout)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from finbrain.core.decision import Decision
from finbrain.platform import decisions
from finbrain.platform.pagination import keyset_page
from finbrain.platform.risk.cases import case_or_404
from finbrain.platform.risk.tables import RiskAlert, RiskCase, RiskCaseNote, RiskEvent


def events_page(
    session: Session, *, limit: int, before: int | None = None, outcome: str | None = None
) -> tuple[list[RiskEvent], int | None]:
    """The live stream: newest scored events first, and the ``before`` of the next page."""
    query = select(RiskEvent)
    if outcome is not None:
        query = query.where(RiskEvent.outcome == outcome)
    return keyset_page(session, query, RiskEvent.seq, limit=limit, after=before)


@dataclass(frozen=True)
class StreamSummary:
    """The counters over the stream: all events, the outcomes of the latest ``window``, and
    the open cases."""

    total: int
    recent: Counter[str]
    window: int
    open_cases: int


def stream_summary(session: Session, window: int) -> StreamSummary:
    recent = session.scalars(
        select(RiskEvent.outcome).order_by(RiskEvent.seq.desc()).limit(window)
    ).all()
    total = session.scalar(select(func.count()).select_from(RiskEvent)) or 0
    open_cases = (
        session.scalar(select(func.count()).select_from(RiskCase).where(RiskCase.status == "open"))
        or 0
    )
    return StreamSummary(total, Counter(recent), len(recent), open_cases)


def utc_hour(session: Session, column: Any) -> Any:
    """The UTC hour of a timestamp column as ``YYYY-MM-DD HH`` text, in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d %H", column)


def events_per_hour(session: Session, *, hours: int = 72) -> list[tuple[str, int, int]]:
    """(UTC hour, events scored, events flagged for review or block) over the last ``hours``
    hours of event time, counted in SQL; hours without events are left out."""
    from datetime import timedelta

    from finbrain.core.decision import utcnow

    hour = utc_hour(session, RiskEvent.occurred_at)
    flagged = func.sum(case((RiskEvent.outcome != "allow", 1), else_=0))
    rows = session.execute(
        select(hour, func.count(), flagged)
        .where(RiskEvent.occurred_at >= utcnow() - timedelta(hours=hours))
        .group_by(hour)
        .order_by(hour)
    )
    return [(str(h), int(total), int(flags or 0)) for h, total, flags in rows]


def score_bands(session: Session, *, width: int = 50, last: int = 10_000) -> dict[int, int]:
    """Events per ``width``-point band of the risk score (0–1000), over the latest ``last``
    events, counted in SQL."""
    recent = select(RiskEvent.score).order_by(RiskEvent.seq.desc()).limit(last).subquery()
    band = func.round(recent.c.score)
    bands: Counter[int] = Counter()
    for value, count in session.execute(select(band, func.count()).group_by(band)):
        bands[min(int(float(value) // width * width), 1000 - width)] += int(count)
    return {low: bands.get(low, 0) for low in range(0, 1000, width)}


def cases_page(
    session: Session, *, limit: int, cursor: str | None = None, status: str | None = None
) -> tuple[list[RiskCase], str | None]:
    """Cases, newest first."""
    query = select(RiskCase)
    if status:
        query = query.where(RiskCase.status == status)
    return keyset_page(session, query, RiskCase.id, limit=limit, after=cursor)


def open_alerts_page(
    session: Session, *, limit: int, cursor: str | None = None
) -> tuple[list[tuple[RiskAlert, RiskCase]], str | None]:
    """The alert queue: alerts of open cases, newest first, each with its case."""
    query = (
        select(RiskAlert)
        .join(RiskCase, RiskCase.id == RiskAlert.case_id)
        .where(RiskCase.status == "open", RiskCase.tenant_id == RiskAlert.tenant_id)
    )
    alerts, last = keyset_page(session, query, RiskAlert.id, limit=limit, after=cursor)
    cases = {
        c.id: c
        for c in session.scalars(
            select(RiskCase).where(RiskCase.id.in_({a.case_id for a in alerts}))
        )
    }
    return [(a, cases[a.case_id]) for a in alerts], last


@dataclass(frozen=True)
class AlertView:
    """One alert of a case with the event it was raised on, that event's features as they were
    at decision time, and the decision (reasons, receipt)."""

    alert: RiskAlert
    decision: Decision
    event: dict[str, Any] | None = None  # None: the event is no longer in the log
    features: dict[str, Any] | None = None


@dataclass(frozen=True)
class CaseView:
    case: RiskCase
    alerts: list[AlertView]
    notes: list[RiskCaseNote]


def case_view(session: Session, case_id: str) -> CaseView:
    """The case with each alert's event, features and decision, and the case history
    (``NotFoundError`` for another tenant's or an unknown case)."""
    case = case_or_404(session, case_id)
    alerts = session.scalars(
        select(RiskAlert).where(RiskAlert.case_id == case.id).order_by(RiskAlert.id)
    ).all()
    notes = session.scalars(
        select(RiskCaseNote).where(RiskCaseNote.case_id == case.id).order_by(RiskCaseNote.id)
    ).all()
    events = {
        e.event_id: e
        for e in session.scalars(
            select(RiskEvent).where(RiskEvent.event_id.in_({a.event_id for a in alerts}))
        )
    }
    views = []
    for alert in alerts:
        row = events.get(alert.event_id)
        views.append(
            AlertView(
                alert=alert,
                decision=decisions.get(session, alert.decision_id),
                event=row.body.get("event") if row is not None else None,
                features=row.body.get("features") if row is not None else None,
            )
        )
    return CaseView(case, views, list(notes))
