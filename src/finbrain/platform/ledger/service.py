"""Each tenant's verifiable log, stored in the platform database.

Entries are appended in the caller's transaction (the one that stores the decision), so a
decision and its ledger entry commit or vanish together. Appends are serialised per tenant by
the head row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite writers are serial anyway).
Signing keys are derived from one platform secret, so no private key is ever stored in the
database and every API process signs with the same key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from finbrain.core.decision import Receipt, utcnow
from finbrain.core.errors import NotFoundError, ValidationError
from finbrain.core.settings import Settings
from finbrain.ledger.hashing import EMPTY_ROOT
from finbrain.ledger.note import Checkpoint, Note, NoteError, Signer, Verifier
from finbrain.ledger.receipt import encode_proof
from finbrain.ledger.tree import MerkleLog
from finbrain.platform.ledger.hashes import (
    DatabaseHashStore,
    _MemoLog,
    _Recorder,
    frontier,
)
from finbrain.platform.store.bulk import BulkInsert
from finbrain.platform.store.database import Database
from finbrain.platform.store.models import (
    LedgerCheckpoint,
    LedgerCosignature,
    LedgerHead,
    LedgerLeaf,
    LedgerNode,
    LedgerWitness,
)
from finbrain.platform.store.upsert import insert_for

CHECKPOINT_INTERVAL = timedelta(seconds=1)
LEAVES = cast(Table, LedgerLeaf.__table__)
NODES = cast(Table, LedgerNode.__table__)
HEADS = cast(Table, LedgerHead.__table__)
CHECKPOINTS = cast(Table, LedgerCheckpoint.__table__)
_INSERT_LEAVES = BulkInsert(
    LEAVES, ("tenant_id", "leaf_index", "entry", "leaf_hash", "decision_id", "created_at")
)
_INSERT_NODES = BulkInsert(NODES, ("tenant_id", "level", "idx", "hash"))
_HEAD_FOR_UPDATE = (
    select(HEADS.c.size).where(HEADS.c.tenant_id == bindparam("tenant")).with_for_update()
)
_HEAD_FOR_UPDATE_NOWAIT = (
    select(HEADS.c.size)
    .where(HEADS.c.tenant_id == bindparam("tenant"))
    .with_for_update(nowait=True)
)
_UPDATE_HEAD = (
    update(HEADS)
    .where(HEADS.c.tenant_id == bindparam("tenant"))
    .values(size=bindparam("new_size"), root=bindparam("new_root"), updated_at=bindparam("now"))
)
_LATEST_CHECKPOINT = (
    select(CHECKPOINTS.c.size, CHECKPOINTS.c.created_at)
    .where(CHECKPOINTS.c.tenant_id == bindparam("tenant"))
    .order_by(CHECKPOINTS.c.size.desc())
    .limit(1)
)
MAX_ENTRIES_PAGE = 1000


def try_lock_head(session: Session, tenant_id: str) -> bool:
    """Lock the tenant's head row for this transaction unless another holds it (PostgreSQL;
    a SQLite writer holds the whole database already). For a caller that must not wait: the
    event loop, where the holder may be a request that needs the loop to commit. False leaves
    the transaction failed: roll it back."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return True
    try:
        connection.execute(_HEAD_FOR_UPDATE_NOWAIT, {"tenant": tenant_id})
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
            return False
        raise
    return True


def origin_of(settings: Settings, tenant_id: str) -> str:
    return f"{settings.ledger_origin}/{tenant_id}"


def tenant_signer(settings: Settings, tenant_id: str) -> Signer:
    return _derived_signer(
        settings.effective_ledger_secret(), origin_of(settings, tenant_id), tenant_id
    )


@lru_cache(maxsize=4096)
def _derived_signer(secret: str, origin: str, tenant_id: str) -> Signer:
    seed = hmac.new(
        secret.encode(), b"finbrain-ledger-key-v1:" + tenant_id.encode(), hashlib.sha256
    ).digest()
    return Signer.from_seed(origin, seed)


@dataclass(frozen=True)
class Appended:
    first_index: int
    size: int
    note: str  # a signed checkpoint covering every appended entry


class TenantLedger:
    def __init__(self, session: Session, tenant_id: str, settings: Settings) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.settings = settings
        self.signer = tenant_signer(settings, tenant_id)
        self.origin = self.signer.name
        self.store = DatabaseHashStore(session, tenant_id)

    @property
    def verifier(self) -> Verifier:
        return self.signer.verifier()

    # -- reading -----------------------------------------------------------------------------
    def size(self) -> int:
        head = self.session.get(LedgerHead, self.tenant_id)
        return head.size if head else 0

    def _log(self, size: int | None = None) -> MerkleLog:
        return MerkleLog(self.store, self.size() if size is None else size)

    def _prefetched(self, size: int, run: str, *args: int) -> MerkleLog:
        recorder = _Recorder()
        getattr(MerkleLog(recorder, size), run)(*args)
        self.store.prefetch(recorder.wanted)
        return MerkleLog(self.store, size)

    def root(self, size: int) -> bytes:
        self._check_size(size, "size")
        if size == 0:
            return EMPTY_ROOT
        return self._prefetched(size, "root", size).root(size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        self._check_size(size, "size")
        if not 0 <= index < size:
            raise ValidationError(field="leaf", rule="below_tree_size")
        return self._prefetched(size, "inclusion_proof", index, size).inclusion_proof(index, size)

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        self._check_size(new, "to")
        if not 1 <= old <= new:
            raise ValidationError(field="from", rule="between_1_and_to")
        return self._prefetched(new, "consistency_proof", old, new).consistency_proof(old, new)

    def entries(self, start: int, end: int) -> list[LedgerLeaf]:
        if not 0 <= start < end or end - start > MAX_ENTRIES_PAGE:
            raise ValidationError(field="end", rule=f"start_below_end_at_most_{MAX_ENTRIES_PAGE}")
        return list(
            self.session.scalars(
                select(LedgerLeaf)
                .where(LedgerLeaf.leaf_index >= start, LedgerLeaf.leaf_index < end)
                .order_by(LedgerLeaf.leaf_index)
            )
        )

    def leaf_of_decision(self, decision_id: str) -> LedgerLeaf:
        leaf = self.session.scalar(select(LedgerLeaf).where(LedgerLeaf.decision_id == decision_id))
        if leaf is None:
            raise NotFoundError(kind="decision")
        return leaf

    def recent_checkpoints(self, count: int) -> list[LedgerCheckpoint]:
        """The newest ``count`` checkpoints, largest first."""
        return list(
            self.session.scalars(
                select(LedgerCheckpoint).order_by(LedgerCheckpoint.size.desc()).limit(count)
            )
        )

    def latest_checkpoint(self) -> LedgerCheckpoint | None:
        return self.session.scalar(
            select(LedgerCheckpoint).order_by(LedgerCheckpoint.size.desc()).limit(1)
        )

    def _check_size(self, size: int, field: str) -> None:
        current = self.size()
        if not 0 <= size <= current:
            raise ValidationError(field=field, rule=f"between_0_and_{current}")

    # -- writing -----------------------------------------------------------------------------
    # Appends sit on the hot path of every decision: their statements are built once and sent
    # on the transaction's connection (the ORM's per-statement work cost more than the
    # database's). Each names the tenant explicitly (and RLS applies on PostgreSQL).
    def _lock_head(self) -> int:
        """Lock the tenant's head row (created empty on first use); its size."""
        connection = self.session.connection()
        size = connection.execute(_HEAD_FOR_UPDATE, {"tenant": self.tenant_id}).scalar()
        if size is not None:
            return int(size)
        values = {
            "tenant_id": self.tenant_id,
            "size": 0,
            "root": EMPTY_ROOT,
            "updated_at": utcnow(),
        }
        upsert = insert_for(connection)
        connection.execute(upsert(LedgerHead).values(**values).on_conflict_do_nothing())
        size = connection.execute(_HEAD_FOR_UPDATE, {"tenant": self.tenant_id}).scalar()
        assert size is not None
        return int(size)

    def append(self, entries: Sequence[tuple[bytes, str | None]]) -> Appended:
        """Append entries (canonical bytes, decision id) in the current transaction."""
        if not entries:
            raise ValidationError(field="entries", rule="non_empty")
        self.session.flush()  # the caller's pending rows first, as a query's autoflush would
        first = self._lock_head()
        self.store.prefetch(frontier(first))  # the right edge the new leaves hang from
        log = MerkleLog(self.store, first)
        now = utcnow()
        rows = []
        for entry, decision_id in entries:
            index = log.append(entry)
            rows.append(
                {
                    "tenant_id": self.tenant_id,
                    "leaf_index": index,
                    "entry": entry,
                    "leaf_hash": self.store.get(0, index),
                    "decision_id": decision_id,
                    "created_at": now,
                }
            )
        connection = self.session.connection()
        # Executemany inserts: the ORM's unit of work adds nothing for immutable rows.
        _INSERT_LEAVES.execute(connection, rows)
        if self.store.new_nodes:
            _INSERT_NODES.execute(
                connection,
                [
                    {"tenant_id": self.tenant_id, "level": lv, "idx": i, "hash": h}
                    for lv, i, h in self.store.new_nodes
                ],
            )
            self.store.new_nodes.clear()
        size, root = log.size, log.root()
        connection.execute(
            _UPDATE_HEAD, {"tenant": self.tenant_id, "new_size": size, "new_root": root, "now": now}
        )
        self._forget_head()
        note = self.sign(size, root)
        self._persist_if_due(size, note)
        return Appended(first, size, note)

    def _forget_head(self) -> None:
        """A head row loaded through the ORM earlier in this session is stale now."""
        key = self.session.identity_key(LedgerHead, self.tenant_id)
        loaded = self.session.identity_map.get(key)
        if loaded is not None:
            self.session.expire(loaded)

    def sign(self, size: int, root: bytes) -> str:
        return self.signer.sign_note(Checkpoint(self.origin, size, root).text())

    def _persist_if_due(self, size: int, note: str, force: bool = False) -> bool:
        connection = self.session.connection()
        latest = connection.execute(_LATEST_CHECKPOINT, {"tenant": self.tenant_id}).first()
        if latest is not None and latest.size >= size:
            return False
        if not force and latest is not None and utcnow() - latest.created_at < CHECKPOINT_INTERVAL:
            return False
        connection.execute(
            insert(CHECKPOINTS),
            {"tenant_id": self.tenant_id, "size": size, "note": note, "created_at": utcnow()},
        )
        return True

    def checkpoint_now(self) -> LedgerCheckpoint | None:
        """Persist a checkpoint for the current size if none covers it (the 1-second tick)."""
        head = self.session.get(LedgerHead, self.tenant_id)
        if head is None or head.size == 0:
            return None
        latest = self.latest_checkpoint()
        if latest is not None and latest.size >= head.size:
            return latest
        self._persist_if_due(head.size, self.sign(head.size, head.root), force=True)
        self.session.flush()
        return self.latest_checkpoint()

    def receipt(self, index: int, appended: Appended) -> Receipt:
        """The receipt of one entry of ``appended`` (appended in this transaction)."""
        if not appended.first_index <= index < appended.size:
            raise ValidationError(field="leaf", rule="in_appended_range")
        return self._receipt(_MemoLog(self.store, appended.size), index, appended)

    def receipts(self, appended: Appended) -> list[Receipt]:
        """The receipts of every entry of ``appended``, in order. The tree size is the one the
        append reached (no read of the head), and every hash a proof needs was fetched or
        computed by the append: the frontier it hung from and the subtrees it completed."""
        log = _MemoLog(self.store, appended.size)
        return [
            self._receipt(log, index, appended)
            for index in range(appended.first_index, appended.size)
        ]

    @staticmethod
    def _receipt(log: MerkleLog, index: int, appended: Appended) -> Receipt:
        proof = log.inclusion_proof(index, appended.size)
        return Receipt(
            leaf_index=index, checkpoint=appended.note, inclusion_proof=encode_proof(proof)
        )

    # -- witnesses ---------------------------------------------------------------------------
    def witnesses(self) -> list[LedgerWitness]:
        return list(self.session.scalars(select(LedgerWitness).order_by(LedgerWitness.name)))

    def add_witness(self, vkey: str) -> LedgerWitness:
        try:
            verifier = Verifier.parse(vkey)
        except NoteError:
            raise ValidationError(field="vkey", rule="note_verifier_key") from None
        existing = self.session.get(LedgerWitness, (self.tenant_id, verifier.name))
        if existing is not None:
            existing.vkey = verifier.vkey
            return existing
        witness = LedgerWitness(
            tenant_id=self.tenant_id, name=verifier.name, vkey=verifier.vkey, created_at=utcnow()
        )
        self.session.add(witness)
        self.session.flush()
        return witness

    def add_cosignature(self, size: int, line: str) -> str:
        """Store a witness's cosignature on the persisted checkpoint of ``size``."""
        checkpoint = self.session.get(LedgerCheckpoint, (self.tenant_id, size))
        if checkpoint is None:
            raise NotFoundError(kind="checkpoint")
        note = Note.parse(checkpoint.note)
        try:
            signed = note.with_signature(line if line.endswith("\n") else line + "\n")
        except NoteError:
            raise ValidationError(field="cosignature", rule="signature_line") from None
        valid = signed.cosignatures([Verifier.parse(w.vkey) for w in self.witnesses()])
        name = signed.signatures[-1].name
        if name not in valid:
            raise ValidationError(field="cosignature", rule="valid_cosignature_by_known_witness")
        if self.session.get(LedgerCosignature, (self.tenant_id, size, name)) is None:
            self.session.add(
                LedgerCosignature(
                    tenant_id=self.tenant_id,
                    size=size,
                    witness=name,
                    line=signed.signatures[-1].render(),
                    created_at=utcnow(),
                )
            )
            self.session.flush()
        return name

    def cosigned_note(self, checkpoint: LedgerCheckpoint) -> tuple[str, list[str]]:
        """The checkpoint with every stored cosignature attached, and who cosigned."""
        lines = list(
            self.session.scalars(
                select(LedgerCosignature)
                .where(LedgerCosignature.size == checkpoint.size)
                .order_by(LedgerCosignature.witness)
            )
        )
        note = checkpoint.note + "".join(c.line for c in lines)
        return note, [c.witness for c in lines]

    def latest_witnessed(self) -> LedgerCheckpoint | None:
        """The newest checkpoint with a cosignature quorum."""
        quorum = self.settings.ledger_witness_quorum
        sizes = (
            select(LedgerCosignature.size)
            .group_by(LedgerCosignature.size)
            .having(func.count() >= quorum)
            .order_by(LedgerCosignature.size.desc())
            .limit(1)
        )
        size = self.session.scalar(sizes)
        return None if size is None else self.session.get(LedgerCheckpoint, (self.tenant_id, size))


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def checkpoint_due_logs(db: Database) -> int:
    """Persist a checkpoint for every log that grew since its last one (run each second)."""
    with db.platform(write=False) as session:
        heads = [(h.tenant_id, h.size) for h in session.scalars(select(LedgerHead))]
    issued = 0
    for tenant_id, size in heads:
        # Look first with a read; take the write lock only for logs that grew (every second,
        # an idle tenant must not make SQLite writers queue behind the ticker).
        with db.tenant(tenant_id, write=False) as session:
            latest = TenantLedger(session, tenant_id, db.settings).latest_checkpoint()
            due = latest is None or latest.size < size
        if due:
            with db.tenant(tenant_id) as session:
                if TenantLedger(session, tenant_id, db.settings).checkpoint_now() is not None:
                    issued += 1
    return issued
