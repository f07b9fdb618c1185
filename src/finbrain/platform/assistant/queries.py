"""Reads the API and the console share: the knowledge base, the ticket queue, a ticket, and
the tenant's assistant (intent model + knowledge base) as this process has it loaded.

The loaded assistant is cached per process, keyed by the champion model's id and digest and
the knowledge base's version row (``knowledge.bump``), never by time: several server
processes share the database, and each sees a new model or an edited entry at its next
message. A model is read from the registry once per version (its artifact is megabytes; the
per-message check reads two short columns)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finbrain.core.decision import ModelRef
from finbrain.core.errors import ConflictError, NotFoundError
from finbrain.platform.assistant.knowledge import entry_of
from finbrain.platform.assistant.tables import (
    AssistantCard,
    AssistantFaq,
    AssistantKnowledge,
    AssistantSession,
    AssistantTicket,
)
from finbrain.platform.pagination import keyset_page
from finbrain.platform.store.models import ModelVersion

if TYPE_CHECKING:
    from finbrain.assistant.chat import Assistant
    from finbrain.assistant.nlu.intents import IntentClassifier
    from finbrain.assistant.state import ConversationState

TICKET_STATUSES = ("open", "taken", "closed")
CUSTOMER_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


# -- the knowledge base ------------------------------------------------------------------------
def knowledge_version(session: Session) -> tuple[int, int]:
    """``(version, entries)`` of the tenant's knowledge base (0, 0 before its first write)."""
    row = session.scalar(select(AssistantKnowledge))
    return (row.version, row.entries) if row is not None else (0, 0)


def faq_page(
    session: Session, *, limit: int, after: str | None = None
) -> tuple[list[AssistantFaq], str | None]:
    """Entries in id order."""
    return keyset_page(session, select(AssistantFaq), AssistantFaq.entry_id, limit=limit,
                       after=after, newest_first=False)  # fmt: skip


def faq_entry(session: Session, entry_id: str) -> AssistantFaq:
    row = session.scalar(select(AssistantFaq).where(AssistantFaq.entry_id == entry_id))
    if row is None:
        raise NotFoundError(kind="knowledge-base entry")
    return row


# -- tickets -----------------------------------------------------------------------------------
def tickets_page(
    session: Session, *, limit: int, status: str | None = None, after: str | None = None
) -> tuple[list[AssistantTicket], str | None]:
    """The hand-off queue, oldest first (the customer who waited longest comes first)."""
    query = select(AssistantTicket)
    if status is not None:
        query = query.where(AssistantTicket.status == status)
    return keyset_page(session, query, AssistantTicket.id, limit=limit, after=after,
                       newest_first=False)  # fmt: skip


def ticket_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(AssistantTicket.status, func.count()).group_by(AssistantTicket.status)
    )
    counts = dict.fromkeys(TICKET_STATUSES, 0)
    counts.update({status: int(n) for status, n in rows})
    return counts


def ticket(session: Session, ticket_id: str) -> AssistantTicket:
    row = session.scalar(select(AssistantTicket).where(AssistantTicket.id == ticket_id))
    if row is None:
        raise NotFoundError(kind="ticket")
    return row


# -- the loaded assistant ----------------------------------------------------------------------
@dataclass(frozen=True)
class ChampionModel:
    id: str
    version: int
    digest: str
    metrics: dict[str, object]


def champion_model(session: Session) -> ChampionModel | None:
    """The assistant's champion intent model (its id, version, digest, measures), or None."""
    row = session.execute(
        select(ModelVersion.id, ModelVersion.version, ModelVersion.digest, ModelVersion.metrics)
        .where(ModelVersion.capability == "assistant", ModelVersion.status == "champion")
    ).first()  # fmt: skip
    return ChampionModel(row.id, row.version, row.digest, dict(row.metrics)) if row else None


_lock = threading.Lock()
_models: OrderedDict[str, IntentClassifier] = OrderedDict()  # by model id@digest
_assistants: dict[str, tuple[tuple[str, int], Assistant]] = {}  # by tenant


def _model(session: Session, champion: ChampionModel) -> IntentClassifier:
    from finbrain.platform.assistant import artifact

    key = f"{champion.id}@{champion.digest}"
    with _lock:
        if key in _models:
            _models.move_to_end(key)
            return _models[key]
    text = session.scalar(select(ModelVersion.artifact).where(ModelVersion.id == champion.id))
    model = artifact.load(text or "")
    with _lock:
        _models[key] = model
        while len(_models) > 8:
            _models.popitem(last=False)
    return model


def loaded_assistant(session: Session, tenant_id: str) -> Assistant:
    """The tenant's assistant: champion model + knowledge base, rebuilt when either changes.
    No champion model is a 409 that says to train one."""
    from finbrain.assistant.chat import Assistant

    champion = champion_model(session)
    if champion is None:
        raise ConflictError(code="FB-ASSISTANT-NO-MODEL", rule="trained_model")
    version, _ = knowledge_version(session)
    key = (f"{champion.id}@{champion.digest}", version)
    with _lock:
        cached = _assistants.get(tenant_id)
    if cached is not None and cached[0] == key:
        return cached[1]
    model = _model(session, champion)
    entries = [entry_of(row) for row in session.scalars(select(AssistantFaq))]
    ref = ModelRef(id="assistant-intent", version=str(champion.version), digest=champion.digest)
    made = Assistant.build(model, entries, model_ref=ref)
    with _lock:
        _assistants[tenant_id] = (key, made)
    return made


def session_state(session: Session, session_id: str) -> ConversationState | None:
    """A session's stored conversation state (masked), or None before its first message."""
    from finbrain.assistant.state import ConversationState

    row = session.get(AssistantSession, (session.info.get("tenant_id"), session_id))
    if row is None:
        return None
    try:
        return ConversationState.from_json(row.state)
    except ValueError:  # pydantic's ValidationError is a ValueError: an unreadable old state
        return None


def customer_cards(session: Session, customer_id: str) -> list[AssistantCard]:
    """The customer's cards as the bank holds them now (the chat page shows them)."""
    return list(session.scalars(
        select(AssistantCard).where(AssistantCard.customer == customer_id)
        .order_by(AssistantCard.id)))  # fmt: skip
