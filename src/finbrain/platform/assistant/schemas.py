"""The assistant API's request and response bodies, beside the service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from finbrain.core.decision import Decision

Reference = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")
BankId = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")
Last4 = Field(pattern=r"^[0-9]{4}$")
Amount = Field(pattern=r"^-?[0-9]{1,12}(\.[0-9]{1,4})?$", description="A decimal string")
Currency = Field(default="CNY", pattern=r"^[A-Z]{3}$")


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    session_id: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9._:\-]+$",
        description="The conversation (the bank's app picks it; one customer per session)",
    )
    customer_id: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9._:\-]+$",
        description="The signed-in customer the assistant may read and act for",
    )
    text: str = Field(max_length=10_000, description="The customer's message, as typed")


class ActionOut(BaseModel):
    task: str
    ok: bool
    reference: str | None
    problem: str | None


class ConfirmOut(BaseModel):
    task: str
    summary: str = Field(description="The action as put to the customer, in their language")
    slots: dict[str, str]


class HandoffOut(BaseModel):
    ticket_id: str
    reasons: list[str]


class MessageOut(BaseModel):
    session_id: str
    reply: str
    language: Literal["zh", "en"]
    outcome: Literal[
        "answer", "ask", "confirm", "done", "refused", "cancelled", "clarify", "handoff"
    ]
    intent: str | None
    confidence: float
    action: ActionOut | None = Field(description="The bank call made in this turn")
    confirm: ConfirmOut | None = Field(
        description="The action put to the customer: done only on a yes in the next message"
    )
    handoff: HandoffOut | None = Field(description="The ticket opened for a person")
    faq_id: str | None
    decisions: list[Decision] = Field(description="The turn's decisions, on the ledger")


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zh: str = Field(min_length=1, max_length=4000)
    en: str = Field(min_length=1, max_length=4000)


class FaqIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    questions: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        min_length=1, max_length=100, description="How customers ask it (zh and en mixed)"
    )
    answer: Answer
    intents: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default=[], max_length=20, description="Intents this entry answers when the model reads one"
    )


class FaqOut(BaseModel):
    id: str
    questions: list[str]
    answer: dict[str, str]
    intents: list[str]
    updated_at: datetime


class FaqsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entries: list[FaqIn] = Field(min_length=1, max_length=500)


class FaqIdsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=500
    )


class KnowledgeOut(BaseModel):
    version: int = Field(description="Bumped by every write")
    entries: int
    written: int = 0
    removed: int = 0


class FaqPageOut(BaseModel):
    items: list[FaqOut]
    version: int
    next: str | None = Field(description="Pass as `after` for the next page; null on the last.")


class TurnOut(BaseModel):
    role: Literal["customer", "assistant"]
    text: str = Field(description="Masked (card, phone, ID numbers, e-mail, names)")
    intent: str | None


class TicketOut(BaseModel):
    id: str
    session_id: str
    customer_id: str
    language: str
    reasons: list[str]
    transcript: list[TurnOut]
    pending_task: str | None
    status: Literal["open", "taken", "closed"]
    agent: str | None
    created_at: datetime
    updated_at: datetime


class TicketsOut(BaseModel):
    items: list[TicketOut]
    next: str | None = Field(description="Pass as `after` for the next page; null on the last.")


class ModelTrainIn(BaseModel):
    """TF-IDF training (seconds to a minute); training with the packaged sentence encoders
    takes minutes of CPU and is started from the command line (finbrain assistant train
    --encoders packaged)."""

    model_config = ConfigDict(extra="forbid")
    public: bool = Field(
        default=True,
        description="Also learn from BANKING77 and CLINC150 when the data folder has them",
    )


class CardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = BankId
    last4: str = Last4
    kind: Literal["debit", "credit"]
    status: Literal["active", "frozen", "lost", "closed"] = "active"
    product: str = Field(default="", max_length=100)


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = BankId
    last4: str = Last4
    kind: Literal["savings", "current", "credit"]
    currency: str = Currency
    available: str = Amount


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9._\-]+$")
    amount: str = Amount
    currency: str = Currency
    status: Literal["pending", "completed", "failed", "returned"]
    created: date
    expected: date | None = None
    payee_last4: str = Field(default="", pattern=r"^([0-9]{4})?$")


class BankCustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Reference
    cards: list[CardIn] = Field(default=[], max_length=50)
    accounts: list[AccountIn] = Field(default=[], max_length=50)
    transfers: list[TransferIn] = Field(default=[], max_length=200)


class BankCustomersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customers: list[BankCustomerIn] = Field(min_length=1, max_length=1000)


class BankCustomersOut(BaseModel):
    written: int
