"""Risk owns its decision: the library turns an assessment into a tenant-less ``Decision`` and
the platform only stamps the tenant (the same decision, digest included)."""

from __future__ import annotations

from finbrain.core.canonical import digest
from finbrain.core.decision import BilingualText, ModelRef, Reason
from finbrain.platform.risk.log import to_decision
from finbrain.risk import decide
from finbrain.risk.decision import event_json, subject_of
from finbrain.risk.engine import Assessment
from finbrain.risk.events import parse_event

EVENT = parse_event(
    {
        "event_id": "E1",
        "kind": "card",
        "occurred_at": "2026-11-01T09:00:00+08:00",
        "amount": "12.50",
        "currency": "CNY",
        "customer_id": "C1",
        "card_id": "K1",
    }
)
REASON = Reason(code="R1", text=BilingualText(zh="金额高", en="amount high"), contribution=2.0)
ASSESSED = Assessment(
    event_id="E1",
    features={"count_1h": 3.0, "avg_30d": None},
    model_score=0.4,
    score=412.3456,
    action="review",
    hits=[],
    shadow_hits=[],
    reasons=[REASON],
)


def test_the_library_decides_without_a_tenant() -> None:
    model = ModelRef(id="gbm", version="3")
    decision = decide(EVENT, ASSESSED, model)
    assert decision.tenant_id == "" and decision.receipt is None
    assert (decision.capability, decision.action, decision.outcome) == ("risk", "score", "review")
    assert decision.score == 412.346 and decision.reasons == [REASON] and decision.model == model
    assert decision.subject.type == "card" and decision.subject.id == "K1"
    body = event_json(EVENT)
    assert body["occurred_at"] == "2026-11-01T01:00:00Z" and body["amount"] == "12.50"
    assert decision.input_digest == digest({"event": body, "features": ASSESSED.features})


def test_the_subject_is_the_account_without_a_card() -> None:
    event = parse_event(
        {
            "event_id": "E2",
            "kind": "transfer",
            "occurred_at": "2026-11-01T09:00:00Z",
            "amount": "1",
            "currency": "CNY",
            "customer_id": "C9",
            "account_id": "A7",
            "counterparty_account": "A8",
        }
    )
    assert (subject_of(event).type, subject_of(event).id) == ("account", "A7")


def test_the_platform_only_stamps_the_tenant() -> None:
    library = decide(EVENT, ASSESSED, None)
    platform = to_decision("T1", EVENT, ASSESSED, None)
    assert platform.tenant_id == "T1"
    same = platform.model_dump(exclude={"id", "created_at", "tenant_id"})
    assert same == library.model_dump(exclude={"id", "created_at", "tenant_id"})
