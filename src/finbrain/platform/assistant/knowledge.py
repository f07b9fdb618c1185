"""Writing the tenant's knowledge base (知识库): add or replace FAQ entries by id, remove them.
Entries are validated as the library validates them (``finbrain.assistant.FaqEntry``: an id
of letters, digits, ``_.-``; 1 to 100 questions of 1 to 500 characters; an answer in zh and
en); a refusal names ``entries.<n>.<field>`` and nothing is written. Every write bumps the
base's version row in the same transaction, which is what each process's cached base is keyed
by (``queries.loaded_assistant``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import pydantic
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from finbrain.assistant.knowledge import FaqEntry
from finbrain.core.decision import utcnow
from finbrain.core.errors import NotFoundError, ValidationError
from finbrain.platform.assistant.tables import AssistantFaq, AssistantKnowledge
from finbrain.platform.store.upsert import insert_for
from finbrain.platform.tenancy import Caller

MAX_ENTRIES = 2000
KNOWLEDGE = cast(Table, AssistantKnowledge.__table__)


def entry_of(row: AssistantFaq) -> FaqEntry:
    return FaqEntry(
        id=row.entry_id,
        questions=tuple(row.questions),
        answer={"zh": row.answer_zh, "en": row.answer_en},
        intents=tuple(row.intents),
    )


def _entries(items: Sequence[Mapping[str, Any]]) -> list[FaqEntry]:
    out, seen = [], set()
    for n, item in enumerate(items):
        try:
            entry = FaqEntry.model_validate(dict(item))
        except pydantic.ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "entry"
            raise ValidationError(
                first["msg"], field=f"entries.{n}.{where}", rule=str(first["type"])
            ) from None
        if not entry.answer.zh.strip() or not entry.answer.en.strip():
            raise ValidationError(field=f"entries.{n}.answer", rule="zh_and_en_not_empty")
        if entry.id in seen:
            raise ValidationError(field=f"entries.{n}.id", rule="unique_in_request")
        seen.add(entry.id)
        out.append(entry)
    return out


def put_entries(
    session: Session, caller: Caller, items: Sequence[Mapping[str, Any]]
) -> list[AssistantFaq]:
    """Add or replace entries by id (all or nothing)."""
    entries = _entries(items)
    existing = {row.entry_id: row for row in session.scalars(select(AssistantFaq))}
    if len(existing.keys() | {e.id for e in entries}) > MAX_ENTRIES:
        raise ValidationError(field="entries", rule=f"at_most_{MAX_ENTRIES}_per_bank")
    now, rows = utcnow(), []
    for entry in entries:
        row = existing.get(entry.id)
        if row is None:
            row = AssistantFaq(tenant_id=caller.tenant_id, entry_id=entry.id)
            session.add(row)
        row.questions = list(entry.questions)
        row.answer_zh, row.answer_en = entry.answer.zh, entry.answer.en
        row.intents = list(entry.intents)
        row.updated_at = now
        rows.append(row)
    session.flush()
    bump(session, caller.tenant_id)
    return rows


def remove_entries(session: Session, caller: Caller, ids: Sequence[str]) -> int:
    """Remove entries by id; an id the base does not hold is a 404 naming it (nothing
    removed)."""
    rows = {row.entry_id: row for row in session.scalars(
        select(AssistantFaq).where(AssistantFaq.entry_id.in_(list(ids))))}  # fmt: skip
    for n, entry_id in enumerate(ids):
        if entry_id not in rows:
            raise NotFoundError(field=f"ids.{n}", kind="knowledge-base entry")
    for row in rows.values():
        session.delete(row)
    session.flush()
    bump(session, caller.tenant_id)
    return len(rows)


def bump(session: Session, tenant_id: str) -> AssistantKnowledge:
    """A new version of the base, in the writer's transaction (the row lock orders concurrent
    writers on PostgreSQL)."""
    connection = session.connection()
    upsert = insert_for(connection)
    first = {"tenant_id": tenant_id, "version": 0, "entries": 0, "updated_at": utcnow()}
    connection.execute(upsert(KNOWLEDGE).values(**first).on_conflict_do_nothing())
    state = session.get(AssistantKnowledge, tenant_id, with_for_update=True, populate_existing=True)
    assert state is not None  # written just above, in this transaction
    state.version += 1
    state.entries = len(list(session.scalars(select(AssistantFaq.entry_id))))
    state.updated_at = utcnow()
    session.flush()
    return state
