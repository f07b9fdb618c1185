"""Advisory on the platform: the bank's clients answer the risk questionnaire; each assessment
is a decision on the ledger and becomes the client's current risk profile (C1–C5, until its
expiry), which proposals and sales are checked against."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from finbrain.advisory.questionnaire import Assessment, Questionnaire, load_questionnaire
from finbrain.advisory.reasons import reason as advisory_reason
from finbrain.core.decision import Decision, Subject, utcnow
from finbrain.core.errors import ConflictError, NotFoundError, ValidationError
from finbrain.core.settings import Settings
from finbrain.platform import decisions
from finbrain.platform.advisory import proposals, queries
from finbrain.platform.advisory.queries import client as client
from finbrain.platform.advisory.tables import AdvisoryClient
from finbrain.platform.tenancy import Caller

QUESTIONNAIRE = ("cn-retail", "2026.1")  # the questionnaire in use; a new one is a new version


def questionnaire(id: str | None = None, version: str | None = None) -> Questionnaire:
    """A published questionnaire (the one in use by default); an unknown one is a 404."""
    try:
        return load_questionnaire(id or QUESTIONNAIRE[0], version or QUESTIONNAIRE[1])
    except (FileNotFoundError, KeyError, ValueError):
        raise NotFoundError(kind="questionnaire", field="questionnaire") from None


def assess(
    session: Session,
    settings: Settings,
    caller: Caller,
    client_id: str,
    answers: Mapping[str, Any],
    form: Questionnaire | None = None,
) -> tuple[AdvisoryClient, Decision, Assessment]:
    """Score ``answers`` (refusals name ``answers.<question>`` and the rule), record the
    assessment on the ledger and make it the client's current profile."""
    assessment = (form or questionnaire()).assess(answers)
    try:
        made = assessment.to_decision(client_id)
    except ValidationError as exc:  # the client id is the one field besides the answers
        exc.field = exc.field or "client_id"
        raise
    decision = decisions.record(
        session, made.for_tenant(caller.tenant_id), settings=settings, caller=caller
    )
    row = session.get(AdvisoryClient, (caller.tenant_id, client_id))
    if row is None:
        row = AdvisoryClient(tenant_id=caller.tenant_id, client_id=client_id)
        session.add(row)
    row.category = assessment.category.label
    row.capacity = assessment.capacity.label
    row.willingness = assessment.willingness.label
    row.lowest = assessment.lowest
    row.needs_review = assessment.needs_review
    row.capacity_score = assessment.capacity_score
    row.willingness_score = assessment.willingness_score
    row.questionnaire_id = assessment.questionnaire_id
    row.questionnaire_version = assessment.questionnaire_version
    row.questionnaire_digest = assessment.questionnaire_digest
    row.facts = {k: v for k, v in assessment.facts.items() if _plain(v)}
    row.decision_id = decision.id
    row.assessed_at = assessment.assessed_at
    row.expires_at = assessment.expires_at
    session.flush()
    return row, decision, assessment


def insist(
    session: Session,
    settings: Settings,
    caller: Caller,
    client_id: str,
    code: str,
    *,
    acknowledged: bool,
) -> Decision:
    """The "client insists" flow (客户坚持购买): a client asks, on the client's own initiative,
    to buy ``code``. The decision goes on the ledger whatever its outcome: ``allow`` (it suits
    anyway), ``allow_with_warning`` (above the client's level, the special written warning is
    its first reason, and the client acknowledged it) or ``block`` (the lowest category, a
    bank wealth-management product above the client's level: not even on insistence).

    Refused before anything is written: an unknown client (404) or an expired assessment
    (409), a product not on the shelf or withdrawn from sale (422, ``product``), a warning the
    client has not acknowledged (422, ``acknowledged``)."""
    at = utcnow()
    profile = proposals.current_profile(session, client_id, at)
    shelf = queries.loaded_shelf(session).shelf
    if not shelf.has(code):
        raise ValidationError(field="product", rule="on_the_shelf")
    product = shelf[code]
    if product.withdrawn:
        raise ValidationError(field="product", rule="on_sale")
    made = proposals.rules().insist(profile, product, acknowledged=acknowledged, at=at)
    return decisions.record(
        session, made.for_tenant(caller.tenant_id), settings=settings, caller=caller
    )


REVIEW_OUTCOMES = ("confirm", "reassess")


def review(
    session: Session,
    settings: Settings,
    caller: Caller,
    client_id: str,
    outcome: str,
    note: str,
) -> tuple[AdvisoryClient, Decision]:
    """An adviser's review of an assessment whose answers contradict each other (办法: the
    institution verifies the client's information): ``confirm`` (the answers stand after
    talking to the client: the profile may be used) or ``reassess`` (they do not: the profile
    lapses now and the client answers again). Either way a decision on the ledger names the
    adviser's key and keeps the note.

    Refused before anything is written: an unknown client (404), an assessment that is not
    waiting for review (409, ``client_id``)."""
    if outcome not in REVIEW_OUTCOMES:
        raise ValidationError(field="outcome", rule="one_of_confirm_reassess")
    row = queries.client(session, client_id)
    if not row.needs_review:
        raise ConflictError(field="client_id", rule="awaiting_review")
    at = utcnow()
    reason = advisory_reason(
        f"ADV-REVIEW-{outcome.upper()}",
        feature="assessment",
        value=row.decision_id,
        category=row.category,
        note=note,
    )
    decision = Decision.for_input(
        {"client_id": client_id, "assessment": row.decision_id, "outcome": outcome,
         "note": note},
        tenant_id=caller.tenant_id,
        capability="advisory",
        action="review",
        subject=Subject(type="client", id=client_id),
        outcome=outcome,
        reasons=[reason],
    )  # fmt: skip
    recorded = decisions.record(session, decision, settings=settings, caller=caller)
    row.needs_review = False
    if outcome == "reassess":
        row.expires_at = at  # nothing may be sold on answers the adviser did not accept
    session.flush()
    return row, recorded


def _plain(value: Any) -> bool:
    """Facts kept with the profile: JSON values only."""
    if isinstance(value, list | tuple):
        return all(isinstance(v, str | int | float | bool) for v in value)
    return isinstance(value, str | int | float | bool) or value is None
