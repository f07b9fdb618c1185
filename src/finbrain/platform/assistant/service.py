"""One customer message on the platform, and the agent's side of a hand-off.

``send_message`` loads the session's conversation state (masked JSON, one row per session),
lets the tenant's assistant answer against the tenant's own bank (``bank.TenantBank``), stores
the new state, puts every decision of the turn on the ledger and, on a hand-off, opens a
ticket with the masked transcript — all in the caller's transaction, so a failed turn leaves
nothing half-written. A session belongs to the customer it started with.

``take_ticket`` / ``close_ticket``: an agent takes a ticket, then closes it; closing resets
the session, so the customer's next message starts a new conversation with the assistant.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import cast

import pydantic
from sqlalchemy import Table
from sqlalchemy.orm import Session

from finbrain.assistant.chat import Reply
from finbrain.assistant.state import ConversationState
from finbrain.core.decision import Decision, utcnow
from finbrain.core.errors import ConflictError, ValidationError
from finbrain.core.settings import Settings
from finbrain.platform import decisions
from finbrain.platform.assistant import queries
from finbrain.platform.assistant.bank import TenantBank
from finbrain.platform.assistant.tables import AssistantSession, AssistantTicket
from finbrain.platform.store.upsert import insert_for
from finbrain.platform.tenancy import Caller

log = logging.getLogger(__name__)
SESSIONS = cast(Table, AssistantSession.__table__)
MAX_MESSAGE_CHARS = 10_000


@dataclass(frozen=True)
class Answered:
    reply: Reply
    decisions: list[Decision]
    """The turn's decisions as recorded (tenant and receipt stamped)."""
    ticket_id: str | None


def _state(row: AssistantSession, session_id: str, customer_id: str) -> ConversationState:
    if row.customer != customer_id:
        raise ConflictError(field="customer_id", rule="the_session_customer")
    if not row.state:  # claimed by this turn: a new conversation
        return ConversationState.new(session_id, customer_id)
    try:
        return ConversationState.from_json(row.state)
    except pydantic.ValidationError:  # a state an older version wrote: start afresh
        log.warning("assistant session %s had an unreadable state", session_id[:64])
        return ConversationState.new(session_id, customer_id)


def send_message(
    session: Session,
    settings: Settings,
    caller: Caller,
    session_id: str,
    customer_id: str,
    text: str,
    today: date | None = None,
) -> Answered:
    """The assistant's reply to one message (see the module doc)."""
    if len(text) > MAX_MESSAGE_CHARS:
        raise ValidationError(field="text", rule=f"at_most_{MAX_MESSAGE_CHARS}_characters")
    assistant = queries.loaded_assistant(session, caller.tenant_id)
    # The session's row exists before it is locked, so two first messages of one new session
    # take turns on its lock instead of both inserting it (a primary-key clash on PostgreSQL).
    connection = session.connection()
    insert = insert_for(connection)
    connection.execute(
        insert(SESSIONS)
        .values(tenant_id=caller.tenant_id, session_id=session_id, customer=customer_id,
                state="", updated_at=utcnow())
        .on_conflict_do_nothing()
    )  # fmt: skip
    row = session.get(
        AssistantSession, (caller.tenant_id, session_id), with_for_update=True,
        populate_existing=True,
    )  # fmt: skip
    assert row is not None  # written just above, in this transaction
    state = _state(row, session_id, customer_id)
    reply = assistant.reply(state, text, TenantBank(session, caller.tenant_id), today=today)
    row.state = reply.state.to_json()
    row.updated_at = utcnow()
    recorded = decisions.record_many(
        session, [d.for_tenant(caller.tenant_id) for d in reply.decisions],
        settings=settings, caller=caller,
    )  # fmt: skip
    ticket_id = None
    if reply.handoff is not None:
        handoff = reply.handoff
        ticket = AssistantTicket(
            tenant_id=caller.tenant_id, session_id=handoff.session_id,
            customer=handoff.customer_id, language=handoff.language,
            reasons=list(handoff.reasons),
            transcript=[t.model_dump() for t in handoff.transcript],
            pending_task=handoff.pending_task, status="open", agent=None,
            created_at=utcnow(), updated_at=utcnow(),
        )  # fmt: skip
        session.add(ticket)
        session.flush()
        ticket_id = ticket.id
    session.flush()
    return Answered(reply, recorded, ticket_id)


def take_ticket(session: Session, caller: Caller, ticket_id: str) -> AssistantTicket:
    """An agent takes an open ticket (a taken or closed one cannot be taken again)."""
    ticket = queries.ticket(session, ticket_id)
    if ticket.status != "open":
        raise ConflictError(field="status", rule="open_ticket")
    ticket.status, ticket.agent, ticket.updated_at = "taken", caller.author[:64], utcnow()
    session.flush()
    return ticket


def close_ticket(session: Session, caller: Caller, ticket_id: str) -> AssistantTicket:
    """Close a ticket and reset its session: the customer's next message starts afresh."""
    ticket = queries.ticket(session, ticket_id)
    if ticket.status == "closed":
        raise ConflictError(field="status", rule="not_closed")
    ticket.status, ticket.updated_at = "closed", utcnow()
    ticket.agent = ticket.agent or caller.author[:64]
    stored = session.get(AssistantSession, (caller.tenant_id, ticket.session_id))
    if stored is not None:
        session.delete(stored)
    session.flush()
    return ticket
