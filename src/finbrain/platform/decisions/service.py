"""Storing and reading decisions: the platform's record of every automated decision."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.orm import Session

from finbrain.core.canonical import canonical_json
from finbrain.core.decision import Decision, ModelRef, Reason, Receipt, Subject, utcnow
from finbrain.core.errors import ConflictError, NotFoundError, ValidationError
from finbrain.core.settings import Settings
from finbrain.ledger.receipt import check_receipt, encode_proof
from finbrain.ledger.verify import ProofError
from finbrain.platform.ledger import TenantLedger
from finbrain.platform.pagination import decode_cursor, encode_cursor, keyset_page
from finbrain.platform.store.bulk import BulkInsert
from finbrain.platform.store.models import DecisionRow
from finbrain.platform.tenancy import Caller

DECISIONS = cast(Table, DecisionRow.__table__)
# Every column: a decision row is written whole, once. Its JSON (reasons, receipt) is in the
# canonical ledger entry or made of it: finite numbers only.
_INSERT = BulkInsert(DECISIONS, tuple(DECISIONS.c.keys()), canonical_json_columns=True)


def record(
    session: Session,
    decision: Decision,
    *,
    settings: Settings,
    caller: Caller | None = None,
) -> Decision:
    """Store a decision and append it to the tenant's ledger in the caller's transaction.

    Returns the decision with its receipt (leaf index, signed checkpoint, inclusion proof).
    """
    return record_many(session, [decision], settings=settings, caller=caller)[0]


def record_many(
    session: Session,
    batch: Sequence[Decision],
    *,
    settings: Settings,
    caller: Caller | None = None,
    key_ids: Sequence[str | None] | None = None,
    request_ids: Sequence[str | None] | None = None,
    minted: bool = False,
) -> list[Decision]:
    """Store decisions of one tenant and append them to its ledger as one batch.

    ``caller`` names the key and request of the whole batch; ``key_ids``/``request_ids``
    (one per decision) name each decision's own caller when a batch gathers many requests.
    ``minted``: the caller made these decisions just now (fresh ULIDs), so the lookup for ids
    already stored is skipped (a query per batch on the scoring path); the primary key still
    refuses a duplicate, failing the whole transaction.
    """
    if not batch:
        return []
    if (key_ids is not None and len(key_ids) != len(batch)) or (
        request_ids is not None and len(request_ids) != len(batch)
    ):
        raise ValidationError(field="request_ids", rule="one_per_decision")
    tenant_id = batch[0].tenant_id
    key_id = caller.key_id if caller else None
    request_id = caller.request_id if caller else None
    scoped_to = session.info.get("tenant_id")
    if (
        any(d.tenant_id != tenant_id for d in batch)
        or scoped_to not in (None, tenant_id)
        or (caller is not None and caller.tenant_id != tenant_id)
    ):
        raise ValidationError(field="tenant_id", rule="own_tenant")
    ids = [d.id for d in batch]
    if len(set(ids)) != len(ids) or (not minted and _any_stored(session, ids)):
        raise ConflictError(field="id", rule="unique")
    ledger = TenantLedger(session, tenant_id, settings)
    entries = [d.ledger_entry() for d in batch]
    appended = ledger.append(
        [(canonical_json(entry), d.id) for entry, d in zip(entries, batch, strict=True)]
    )
    receipts = ledger.receipts(appended)
    done = [
        decision.model_copy(update={"receipt": receipt})
        for decision, receipt in zip(batch, receipts, strict=True)
    ]
    rows = []
    for i, (decision, entry, receipt) in enumerate(zip(done, entries, receipts, strict=True)):
        row = _row(
            decision,
            key_ids[i] if key_ids is not None else key_id,
            request_ids[i] if request_ids is not None else request_id,
            reasons=entry["reasons"],  # the JSON form, already made for the ledger entry
        )
        row["receipt"] = _receipt_json(receipt)
        rows.append(row)
    # One executemany: the ORM's bulk path adds nothing for these immutable rows.
    _INSERT.execute(session.connection(), rows)
    return done


_STORED = (
    select(DECISIONS.c.id).where(DECISIONS.c.id.in_(bindparam("ids", expanding=True))).limit(1)
)
_STORED_OF_TENANT = _STORED.where(DECISIONS.c.tenant_id == bindparam("tenant"))


def _any_stored(session: Session, ids: list[str]) -> bool:
    """Whether any of ``ids`` is stored already (in the session's tenant, when it has one: the
    filter the ORM query would get). A prepared Core statement: this runs for every batch."""
    tenant_id = session.info.get("tenant_id")
    statement = _STORED if tenant_id is None else _STORED_OF_TENANT
    found = session.connection().execute(statement, {"ids": ids, "tenant": tenant_id})
    return found.first() is not None


def _receipt_json(receipt: Receipt) -> dict[str, Any]:
    """``receipt.model_dump(mode="json")``, built directly (every field is JSON already)."""
    return {
        "leaf_index": receipt.leaf_index,
        "checkpoint": receipt.checkpoint,
        "inclusion_proof": list(receipt.inclusion_proof),
    }


def _row(
    decision: Decision,
    key_id: str | None,
    request_id: str | None,
    reasons: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "id": decision.id,
        "tenant_id": decision.tenant_id,
        "capability": decision.capability,
        "action": decision.action,
        "subject_type": decision.subject.type,
        "subject_id": decision.subject.id,
        "model_id": decision.model.id if decision.model else None,
        "model_version": decision.model.version if decision.model else None,
        "model_digest": decision.model.digest if decision.model else None,
        "outcome": decision.outcome,
        "score": decision.score,
        "grade": decision.grade,
        "reasons": reasons
        if reasons is not None
        else [r.model_dump(mode="json") for r in decision.reasons],
        "input_digest": decision.input_digest,
        "created_at": decision.created_at,
        "receipt": decision.receipt.model_dump(mode="json") if decision.receipt else None,
        "key_id": key_id,
        "request_id": request_id,
    }


def to_decision(row: DecisionRow) -> Decision:
    return Decision(
        id=row.id,
        tenant_id=row.tenant_id,
        capability=row.capability,
        action=row.action,
        subject=Subject(type=row.subject_type, id=row.subject_id),
        model=ModelRef(id=row.model_id, version=row.model_version or "", digest=row.model_digest)
        if row.model_id
        else None,
        outcome=row.outcome,
        score=row.score,
        grade=row.grade,
        reasons=[Reason.model_validate(r) for r in row.reasons],
        input_digest=row.input_digest,
        created_at=row.created_at,
        receipt=Receipt.model_validate(row.receipt) if row.receipt else None,
    )


def get(session: Session, decision_id: str) -> Decision:
    row = session.get(DecisionRow, decision_id)
    # The tenant filter applies to session.get too only through a query: check ownership here.
    if row is None or row.tenant_id != session.info.get("tenant_id"):
        raise NotFoundError(kind="decision")
    return to_decision(row)


@dataclass(frozen=True)
class Page:
    items: list[Decision]
    next_cursor: str | None


def list_page(
    session: Session,
    *,
    limit: int = 50,
    cursor: str | None = None,
    capability: str | None = None,
    outcome: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
) -> Page:
    """Newest first; the cursor is the last id seen (ULIDs sort by time)."""
    query = select(DecisionRow)
    if capability:
        query = query.where(DecisionRow.capability == capability)
    if outcome:
        query = query.where(DecisionRow.outcome == outcome)
    if subject_type:
        query = query.where(DecisionRow.subject_type == subject_type)
    if subject_id:
        query = query.where(DecisionRow.subject_id == subject_id)
    after = decode_cursor(cursor) if cursor else None
    rows, last = keyset_page(session, query, DecisionRow.id, limit=limit, after=after)
    return Page(items=[to_decision(r) for r in rows], next_cursor=last and encode_cursor(last))


def utc_day(session: Session, column: Any) -> Any:
    """The UTC calendar day of a timestamp column, as ``YYYY-MM-DD`` text, in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.date(column)  # SQLite keeps UTC timestamps as text (store.base.UtcDateTime)


def model_kind(session: Session, decision: Decision) -> str | None:
    """The kind (``scorecard``, ``gbm`` …) of the registered model a decision names, found by
    its digest; None for a decision without a registered model."""
    if decision.model is None or not decision.model.digest:
        return None
    from finbrain.platform.store.models import ModelVersion

    return session.scalar(
        select(ModelVersion.kind).where(ModelVersion.digest == decision.model.digest).limit(1)
    )


def daily_outcomes(
    session: Session,
    *,
    days: int = 30,
    capability: str | None = None,
    action: str | None = None,
) -> dict[str, Counter[str]]:
    """Decisions per UTC day and outcome over the last ``days`` days, counted in SQL."""
    day = utc_day(session, DecisionRow.created_at)
    query = (
        select(day, DecisionRow.outcome, func.count())
        .where(DecisionRow.created_at >= utcnow() - timedelta(days=days))
        .group_by(day, DecisionRow.outcome)
    )
    if capability:
        query = query.where(DecisionRow.capability == capability)
    if action:
        query = query.where(DecisionRow.action == action)
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    for when, outcome, count in session.execute(query):
        per_day[str(when)][outcome] += int(count)
    return dict(per_day)


def verify_receipt(ledger: TenantLedger, decision_id: str) -> tuple[int, int]:
    """Check a stored decision's own receipt, then a fresh inclusion proof against the latest
    checkpoint: its leaf index and the size of the checkpoint it was proven in.

    Raises ``NotFoundError`` (not this tenant's), ``ProofError`` or ``NoteError`` (a receipt
    that does not verify: the entry, the proof or the signature was changed)."""
    decision = get(ledger.session, decision_id)
    if decision.receipt is None:
        raise ProofError("no receipt")
    checkpoint = check_receipt(
        decision.ledger_entry(), decision.receipt, ledger.verifier, ledger.origin
    )
    latest = ledger.latest_checkpoint()
    if latest is not None and latest.size > decision.receipt.leaf_index:
        fresh = Receipt(
            leaf_index=decision.receipt.leaf_index,
            checkpoint=latest.note,
            inclusion_proof=encode_proof(
                ledger.inclusion_proof(decision.receipt.leaf_index, latest.size)
            ),
        )
        checkpoint = check_receipt(decision.ledger_entry(), fresh, ledger.verifier, ledger.origin)
    return decision.receipt.leaf_index, checkpoint.size
