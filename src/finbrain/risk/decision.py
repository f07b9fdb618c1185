"""The decision of one scored payment event: what the engine's assessment becomes when it is
recorded — the event and its features as the canonical input, the card (else the account) as
the subject, allow / review / block with the score and the top reasons in zh and en.

Tenant-less like every capability's decision (the platform stamps the tenant); on the scoring
path the platform passes ``tenant_id`` here instead, to save a copy of each decision.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from finbrain.core.decision import Decision, ModelRef, Subject
from finbrain.risk.engine import Assessment
from finbrain.risk.events import Event


def event_json(event: Event) -> dict[str, Any]:
    """The event as the decision's input records it: set fields only, times in UTC (``Z``),
    numbers as exact decimal strings."""
    out: dict[str, Any] = {}
    for name in event.__dataclass_fields__:
        value = getattr(event, name)
        if value is None:
            continue
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat().replace("+00:00", "Z")
        elif not isinstance(value, str):
            value = str(value)
        out[name] = value
    return out


def subject_of(event: Event) -> Subject:
    """Who the decision is about: the card, else the account (else the customer)."""
    if event.card_id:
        return Subject(type="card", id=event.card_id)
    return Subject(type="account", id=event.account_id or event.customer_id)


def decide(
    event: Event,
    assessment: Assessment,
    model: ModelRef | None = None,
    *,
    body: dict[str, Any] | None = None,
    tenant_id: str = "",
) -> Decision:
    """The decision on ``event``. ``body`` is ``event_json(event)`` when the caller has it."""
    return Decision.for_input(
        {"event": event_json(event) if body is None else body, "features": assessment.features},
        tenant_id=tenant_id,
        capability="risk",
        action="score",
        subject=subject_of(event),
        model=model,
        outcome=assessment.action,
        score=round(assessment.score, 3),
        reasons=assessment.reasons,
    )
