"""What the risk dashboard counts beyond the stream, in SQL: rule hits per day, the path from
scored event to confirmed fraud, how long open cases have waited, and the merchants and
terminals that raise the most alerts."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, case, func, select, true
from sqlalchemy.orm import Session

from finbrain.core.decision import utcnow
from finbrain.platform.decisions.service import utc_day
from finbrain.platform.risk.tables import RiskAlert, RiskCase, RiskEvent
from finbrain.platform.store import jsonsql

RECENT_DAYS = 30
# Open cases by how long they have waited: (bucket, opened less than this many days ago).
AGES = (("lt1d", 1), ("1to3d", 3), ("3to7d", 7))
OLDEST = "gt7d"


@dataclass(frozen=True)
class Funnel:
    """From scored event to confirmed fraud over a period: each stage counts what it saw."""

    scored: int
    flagged: int  # sent to review or blocked
    alerts: int
    cases_opened: int
    cases_closed: int
    confirmed_fraud: int


def rule_hits_per_day(session: Session, *, days: int = 14) -> dict[str, Counter[str]]:
    """Rule id -> UTC day -> alerts that rule raised, over the last ``days`` days."""
    rows = jsonsql.strings(session, RiskAlert.rules)
    rule = rows.c.value
    day = utc_day(session, RiskAlert.created_at)
    query = (
        select(rule, day, func.count())
        .select_from(RiskAlert)
        .join(rows, true())
        .where(RiskAlert.created_at >= utcnow() - timedelta(days=days))
        .group_by(rule, day)
    )
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for rule_id, when, count in session.execute(query):
        out[str(rule_id)][str(when)] += int(count)
    return dict(out)


def funnel(session: Session, *, days: int = RECENT_DAYS) -> Funnel:
    since = utcnow() - timedelta(days=days)
    scored, flagged = session.execute(
        select(func.count(), func.sum(case((RiskEvent.outcome != "allow", 1), else_=0))).where(
            RiskEvent.occurred_at >= since
        )
    ).one()
    alerts = session.scalar(select(func.count()).where(RiskAlert.created_at >= since))
    opened, closed, fraud = session.execute(
        select(
            func.count(),
            func.sum(case((RiskCase.status == "closed", 1), else_=0)),
            func.sum(case((RiskCase.disposition == "fraud", 1), else_=0)),
        ).where(RiskCase.opened_at >= since)
    ).one()
    return Funnel(
        int(scored or 0),
        int(flagged or 0),
        int(alerts or 0),
        int(opened or 0),
        int(closed or 0),
        int(fraud or 0),
    )


def open_case_ages(session: Session) -> dict[str, int]:
    """Open cases by how long ago they were opened."""
    now = utcnow()
    bucket = case(
        *[(RiskCase.opened_at >= now - timedelta(days=d), name) for name, d in AGES],
        else_=OLDEST,
    )
    rows = session.execute(
        select(bucket, func.count()).where(RiskCase.status == "open").group_by(bucket)
    )
    counts = dict.fromkeys([*(name for name, _ in AGES), OLDEST], 0)
    counts.update({str(name): int(n) for name, n in rows})
    return counts


def top_by_alerts(
    session: Session, member: str, *, days: int = RECENT_DAYS, top: int = 10
) -> list[tuple[str, int]]:
    """The ``member`` of the alerted events (``merchant_id``, ``terminal_id``) with the most
    alerts over the last ``days`` days, most first; events without it are left out."""
    value = RiskEvent.body[("event", member)].as_string()
    rows = session.execute(
        select(value, func.count())
        .select_from(RiskAlert)
        .join(
            RiskEvent,
            and_(
                RiskEvent.tenant_id == RiskAlert.tenant_id,
                RiskEvent.event_id == RiskAlert.event_id,
            ),
        )
        .where(RiskAlert.created_at >= utcnow() - timedelta(days=days), value.is_not(None))
        .group_by(value)
        .order_by(func.count().desc(), value)
        .limit(top)
    )
    return [(str(v), int(n)) for v, n in rows]
