"""What the assistant asks of the bank: the customer's cards, accounts and transfers, and the few
actions it may take. The platform implements :class:`BankBackend` against the tenant's customer
data; the library never stores money or cards itself.

Everything here carries the bank's own identifiers and the last four digits of a number, never
a full card or account number: what the assistant repeats to a customer (and what ends up in a
transcript) cannot leak more than a receipt would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, Protocol, runtime_checkable

__all__ = [
    "Account",
    "ActionResult",
    "Balance",
    "BankBackend",
    "Card",
    "CardKind",
    "CardStatus",
    "DisputeRequest",
    "FreezeReason",
    "Transfer",
]

CardKind = Literal["debit", "credit"]
CardStatus = Literal["active", "frozen", "lost", "closed"]
FreezeReason = Literal["lost", "stolen", "customer_request"]


@dataclass(frozen=True, slots=True)
class Card:
    """One of the customer's cards, as the assistant may name it ("尾号 1234 的信用卡")."""

    id: str
    last4: str
    kind: CardKind
    status: CardStatus = "active"
    product: str = ""
    """The bank's product name, shown as it is (e.g. "白金卡"), may be empty."""


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    last4: str
    kind: Literal["savings", "current", "credit"]
    currency: str = "CNY"


@dataclass(frozen=True, slots=True)
class Balance:
    account_id: str
    available: Decimal
    currency: str
    as_of: datetime | None = None


@dataclass(frozen=True, slots=True)
class Transfer:
    """An outgoing transfer as the customer would ask after it."""

    reference: str
    amount: Decimal
    currency: str
    status: Literal["pending", "completed", "failed", "returned"]
    created: date
    expected: date | None = None
    """When a pending transfer should arrive, when the bank knows."""
    payee_last4: str = ""


@dataclass(frozen=True, slots=True)
class DisputeRequest:
    """What the customer disputes; ``card_id`` is None when the customer did not say."""

    amount: Decimal
    merchant: str
    day: date
    card_id: str | None = None


@dataclass(frozen=True, slots=True)
class ActionResult:
    """The bank's answer to an action: done or not, its reference, and why not (a code the
    assistant turns into a sentence: ``"not_found"``, ``"already_frozen"``, ``"not_frozen"``,
    ``"unavailable"`` …)."""

    ok: bool
    reference: str | None = None
    problem: str | None = None


@runtime_checkable
class BankBackend(Protocol):
    """The bank's side of the conversation for one tenant. ``customer_id`` is the signed-in
    customer the platform put in the conversation state. Reads never change anything; the
    three actions are only called after the customer confirmed them in a separate turn, and a
    backend should make them idempotent on ``request_id`` (a retried reply never acts twice)."""

    def list_cards(self, customer_id: str) -> Sequence[Card]: ...

    def list_accounts(self, customer_id: str) -> Sequence[Account]: ...

    def balance(self, customer_id: str, account_id: str) -> Balance | None: ...

    def transfer_status(self, customer_id: str, reference: str | None = None) -> Sequence[Transfer]:
        """The transfer with ``reference`` (none when unknown), or without one the customer's
        latest outgoing transfers (a handful), newest first."""
        ...

    def freeze_card(
        self, customer_id: str, card_id: str, reason: FreezeReason, request_id: str
    ) -> ActionResult: ...

    def unfreeze_card(self, customer_id: str, card_id: str, request_id: str) -> ActionResult: ...

    def open_dispute(
        self, customer_id: str, dispute: DisputeRequest, request_id: str
    ) -> ActionResult: ...
