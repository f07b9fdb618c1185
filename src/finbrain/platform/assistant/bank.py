"""The tenant's own bank behind the assistant: a ``finbrain.assistant.BankBackend`` over the
assistant's customer tables, in the request's transaction (row-level security keeps it to the
tenant).

Actions are idempotent on ``request_id``: the first call writes its answer in
``assistant_actions`` and a retried turn reads it back, so a card is frozen once however often
the reply is retried. The refusals follow a bank's rules (a lost card is replaced, never
switched back on; a frozen card cannot be frozen again).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from finbrain.assistant.backend import (
    Account,
    ActionResult,
    Balance,
    Card,
    CardKind,
    CardStatus,
    DisputeRequest,
    FreezeReason,
    Transfer,
)
from finbrain.core.decision import utcnow
from finbrain.platform.assistant.tables import (
    AssistantAccount,
    AssistantAction,
    AssistantCard,
    AssistantTransfer,
)

RECENT_TRANSFERS = 5


def _refusal(status: str, change: str) -> str | None:
    if status == "closed":
        return "closed"
    if change == "active" and status == "lost":
        return "reported_lost"
    if change == "active" and status != "frozen":
        return "not_frozen"
    if change == "frozen" and status in {"frozen", "lost"}:
        return "already_frozen"
    if change == "lost" and status == "lost":
        return "already_reported"
    return None


class TenantBank:
    """The assistant's ``BankBackend`` for one tenant, in one transaction."""

    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    # --- reads ------------------------------------------------------------------------------
    def list_cards(self, customer_id: str) -> Sequence[Card]:
        rows = self.session.scalars(
            select(AssistantCard)
            .where(AssistantCard.customer == customer_id)
            .order_by(AssistantCard.id)
        )
        return [
            Card(r.id, r.last4, cast(CardKind, r.kind), cast(CardStatus, r.status), r.product)
            for r in rows
        ]

    def list_accounts(self, customer_id: str) -> Sequence[Account]:
        rows = self.session.scalars(
            select(AssistantAccount)
            .where(AssistantAccount.customer == customer_id)
            .order_by(AssistantAccount.id)
        )
        return [Account(r.id, r.last4, r.kind, r.currency) for r in rows]  # type: ignore[arg-type]

    def balance(self, customer_id: str, account_id: str) -> Balance | None:
        row = self.session.get(AssistantAccount, (self.tenant_id, account_id))
        if row is None or row.customer != customer_id:
            return None
        return Balance(row.id, Decimal(row.available), row.currency, row.updated_at)

    def transfer_status(self, customer_id: str, reference: str | None = None) -> Sequence[Transfer]:
        query = select(AssistantTransfer).where(AssistantTransfer.customer == customer_id)
        if reference is not None:
            query = query.where(AssistantTransfer.reference == reference.upper())
        rows = self.session.scalars(
            query.order_by(
                AssistantTransfer.created.desc(), AssistantTransfer.reference.desc()
            ).limit(RECENT_TRANSFERS)
        )
        return [
            Transfer(r.reference, Decimal(r.amount), r.currency, r.status, r.created,  # type: ignore[arg-type]
                     r.expected, r.payee_last4)
            for r in rows
        ]  # fmt: skip

    # --- actions ----------------------------------------------------------------------------
    def _done(self, request_id: str) -> ActionResult | None:
        row = self.session.get(AssistantAction, (self.tenant_id, request_id))
        return None if row is None else ActionResult(row.ok, row.reference, row.problem)

    def _log(
        self,
        request_id: str,
        action: str,
        customer_id: str,
        target: str,
        result: ActionResult,
        detail: dict[str, str] | None = None,
    ) -> ActionResult:
        self.session.add(
            AssistantAction(
                tenant_id=self.tenant_id, request_id=request_id, action=action,
                customer=customer_id, target=target[:64], ok=result.ok,
                reference=result.reference, problem=result.problem, detail=detail or {},
                created_at=utcnow(),
            )
        )  # fmt: skip
        self.session.flush()
        return result

    def _change(
        self, request_id: str, action: str, customer_id: str, card_id: str, change: str
    ) -> ActionResult:
        done = self._done(request_id)
        if done is not None:  # a retried turn is answered, not applied again
            return done
        card = self.session.get(AssistantCard, (self.tenant_id, card_id), with_for_update=True)
        if card is None or card.customer != customer_id:
            result = ActionResult(False, problem="not_found")
        elif problem := _refusal(card.status, change):
            result = ActionResult(False, problem=problem)
        else:
            card.status = change
            card.updated_at = utcnow()
            result = ActionResult(True, reference=f"{action[:2].upper()}-{request_id[-8:]}")
        return self._log(request_id, action, customer_id, card_id, result)

    def freeze_card(
        self, customer_id: str, card_id: str, reason: FreezeReason, request_id: str
    ) -> ActionResult:
        status = "frozen" if reason == "customer_request" else "lost"
        return self._change(request_id, f"freeze:{reason}", customer_id, card_id, status)

    def unfreeze_card(self, customer_id: str, card_id: str, request_id: str) -> ActionResult:
        return self._change(request_id, "unfreeze", customer_id, card_id, "active")

    def open_dispute(
        self, customer_id: str, dispute: DisputeRequest, request_id: str
    ) -> ActionResult:
        done = self._done(request_id)
        if done is not None:
            return done
        known = self.session.scalar(
            select(AssistantAccount.id).where(AssistantAccount.customer == customer_id).limit(1)
        ) or self.session.scalar(
            select(AssistantCard.id).where(AssistantCard.customer == customer_id).limit(1)
        )
        if known is None:
            result = ActionResult(False, problem="not_found")
        else:
            result = ActionResult(True, reference=f"DS-{request_id[-8:]}")
        detail = {
            "amount": str(dispute.amount), "merchant": dispute.merchant[:100],
            "day": dispute.day.isoformat(), "card_id": dispute.card_id or "",
        }  # fmt: skip
        return self._log(
            request_id, "dispute", customer_id, result.reference or "-", result, detail
        )
