"""The assistant over HTTP: a customer's message and its reply (decisions on the ledger); the
bank's customer data the assistant acts on; the knowledge base; the hand-off tickets; training
the intent model (a background job)."""

from __future__ import annotations

from typing import Annotated

from fastapi import BackgroundTasks, Depends, Query, Request, Response, status

from finbrain.platform.api.deps import (
    AppSettings,
    IdempotencyKey,
    Session,
    Ulid,
    api_router,
    require,
)
from finbrain.platform.api.schemas import JobOut
from finbrain.platform.assistant import customers, knowledge, queries
from finbrain.platform.assistant import service as assistant
from finbrain.platform.assistant.schemas import (
    ActionOut,
    BankCustomersIn,
    BankCustomersOut,
    ConfirmOut,
    FaqIdsIn,
    FaqOut,
    FaqPageOut,
    FaqsIn,
    HandoffOut,
    KnowledgeOut,
    MessageIn,
    MessageOut,
    ModelTrainIn,
    TicketOut,
    TicketsOut,
)
from finbrain.platform.assistant.tables import AssistantFaq, AssistantTicket
from finbrain.platform.tenancy import Caller
from finbrain.platform.workers import jobs

router = api_router("/v1/assistant", "assistant")
Chatter = Annotated[Caller, Depends(require("assistant:chat"))]
Manager = Annotated[Caller, Depends(require("assistant:manage"))]
Agent = Annotated[Caller, Depends(require("assistant:tickets"))]
Limit = Annotated[int, Query(ge=1, le=200)]


@router.post("/messages", response_model=MessageOut)
def message(
    body: MessageIn, session: Session, settings: AppSettings, caller: Chatter, _key: IdempotencyKey
) -> MessageOut:
    """The assistant's reply to one customer message: an answer from the knowledge base, a
    question for a missing detail, an action put to the customer (done only on a yes in the
    next message, against the bank's own customer data), or a hand-off to a person (a ticket
    with the masked transcript). Every decision of the turn is on the ledger. Any text up to
    10,000 characters gets a safe reply; no trained model is a 409."""
    made = assistant.send_message(
        session, settings, caller, body.session_id, body.customer_id, body.text
    )
    reply = made.reply
    action, confirm, handoff = reply.action, reply.confirm, reply.handoff
    return MessageOut(
        session_id=body.session_id,
        reply=reply.text,
        language=reply.language,
        outcome=reply.outcome,
        intent=reply.intent,
        confidence=reply.confidence,
        action=None if action is None else ActionOut(
            task=action.task, ok=action.ok, reference=action.reference, problem=action.problem
        ),
        confirm=None if confirm is None else ConfirmOut(
            task=confirm.task, summary=confirm.summary, slots=dict(confirm.slots)
        ),
        handoff=None if handoff is None or made.ticket_id is None else HandoffOut(
            ticket_id=made.ticket_id, reasons=list(handoff.reasons)
        ),
        faq_id=reply.faq_id,
        decisions=made.decisions,
    )  # fmt: skip


@router.post("/customers", response_model=BankCustomersOut)
def put_customers(
    body: BankCustomersIn, session: Session, caller: Manager, _key: IdempotencyKey
) -> BankCustomersOut:
    """The customers' cards, accounts (available balance) and recent transfers the assistant
    may read and act on; a customer sent again is replaced whole. Last four digits only."""
    written = customers.put_customers(session, caller, [c.model_dump() for c in body.customers])
    return BankCustomersOut(written=written)


def _faq(row: AssistantFaq) -> FaqOut:
    return FaqOut(id=row.entry_id, questions=row.questions,
                  answer={"zh": row.answer_zh, "en": row.answer_en}, intents=row.intents,
                  updated_at=row.updated_at)  # fmt: skip


@router.get("/knowledge", response_model=FaqPageOut)
def list_knowledge(
    session: Session,
    _caller: Manager,
    limit: Limit = 50,
    after: Annotated[str | None, Query(max_length=64)] = None,
) -> FaqPageOut:
    """The knowledge base's entries in id order, and its version."""
    rows, more = queries.faq_page(session, limit=limit, after=after)
    version, _ = queries.knowledge_version(session)
    return FaqPageOut(items=[_faq(r) for r in rows], version=version, next=more)


@router.post("/knowledge", response_model=KnowledgeOut)
def put_knowledge(
    body: FaqsIn, session: Session, caller: Manager, _key: IdempotencyKey
) -> KnowledgeOut:
    """Add or replace entries by id (all or nothing); the next message uses them."""
    rows = knowledge.put_entries(session, caller, [e.model_dump() for e in body.entries])
    version, entries = queries.knowledge_version(session)
    return KnowledgeOut(version=version, entries=entries, written=len(rows))


@router.post("/knowledge/delete", response_model=KnowledgeOut)
def delete_knowledge(
    body: FaqIdsIn, session: Session, caller: Manager, _key: IdempotencyKey
) -> KnowledgeOut:
    """Remove entries by id; an id the base does not hold is a 404 and nothing is removed."""
    removed = knowledge.remove_entries(session, caller, body.ids)
    version, entries = queries.knowledge_version(session)
    return KnowledgeOut(version=version, entries=entries, removed=removed)


def _ticket(row: AssistantTicket) -> TicketOut:
    return TicketOut(
        id=row.id, session_id=row.session_id, customer_id=row.customer, language=row.language,
        reasons=row.reasons, transcript=row.transcript, pending_task=row.pending_task,
        status=row.status, agent=row.agent, created_at=row.created_at,
        updated_at=row.updated_at,
    )  # fmt: skip


@router.get("/tickets", response_model=TicketsOut)
def list_tickets(
    session: Session,
    _caller: Agent,
    status_: Annotated[str | None, Query(alias="status", pattern="^(open|taken|closed)$")] = None,
    limit: Limit = 50,
    after: Annotated[str | None, Query(max_length=26)] = None,
) -> TicketsOut:
    """The hand-off queue, oldest first."""
    rows, more = queries.tickets_page(session, limit=limit, status=status_, after=after)
    return TicketsOut(items=[_ticket(r) for r in rows], next=more)


@router.get("/tickets/{ticket_id}", response_model=TicketOut)
def get_ticket(ticket_id: Ulid, session: Session, _caller: Agent) -> TicketOut:
    return _ticket(queries.ticket(session, ticket_id))


@router.post("/tickets/{ticket_id}/take", response_model=TicketOut)
def take_ticket(ticket_id: Ulid, session: Session, caller: Agent) -> TicketOut:
    """An agent takes an open ticket."""
    return _ticket(assistant.take_ticket(session, caller, ticket_id))


@router.post("/tickets/{ticket_id}/close", response_model=TicketOut)
def close_ticket(ticket_id: Ulid, session: Session, caller: Agent) -> TicketOut:
    """Close a ticket; the customer's next message starts a new conversation."""
    return _ticket(assistant.close_ticket(session, caller, ticket_id))


@router.post("/models", status_code=status.HTTP_202_ACCEPTED, response_model=JobOut)
def train_model(
    body: ModelTrainIn,
    request: Request,
    response: Response,
    background: BackgroundTasks,
    session: Session,
    caller: Manager,
    _key: IdempotencyKey,
) -> JobOut:
    """Train the intent model in the background; when the job succeeds the new model is the
    champion the next message uses."""
    job = jobs.start(
        session, background, request.app.state, caller.tenant_id, "assistant.train",
        body.model_dump(),
    )  # fmt: skip
    return JobOut.accepted(response, job)
