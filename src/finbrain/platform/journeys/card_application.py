"""The online credit-card application (信用卡线上开卡): identify, screen, check for application
fraud, score, assign a limit, decide — in one transaction, every step a ``Decision`` on the ledger.

Order and policy, as a bank's credit policy would write it:

1. **Identity** — the resident ID, mobile and name must be well-formed (a bad one is a 422 and
   nothing is stored). Under 18 declines; over 70 refers.
2. **Screening** — a confirmed sanctions match declines; a possible match refers to a person.
3. **Application fraud** — the same ID applying again and again, one phone or one device shared
   by several IDs: refer (never silently decline: shared phones exist in families).
4. **Credit** — the tenant's champion model when the applicant has a bureau file; a thin-file
   applicant (no bureau history) is assessed on alternative data and is never declined
   automatically: at worst a person reviews.
5. **Limit** — a multiple of verified monthly income by grade, capped, rounded down to 1,000.
6. **Outcome** — any decline declines; otherwise any referral refers (PIPL art. 24: a person
   reviews); otherwise approve. Referred applications wait in the review queue.

Identity numbers, phones and devices are stored only as keyed hashes so that repeat applicants
are found without keeping the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from finbrain.core.decision import Decision, Reason, Subject, utcnow
from finbrain.core.errors import ConflictError, NotFoundError, ValidationError
from finbrain.core.money import Money
from finbrain.core.privacy import mask_name
from finbrain.core.settings import Settings
from finbrain.identity.decision import ScreeningQuery
from finbrain.platform import decisions, registry
from finbrain.platform.credit import service as credit
from finbrain.platform.identity.service import screen_query, screening_index
from finbrain.platform.journeys.steps import (
    LIMIT_CAP,
    SEVERITY,
    Applicant,
    Application,
    Checked,
    Outcome,
    check_identity,
    credit_step,
    fraud_step,
    identity_step,
    keyed_hash,
    limit_step,
    money_text,
    reason,
    screening_step,
    step_decision,
)
from finbrain.platform.journeys.tables import CardApplication
from finbrain.platform.pagination import keyset_page
from finbrain.platform.tenancy import Caller

__all__ = ["Applicant", "Application", "Result", "apply", "review"]


# -- the journey -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Result:
    application: CardApplication
    decision: Decision
    steps: list[Decision]


def apply(
    session: Session,
    settings: Settings,
    caller: Caller,
    app: Application,
) -> Result:
    """Run the whole journey in the caller's transaction; nothing is stored if any step fails."""
    tenant_id = caller.tenant_id
    now = utcnow()
    if session.scalar(select(CardApplication.id).where(CardApplication.reference == app.reference)):
        raise ConflictError(field="reference", rule="unique")
    checked = check_identity(app, now.date())
    subject = Subject(type="application", id=app.reference)
    hashes = _hashes(settings, tenant_id, app, checked)
    steps: list[tuple[Decision, Outcome]] = [identity_step(tenant_id, subject, checked)]
    # The tenant's screening: its outcome policy and the allow decisions its people recorded.
    applicant = ScreeningQuery(
        name=app.applicant.name,
        kind="person",
        birth_date=checked.resident.birth_date,
        nationality=app.applicant.nationality,
        id_number=checked.resident.number,
    )
    screened = screen_query(session, settings, screening_index(settings), applicant)
    steps.append(screening_step(tenant_id, subject, screened))
    steps.append(fraud_step(session, settings, tenant_id, subject, hashes, now))
    credit_decision, credit_outcome, grade = credit_step(session, tenant_id, subject, app, checked)
    steps.append((credit_decision, credit_outcome))
    limit_decision, limit = limit_step(tenant_id, subject, app, grade)
    outcome: Outcome = max((o for _, o in steps), key=SEVERITY.__getitem__)
    if outcome == "approve" and limit.amount <= 0:
        outcome = "refer"
    steps.append((limit_decision, outcome))
    final_reasons = _final_reasons(outcome, limit, steps)
    final = step_decision(
        tenant_id,
        subject,
        "journey",
        "card_application",
        outcome,
        final_reasons,
        {"reference": app.reference, "steps": [d.id for d, _ in steps]},
        score=float(limit.amount) if outcome == "approve" else None,
        grade=grade,
    )
    recorded = decisions.record_many(
        session,
        [d for d, _ in steps] + [final],
        settings=settings,
        caller=caller,
    )
    if app.bureau is not None:  # a scored bureau file counts toward the champion's stability
        champion = registry.champion(session, "credit")
        credit.count_applicants(session, champion, [(credit_decision, app.bureau)])
    status = {"approve": "approved", "refer": "referred", "decline": "declined"}[outcome]
    row = CardApplication(
        tenant_id=tenant_id,
        reference=app.reference,
        status=status,
        outcome=outcome,
        limit_minor=limit.to_minor() if outcome != "decline" else None,
        currency=limit.currency,
        thin_file=app.bureau is None,
        decision_id=final.id,
        step_decisions=[d.id for d in recorded[:-1]],
        id_hash=hashes["id"],
        phone_hash=hashes["phone"],
        device_hash=hashes["device"],
        applicant=_applicant_view(checked, grade),
        review_status="pending" if outcome == "refer" else None,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return Result(row, recorded[-1], recorded[:-1])


def _hashes(
    settings: Settings, tenant_id: str, app: Application, checked: Checked
) -> dict[str, str | None]:
    """The keyed hashes repeat applicants are found by; the numbers themselves are not kept."""
    device = app.applicant.device_id
    return {
        "id": keyed_hash(settings, tenant_id, "id", checked.resident.number),
        "phone": keyed_hash(settings, tenant_id, "phone", checked.mobile.e164),
        "device": keyed_hash(settings, tenant_id, "device", device) if device else None,
    }


def _applicant_view(checked: Checked, grade: str) -> dict[str, Any]:
    """What the application row shows of the applicant: masked name, ID and mobile."""
    return {
        "name": mask_name(checked.name.original),
        "id_number": checked.resident.masked(),
        "mobile": checked.mobile.e164[:6] + "****" + checked.mobile.e164[-2:],
        "age": checked.age,
        "kind": checked.resident.kind,
        "grade": grade,
    }


def _final_reasons(
    outcome: Outcome, limit: Money, steps: list[tuple[Decision, Outcome]]
) -> list[Reason]:
    if outcome == "approve":
        head = reason(
            "APP-APPROVED", feature="limit", value=str(limit.amount), limit=money_text(limit)
        )
    elif outcome == "refer":
        head = reason("APP-REFERRED")
    else:
        head = reason("APP-DECLINED")
    # The reasons of the steps that set the outcome, most severe step first.
    deciding = [d for d, o in steps if o == outcome and outcome != "approve"]
    tail = [r for d in deciding for r in d.reasons][:3]
    return [head, *tail]


def review(
    session: Session,
    settings: Settings,
    caller: Caller,
    application_id: str,
    *,
    outcome: Literal["approve", "decline"],
    limit: Money | None,
    note: str,
    reviewer: str,
) -> tuple[CardApplication, Decision]:
    """A person decides a referred application (PIPL art. 24); the decision is on the ledger."""
    row = get(session, caller.tenant_id, application_id)
    if row.review_status != "pending":
        raise ConflictError(field="status", rule="pending_review_only")
    if outcome == "approve":
        if limit is None:
            raise ValidationError(field="limit", rule="required_to_approve")
        if limit.currency != row.currency:
            raise ValidationError(
                field="limit.currency", rule="application_currency", expected=row.currency
            )
        if limit.amount <= 0 or limit.amount > LIMIT_CAP:
            raise ValidationError(field="limit.amount", rule="range", low=1, high=str(LIMIT_CAP))
        reasons = [
            reason("HR-APPROVED", feature="limit", value=str(limit.amount), limit=money_text(limit))
        ]
    else:
        limit = None
        reasons = [reason("HR-DECLINED")]
    decision = Decision.for_input(
        {
            "application": row.id,
            "outcome": outcome,
            "note": note,
            "limit": str(limit.amount) if limit else None,
        },
        tenant_id=caller.tenant_id,
        capability="journey",
        action="human_review",
        subject=Subject(type="application", id=row.reference),
        outcome=outcome,
        reasons=reasons,
        score=float(limit.amount) if limit else None,
    )
    recorded = decisions.record(session, decision, settings=settings, caller=caller)
    row.review_status = "approved" if outcome == "approve" else "declined"
    row.status = row.review_status
    row.limit_minor = limit.to_minor() if limit else None
    row.reviewer = reviewer
    row.review_note = note
    row.review_decision_id = recorded.id
    row.reviewed_at = utcnow()
    session.flush()
    return row, recorded


# -- what the API and the console read -------------------------------------------------------
def get(session: Session, tenant_id: str, application_id: str) -> CardApplication:
    """One of the tenant's applications, or ``NotFoundError``."""
    row = session.get(CardApplication, application_id)
    if row is None or row.tenant_id != tenant_id:
        raise NotFoundError(kind="application")
    return row


def page(
    session: Session,
    *,
    limit: int,
    cursor: str | None = None,
    status: str | None = None,
    review_status: str | None = None,
) -> tuple[list[CardApplication], str | None]:
    """Newest first, keyset by id: up to ``limit`` rows and the cursor of the next page."""
    query = select(CardApplication)
    if status:
        query = query.where(CardApplication.status == status)
    if review_status:
        query = query.where(CardApplication.review_status == review_status)
    return keyset_page(session, query, CardApplication.id, limit=limit, after=cursor)


def queue(session: Session, limit: int = 100) -> list[CardApplication]:
    """The referral queue: applications waiting for a person, oldest first."""
    query = (
        select(CardApplication)
        .where(CardApplication.review_status == "pending")
        .order_by(CardApplication.id)
        .limit(limit)
    )
    return list(session.scalars(query))
