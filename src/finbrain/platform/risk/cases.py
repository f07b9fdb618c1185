"""Cases: alerts grouped per card (else customer), worked by investigators; a closed case
labels its events, and labels fed by the bank join them (fed back to the engine)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from finbrain.core.decision import Decision, utcnow
from finbrain.core.errors import ConflictError, NotFoundError, ValidationError
from finbrain.platform.risk.tables import RiskAlert, RiskCase, RiskCaseNote, RiskEvent, RiskLabel
from finbrain.risk.engine import Assessment
from finbrain.risk.events import Event


def open_alert(
    session: Session, tenant_id: str, event: Event, decision: Decision, a: Assessment
) -> str:
    """Group the alert into the entity's open case (card first, else customer)."""
    entity_type, entity_id = (
        ("card", event.card_id) if event.card_id else ("customer", event.customer_id)
    )
    case = session.scalar(
        select(RiskCase).where(
            RiskCase.entity_type == entity_type,
            RiskCase.entity_id == entity_id,
            RiskCase.status == "open",
        )
    )
    now = utcnow()
    if case is None:
        case = RiskCase(
            tenant_id=tenant_id,
            entity_type=entity_type,
            entity_id=entity_id,
            status="open",
            alert_count=0,
            max_score=0.0,
            opened_at=now,
            updated_at=now,
        )
        session.add(case)
        session.flush()
    case.alert_count += 1
    case.max_score = max(case.max_score, float(decision.score or 0.0))
    case.updated_at = now
    session.add(
        RiskAlert(
            tenant_id=tenant_id,
            case_id=case.id,
            event_id=event.event_id,
            decision_id=decision.id,
            action=a.action,
            score=float(decision.score or 0.0),
            rules=[h.rule_id for h in a.hits],
            created_at=now,
        )
    )
    return case.id


def case_or_404(session: Session, case_id: str) -> RiskCase:
    case = session.get(RiskCase, case_id)
    if case is None or case.tenant_id != session.info.get("tenant_id"):
        raise NotFoundError(kind="case")
    return case


def note(session: Session, case: RiskCase, author: str, kind: str, body: str) -> RiskCaseNote:
    row = RiskCaseNote(
        tenant_id=case.tenant_id,
        case_id=case.id,
        author=author,
        kind=kind,
        body=body,
        created_at=utcnow(),
    )
    session.add(row)
    case.updated_at = row.created_at
    session.flush()
    return row


def assign(session: Session, case_id: str, assignee: str, author: str) -> RiskCase:
    case = case_or_404(session, case_id)
    if case.status != "open":
        raise ConflictError(field="status", rule="open_cases_only")
    case.assignee = assignee
    note(session, case, author, "assign", assignee)
    return case


def comment(session: Session, case_id: str, body: str, author: str) -> RiskCaseNote:
    case = case_or_404(session, case_id)
    return note(session, case, author, "comment", body)


def close(
    session: Session, case_id: str, disposition: str, body: str, author: str
) -> tuple[RiskCase, list[tuple[str, bool]]]:
    """Close with a disposition; every alert's event gets the label (fed back to the engine)."""
    if disposition not in ("fraud", "not_fraud"):
        raise ValidationError(field="disposition", rule="one_of_fraud_not_fraud")
    case = case_or_404(session, case_id)
    if case.status != "open":
        raise ConflictError(field="status", rule="open_cases_only")
    case.status = "closed"
    case.disposition = disposition
    case.closed_at = utcnow()
    note(session, case, author, "close", f"{disposition}: {body}")
    is_fraud = disposition == "fraud"
    events = session.scalars(select(RiskAlert.event_id).where(RiskAlert.case_id == case.id)).all()
    labels = [(event_id, is_fraud) for event_id in events]
    store_labels(session, case.tenant_id, labels, source="case")
    return case, labels


def feed_labels(session: Session, tenant_id: str, labels: Sequence[tuple[str, bool]]) -> None:
    """Store labels fed by the bank (chargebacks, confirmed fraud): all of them, or none when
    one names an event this tenant never scored (a typo would otherwise be kept silently and
    never reach a window). The refusal names the first such label and lists them."""
    ids = list(dict.fromkeys(event_id for event_id, _ in labels))
    known: set[str] = set()
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        known.update(
            session.scalars(
                select(RiskEvent.event_id).where(
                    RiskEvent.tenant_id == tenant_id, RiskEvent.event_id.in_(chunk)
                )
            )
        )
    missing = [event_id for event_id in ids if event_id not in known]
    if missing:
        index = next(i for i, (event_id, _) in enumerate(labels) if event_id not in known)
        shown = ", ".join(missing[:20]) + (
            f" and {len(missing) - 20} more" if len(missing) > 20 else ""
        )
        raise NotFoundError(
            f"{len(missing)} label(s) name events never scored: {shown}; nothing was stored",
            code="FB-RISK-UNSCORED-LABELS",
            field=f"labels[{index}].event_id",
            rule="scored_event",
            missing=len(missing),
            ids=shown,
        )
    store_labels(session, tenant_id, labels, source="feed")


def store_labels(
    session: Session, tenant_id: str, labels: Sequence[tuple[str, bool]], source: str
) -> None:
    for event_id, is_fraud in labels:
        row = session.get(RiskLabel, (tenant_id, event_id))
        if row is None:
            session.add(
                RiskLabel(
                    tenant_id=tenant_id,
                    event_id=event_id,
                    is_fraud=is_fraud,
                    source=source,
                    created_at=utcnow(),
                )
            )
        else:
            row.is_fraud, row.source = is_fraud, source
    session.flush()
