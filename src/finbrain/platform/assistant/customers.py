"""Loading the bank's customer data the assistant works on: each customer's cards, accounts
(with the available balance) and recent outgoing transfers. The bank sends what it holds;
a customer sent again replaces the cards, accounts and transfers the platform had for them
(the platform keeps no other copy). Numbers are the last four digits only: the assistant never
needs, and so never holds, a full card or account number."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from finbrain.core.decision import utcnow
from finbrain.core.errors import ValidationError
from finbrain.platform.assistant.tables import AssistantAccount, AssistantCard, AssistantTransfer
from finbrain.platform.tenancy import Caller


def _unique(values: list[str], where: str) -> None:
    seen: set[str] = set()
    for n, value in enumerate(values):
        if value in seen:
            raise ValidationError(field=f"{where}.{n}", rule="unique_in_request")
        seen.add(value)


def put_customers(session: Session, caller: Caller, customers: Sequence[dict[str, Any]]) -> int:
    """Replace each customer's cards, accounts and transfers (all or nothing). Items are
    validated by the API's schema; ids must be unique within the request, and a card, account
    or transfer of another customer is moved, never shared."""
    _unique([c["id"] for c in customers], "customers")
    _unique([x["id"] for c in customers for x in c["cards"]], "cards")
    _unique([x["id"] for c in customers for x in c["accounts"]], "accounts")
    _unique([x["reference"].upper() for c in customers for x in c["transfers"]], "transfers")
    ids = [c["id"] for c in customers]
    cards = [x["id"] for c in customers for x in c["cards"]]
    accounts = [x["id"] for c in customers for x in c["accounts"]]
    transfers = [x["reference"].upper() for c in customers for x in c["transfers"]]
    owned = (
        (AssistantCard, AssistantCard.id, cards),
        (AssistantAccount, AssistantAccount.id, accounts),
        (AssistantTransfer, AssistantTransfer.reference, transfers),
    )
    for table, key, given in owned:
        session.execute(
            delete(table)
            .where(table.tenant_id == caller.tenant_id)
            .where(table.customer.in_(ids) | key.in_(given))
        )
    now = utcnow()
    for customer in customers:
        owner = customer["id"]
        for card in customer["cards"]:
            session.add(AssistantCard(tenant_id=caller.tenant_id, customer=owner, updated_at=now,
                                      **card))  # fmt: skip
        for account in customer["accounts"]:
            values = {**account, "available": str(Decimal(account["available"]))}
            session.add(AssistantAccount(tenant_id=caller.tenant_id, customer=owner,
                                         updated_at=now, **values))  # fmt: skip
        for transfer in customer["transfers"]:
            values = {**transfer, "reference": transfer["reference"].upper(),
                      "amount": str(Decimal(transfer["amount"]))}  # fmt: skip
            session.add(AssistantTransfer(tenant_id=caller.tenant_id, customer=owner, **values))
    session.flush()
    return len(customers)


def demo_customer(customer_id: str, today: date) -> dict[str, Any]:
    """The demo bank's customer (the library's ``DemoBank.sample`` in the platform's form)."""
    from finbrain.assistant.demo_bank import DemoBank

    bank = DemoBank.sample(today, customer_id)
    return {
        "id": customer_id,
        "cards": [{"id": c.id, "last4": c.last4, "kind": c.kind, "status": c.status,
                   "product": c.product} for c in bank.list_cards(customer_id)],
        "accounts": [{"id": a.id, "last4": a.last4, "kind": a.kind, "currency": a.currency,
                      "available": str(bank.balance(customer_id, a.id).available)}  # type: ignore[union-attr]
                     for a in bank.list_accounts(customer_id)],
        "transfers": [{"reference": t.reference, "amount": str(t.amount), "currency": t.currency,
                       "status": t.status, "created": t.created, "expected": t.expected,
                       "payee_last4": t.payee_last4}
                      for t in bank.transfer_status(customer_id)],
    }  # fmt: skip
