"""The assistant's tables: the customers' cards, accounts and transfers the assistant may read
and act on (the bank's own data, loaded by the bank), the actions it took (one row per
``request_id``, so a retried turn never acts twice), each session's conversation state (masked),
the knowledge base with its version row, and the hand-off tickets. ``store.models`` imports
them for ``Base.metadata``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from finbrain.core.decision import new_id, utcnow
from finbrain.platform.store.base import Base, TenantOwned, tenant_column


class AssistantCard(TenantOwned, Base):
    """A customer's card, by the bank's id and its last four digits only."""

    __tablename__ = "assistant_cards"
    __table_args__ = (Index("ix_assistant_cards_customer", "tenant_id", "customer"),)
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer: Mapped[str] = mapped_column(String(128))
    last4: Mapped[str] = mapped_column(String(4))
    kind: Mapped[str] = mapped_column(String(8))  # debit | credit
    status: Mapped[str] = mapped_column(String(8))  # active | frozen | lost | closed
    product: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssistantAccount(TenantOwned, Base):
    """A customer's account and its available balance (a decimal string: money is never a
    float)."""

    __tablename__ = "assistant_accounts"
    __table_args__ = (Index("ix_assistant_accounts_customer", "tenant_id", "customer"),)
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer: Mapped[str] = mapped_column(String(128))
    last4: Mapped[str] = mapped_column(String(4))
    kind: Mapped[str] = mapped_column(String(8))  # savings | current | credit
    currency: Mapped[str] = mapped_column(String(3))
    available: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssistantTransfer(TenantOwned, Base):
    """An outgoing transfer the customer may ask after."""

    __tablename__ = "assistant_transfers"
    __table_args__ = (Index("ix_assistant_transfers_customer", "tenant_id", "customer", "created"),)
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), primary_key=True)
    customer: Mapped[str] = mapped_column(String(128))
    amount: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10))  # pending | completed | failed | returned
    created: Mapped[date] = mapped_column(Date)
    expected: Mapped[date | None] = mapped_column(Date, default=None)
    payee_last4: Mapped[str] = mapped_column(String(4), default="")


class AssistantAction(TenantOwned, Base):
    """One action the assistant asked of the bank (freeze, unfreeze, dispute), keyed by its
    ``request_id``: the answer stored here is the answer to a retry."""

    __tablename__ = "assistant_actions"
    __table_args__ = (Index("ix_assistant_actions_customer", "tenant_id", "customer"),)
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    action: Mapped[str] = mapped_column(String(32))  # freeze:lost | freeze:stolen | unfreeze | …
    customer: Mapped[str] = mapped_column(String(128))
    target: Mapped[str] = mapped_column(String(64))  # the card id; the dispute's own reference
    ok: Mapped[bool] = mapped_column(Boolean)
    reference: Mapped[str | None] = mapped_column(String(32), default=None)
    problem: Mapped[str | None] = mapped_column(String(32), default=None)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssistantSession(TenantOwned, Base):
    """A conversation's state (``ConversationState`` JSON: masked, the last turns only)."""

    __tablename__ = "assistant_sessions"
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    customer: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssistantFaq(TenantOwned, Base):
    """One knowledge-base entry: the ways customers ask it and the answer in both languages."""

    __tablename__ = "assistant_faq"
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    questions: Mapped[list[str]] = mapped_column(JSON)
    answer_zh: Mapped[str] = mapped_column(Text)
    answer_en: Mapped[str] = mapped_column(Text)
    intents: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssistantKnowledge(TenantOwned, Base):
    """The knowledge base's version: every write bumps it in its own transaction, and each
    server process rebuilds its cached base when it changes (never on a timer)."""

    __tablename__ = "assistant_knowledge"
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    entries: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssistantTicket(TenantOwned, Base):
    """A hand-off to a person: the masked transcript, why, and where the agent is with it."""

    __tablename__ = "assistant_tickets"
    __table_args__ = (Index("ix_assistant_tickets_status", "tenant_id", "status", "id"),)
    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(String(128))
    customer: Mapped[str] = mapped_column(String(128))
    language: Mapped[str] = mapped_column(String(2))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    pending_task: Mapped[str | None] = mapped_column(String(32), default=None)
    status: Mapped[str] = mapped_column(String(8))  # open | taken | closed
    agent: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
