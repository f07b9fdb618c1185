"""Allow decisions: a person's recorded decision that a screened name is not a listed entry.

Only a name below the threshold or such a decision clears a screening hit (docs/screening.md).
Each one is a decision on the tenant's ledger (capability ``identity``, action ``allow``), kept
with the listed entry's digest at the time: when the list changes that entry, the decision
lapses and the name is a hit again until someone looks again.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from finbrain.core.decision import BilingualText, Decision, Reason, Subject
from finbrain.core.errors import NotFoundError
from finbrain.core.settings import Settings
from finbrain.identity.lists import ListEntry
from finbrain.identity.screening import AllowDecision, SanctionsIndex
from finbrain.platform import decisions
from finbrain.platform.identity.tables import ScreeningAllow
from finbrain.platform.pagination import keyset_page
from finbrain.platform.tenancy import Caller


def listed_entry(index: SanctionsIndex, list_id: str, entry_id: str) -> ListEntry:
    """The entry as the current lists hold it (``NotFoundError`` naming ``entry_id``)."""
    for entry in index.entries:
        if entry.list_id == list_id and entry.entry_id == entry_id:
            return entry
    raise NotFoundError(f"no entry {entry_id} on {list_id}", kind="list_entry", field="entry_id")


def record(
    session: Session,
    settings: Settings,
    caller: Caller,
    index: SanctionsIndex,
    *,
    name: str,
    list_id: str,
    entry_id: str,
    note: str,
    customer_id: str | None = None,
) -> tuple[ScreeningAllow, Decision]:
    """Record that ``name`` is not ``list_id``/``entry_id``: a decision on the ledger, then the
    row screenings look up (both in the caller's transaction)."""
    entry = listed_entry(index, list_id, entry_id)
    reason = Reason(
        code="SCR-ALLOWED",
        text=BilingualText(
            zh=f"经人工核实，{name} 不是名单 {list_id} 的条目 {entry_id}（{entry.name}）：{note}",
            en=f"Reviewed by a person: {name} is not {list_id} entry {entry_id} "
            f"({entry.name}): {note}",
        ),
        feature=f"{list_id}:{entry_id}",
        value=entry.name,
    )
    decision = Decision.for_input(
        {
            "name": name,
            "list_id": list_id,
            "entry_id": entry_id,
            "entry_digest": entry.digest,
            "note": note,
            "customer_id": customer_id,
            "list_version": index.version,
        },
        tenant_id=caller.tenant_id,
        capability="identity",
        action="allow",
        subject=Subject(type="customer", id=customer_id or f"name:{name[:120]}"),
        outcome="clear",
        reasons=[reason],
    )
    recorded = decisions.record(session, decision, settings=settings, caller=caller)
    row = ScreeningAllow(
        tenant_id=caller.tenant_id,
        name=name,
        list_id=list_id,
        entry_id=entry_id,
        entry_digest=entry.digest,
        customer_id=customer_id,
        decided_by=caller.author,
        note=note,
        decision_id=recorded.id,
    )
    session.add(row)
    session.flush()
    return row, recorded


def for_hits(session: Session, entries: Sequence[tuple[str, str]]) -> tuple[AllowDecision, ...]:
    """The tenant's allow decisions about these listed entries, as the screening takes them."""
    rows = session.scalars(
        select(ScreeningAllow).where(
            tuple_(ScreeningAllow.list_id, ScreeningAllow.entry_id).in_(list(set(entries)))
        )
    )
    return tuple(
        AllowDecision(
            name=row.name,
            list_id=row.list_id,
            entry_id=row.entry_id,
            decided_by=row.decided_by,
            record=row.decision_id,
            entry_digest=row.entry_digest,
            note=row.note,
        )
        for row in rows
    )


def page(
    session: Session, *, limit: int, cursor: str | None = None
) -> tuple[list[ScreeningAllow], str | None]:
    """The tenant's allow decisions, newest first."""
    return keyset_page(
        session, select(ScreeningAllow), ScreeningAllow.id, limit=limit, after=cursor
    )
