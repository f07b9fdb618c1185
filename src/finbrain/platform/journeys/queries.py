"""What the applications dashboard reads, counted in SQL: each journey step's outcomes, and the
reasons behind referred and declined applications.

A card application records one decision per step (identity check, screening, fraud check,
credit, limit) and the final one; its subject is the application. The final decision's
reasons are the deciding steps' reasons, so counting them tells why applications were referred
or declined."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from finbrain.core.decision import utcnow
from finbrain.platform.store import jsonsql
from finbrain.platform.store.models import DecisionRow

RECENT_DAYS = 30
# The steps in journey order (credit is "score", or "alt_assess" for a thin file).
STEPS = ("verify", "screen", "application_check", "score", "alt_assess", "limit")
FINAL = "card_application"
HEADS = ("APP-APPROVED", "APP-REFERRED", "APP-DECLINED")  # the outcome itself, not a reason


def step_outcomes(session: Session, *, days: int = RECENT_DAYS) -> dict[str, Counter[str]]:
    """Per journey step (and the final decision): its outcomes over the last ``days`` days."""
    rows = session.execute(
        select(DecisionRow.action, DecisionRow.outcome, func.count())
        .where(
            DecisionRow.subject_type == "application",
            DecisionRow.action.in_((*STEPS, FINAL)),
            DecisionRow.created_at >= utcnow() - timedelta(days=days),
        )
        .group_by(DecisionRow.action, DecisionRow.outcome)
    )
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for action, outcome, count in rows:
        out[action][outcome] += int(count)
    return dict(out)


def adverse_reasons(
    session: Session, *, days: int = RECENT_DAYS
) -> dict[str, tuple[int, int, str | None]]:
    """Reason code -> (in referred, in declined, the feature it names) over the final decisions
    of the last ``days`` days, counted in SQL over the stored reasons (JSON)."""
    element = jsonsql.elements(session, DecisionRow.reasons)
    code = jsonsql.field(session, element, "code")
    feature = jsonsql.field(session, element, "feature")
    rows = session.execute(
        select(code, DecisionRow.outcome, func.count(), func.max(feature))
        .select_from(DecisionRow)
        .join(element, true())
        .where(
            DecisionRow.subject_type == "application",
            DecisionRow.action == FINAL,
            DecisionRow.outcome.in_(("refer", "decline")),
            DecisionRow.created_at >= utcnow() - timedelta(days=days),
        )
        .group_by(code, DecisionRow.outcome)
    )
    out: dict[str, list[Any]] = {}
    for reason_code, outcome, count, named in rows:
        if reason_code is None or reason_code in HEADS:
            continue
        slot = out.setdefault(str(reason_code), [0, 0, named])
        slot[0 if outcome == "refer" else 1] += int(count)
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}
