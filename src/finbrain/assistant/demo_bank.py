"""An in-memory :class:`~finbrain.assistant.backend.BankBackend`: the demo bank a terminal chat
talks to, and the double the tests act against. It keeps every action it was asked to take
(``actions``), applies each ``request_id`` once, and refuses what a real bank would refuse
(freezing a frozen card, unfreezing a card reported lost)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from finbrain.assistant.backend import (
    Account,
    ActionResult,
    Balance,
    Card,
    CardStatus,
    DisputeRequest,
    FreezeReason,
    Transfer,
)

__all__ = ["DemoBank"]


@dataclass
class _Customer:
    cards: dict[str, Card] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    balances: dict[str, Decimal] = field(default_factory=dict)
    transfers: list[Transfer] = field(default_factory=list)


class DemoBank:
    """Customers' cards, accounts and transfers held in memory (thread-safe)."""

    def __init__(self) -> None:
        self._customers: dict[str, _Customer] = {}
        self._done: dict[str, ActionResult] = {}
        self._lock = threading.Lock()
        self.actions: list[tuple[str, str, str]] = []
        """``(action, customer_id, target)`` for every action applied, in order."""

    # --- setting up -------------------------------------------------------------------------
    def add_customer(
        self,
        customer_id: str,
        cards: Sequence[Card] = (),
        accounts: Sequence[tuple[Account, Decimal]] = (),
        transfers: Sequence[Transfer] = (),
    ) -> DemoBank:
        self._customers[customer_id] = _Customer(
            cards={c.id: c for c in cards},
            accounts={a.id: a for a, _ in accounts},
            balances={a.id: amount for a, amount in accounts},
            transfers=sorted(transfers, key=lambda t: t.created, reverse=True),
        )
        return self

    @classmethod
    def sample(cls, today: date | None = None, customer_id: str = "c-demo") -> DemoBank:
        """One customer with a debit and a credit card, two accounts and three transfers."""
        today = today or date.today()
        return cls().add_customer(
            customer_id,
            cards=[
                Card("card-debit", "1234", "debit", product="借记卡 Debit"),
                Card("card-credit", "5678", "credit", product="白金信用卡 Platinum"),
            ],
            accounts=[
                (Account("acct-savings", "1234", "savings"), Decimal("12345.67")),
                (Account("acct-current", "9012", "current"), Decimal("880.00")),
            ],
            transfers=[
                Transfer(
                    "TR-0003",
                    Decimal("3500.00"),
                    "CNY",
                    "pending",
                    today,
                    today + timedelta(days=1),
                    "4321",
                ),
                Transfer(
                    "TR-0002",
                    Decimal("200.00"),
                    "CNY",
                    "completed",
                    today - timedelta(days=3),
                    None,
                    "8765",
                ),
                Transfer(
                    "TR-0001",
                    Decimal("1000.00"),
                    "CNY",
                    "returned",
                    today - timedelta(days=9),
                    None,
                    "1111",
                ),
            ],
        )

    def card(self, customer_id: str, card_id: str) -> Card | None:
        customer = self._customers.get(customer_id)
        return customer.cards.get(card_id) if customer else None

    # --- reads ------------------------------------------------------------------------------
    def list_cards(self, customer_id: str) -> Sequence[Card]:
        customer = self._customers.get(customer_id)
        return list(customer.cards.values()) if customer else []

    def list_accounts(self, customer_id: str) -> Sequence[Account]:
        customer = self._customers.get(customer_id)
        return list(customer.accounts.values()) if customer else []

    def balance(self, customer_id: str, account_id: str) -> Balance | None:
        customer = self._customers.get(customer_id)
        if customer is None or account_id not in customer.accounts:
            return None
        account = customer.accounts[account_id]
        return Balance(account_id, customer.balances[account_id], account.currency)

    def transfer_status(self, customer_id: str, reference: str | None = None) -> Sequence[Transfer]:
        customer = self._customers.get(customer_id)
        if customer is None:
            return []
        if reference is not None:
            return [t for t in customer.transfers if t.reference == reference.upper()]
        return customer.transfers[:5]

    # --- actions ----------------------------------------------------------------------------
    def _apply(
        self, request_id: str, action: str, customer_id: str, target: str, change: CardStatus | None
    ) -> ActionResult:
        with self._lock:
            if request_id in self._done:  # a retried request is answered, not applied again
                return self._done[request_id]
            customer = self._customers.get(customer_id)
            card = customer.cards.get(target) if customer else None
            result: ActionResult
            if change is not None and (customer is None or card is None):
                result = ActionResult(False, problem="not_found")
            elif change is not None and customer is not None and card is not None:
                problem = _refusal(card, change)
                if problem:
                    result = ActionResult(False, problem=problem)
                else:
                    customer.cards[target] = replace(card, status=change)
                    result = ActionResult(True, reference=f"{action[:2].upper()}-{request_id[-8:]}")
            else:
                result = ActionResult(True, reference=f"DS-{request_id[-8:]}")
            if result.ok:
                self.actions.append((action, customer_id, target))
            self._done[request_id] = result
            return result

    def freeze_card(
        self, customer_id: str, card_id: str, reason: FreezeReason, request_id: str
    ) -> ActionResult:
        status: CardStatus = "frozen" if reason == "customer_request" else "lost"
        return self._apply(request_id, f"freeze:{reason}", customer_id, card_id, status)

    def unfreeze_card(self, customer_id: str, card_id: str, request_id: str) -> ActionResult:
        return self._apply(request_id, "unfreeze", customer_id, card_id, "active")

    def open_dispute(
        self, customer_id: str, dispute: DisputeRequest, request_id: str
    ) -> ActionResult:
        if customer_id not in self._customers:
            return ActionResult(False, problem="not_found")
        target = f"{dispute.amount}@{dispute.merchant}@{dispute.day.isoformat()}"
        return self._apply(request_id, "dispute", customer_id, target, None)


def _refusal(card: Card, change: str) -> str | None:
    if card.status == "closed":
        return "closed"
    if change == "active" and card.status == "lost":
        return "reported_lost"  # a lost card is replaced, never switched back on
    if change == "active" and card.status != "frozen":
        return "not_frozen"
    if change == "frozen" and card.status in {"frozen", "lost"}:
        return "already_frozen"
    if change == "lost" and card.status == "lost":
        return "already_reported"
    return None
