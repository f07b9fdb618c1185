"""Tampering with a stored log is found by `finbrain ledger verify`, which names the place:
an edited entry or decision, a deleted entry, two entries swapped, a truncated log, checkpoints
signed by another key. An untouched log verifies."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import delete, func, select, update

from finbrain.ledger.hashing import leaf_hash
from finbrain.ledger.note import Note, Signer
from finbrain.platform.ledger import checkpoint_due_logs, origin_of
from finbrain.platform.ledger.audit import audit
from finbrain.platform.store.database import Database
from finbrain.platform.store.models import (
    DecisionRow,
    LedgerCheckpoint,
    LedgerHead,
    LedgerLeaf,
    LedgerNode,
)
from tests.conftest import Platform
from tests.platform.helpers import add_decisions


def _grow(platform: Platform, n: int = 24) -> tuple[str, list[str]]:
    tenant_id, _ = platform.new_tenant()
    made = []
    for _ in range(3):  # three batches with a checkpoint after each
        made += add_decisions(platform.db, tenant_id, n // 3)
        checkpoint_due_logs(platform.db)
    return tenant_id, [d.id for d in made]


def test_untouched_log_verifies(platform: Platform) -> None:
    tenant_id, ids = _grow(platform)
    report = audit(platform.db, tenant_id)
    assert report.ok, report.findings
    assert report.entries_checked == len(ids) and report.checkpoints_checked >= 3
    assert report.nodes_checked == len(ids) - bin(len(ids)).count("1")  # perfect subtrees


def _edit_entry(db: Database, tenant_id: str) -> int:
    with db.tenant(tenant_id) as s:
        leaf = s.scalar(select(LedgerLeaf).where(LedgerLeaf.leaf_index == 9))
        assert leaf is not None
        leaf.entry = leaf.entry.replace(b'"outcome":"', b'"outcome":"x', 1)
    return 9


def _edit_entry_and_hash(db: Database, tenant_id: str) -> int:
    with db.tenant(tenant_id) as s:
        leaf = s.scalar(select(LedgerLeaf).where(LedgerLeaf.leaf_index == 13))
        assert leaf is not None
        leaf.entry = leaf.entry.replace(b'"outcome":"', b'"outcome":"x', 1)
        leaf.leaf_hash = leaf_hash(leaf.entry)  # a careful forger recomputes the leaf hash
    return 13


def _edit_decision(db: Database, tenant_id: str) -> int:
    with db.tenant(tenant_id) as s:
        row = s.scalars(select(DecisionRow).order_by(DecisionRow.id)).all()[5]
        row.outcome = "approve" if row.outcome != "approve" else "decline"
    return 5


def _delete_entry(db: Database, tenant_id: str) -> int:
    with db.tenant(tenant_id) as s:
        s.execute(delete(LedgerLeaf).where(LedgerLeaf.leaf_index == 7))
    return 7


def _swap_entries(db: Database, tenant_id: str) -> int:
    with db.tenant(tenant_id) as s:
        a = s.scalar(select(LedgerLeaf).where(LedgerLeaf.leaf_index == 3))
        b = s.scalar(select(LedgerLeaf).where(LedgerLeaf.leaf_index == 11))
        assert a is not None and b is not None
        (a.entry, a.leaf_hash, a.decision_id, b.entry, b.leaf_hash, b.decision_id) = (
            b.entry,
            b.leaf_hash,
            b.decision_id,
            a.entry,
            a.leaf_hash,
            a.decision_id,
        )
    return 3


def _truncate(db: Database, tenant_id: str) -> int:
    with db.tenant(tenant_id) as s:
        s.execute(delete(LedgerLeaf).where(LedgerLeaf.leaf_index >= 20))
        for node in s.scalars(select(LedgerNode)):
            if (node.idx + 1) << node.level > 20:
                s.delete(node)
        s.execute(update(LedgerHead).values(size=20))
    return 20


TAMPERS: dict[str, tuple[Callable[[Database, str], int], str]] = {
    "edit entry": (_edit_entry, "content does not match its leaf hash"),
    "edit entry and its hash": (_edit_entry_and_hash, "does not match them"),
    "edit the decision record": (_edit_decision, "differs from its ledger entry"),
    "delete an entry": (_delete_entry, "is missing"),
    "reorder two entries": (_swap_entries, "entries reordered"),
    "truncate the log": (_truncate, "missing"),
}


@pytest.mark.parametrize("name", list(TAMPERS))
def test_tampering_is_found_and_named(platform: Platform, name: str) -> None:
    tenant_id, _ = _grow(platform)
    tamper, phrase = TAMPERS[name]
    expected_entry = tamper(platform.db, tenant_id)
    report = audit(platform.db, tenant_id)
    assert not report.ok
    assert report.first_bad_entry == expected_entry, report.findings
    assert any(phrase in f.message for f in report.findings), report.findings


def test_checkpoints_signed_by_another_key_are_found(platform: Platform) -> None:
    tenant_id, _ = _grow(platform)
    rogue = Signer.generate(origin_of(platform.settings, tenant_id))
    with platform.db.tenant(tenant_id) as s:
        latest = s.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.size.desc())).first()
        assert latest is not None
        latest.note = rogue.sign_note(Note.parse(latest.note).text)
        size = latest.size
    report = audit(platform.db, tenant_id)
    assert any(
        f"checkpoint at size {size}" in f.message and "signature" in f.message
        for f in report.findings
    ), report.findings
    # An auditor who pins the rogue key sees every *other* checkpoint fail instead.
    pinned = audit(platform.db, tenant_id, rogue.verifier())
    with platform.db.tenant(tenant_id) as s:
        total = s.scalar(select(func.count()).select_from(LedgerCheckpoint))
    assert len(pinned.findings) == (total or 0) - 1


def test_rewritten_history_with_recomputed_hashes_breaks_signed_checkpoints(
    platform: Platform,
) -> None:
    """A forger with database access rewrites entry 2 and recomputes every stored hash; only
    the signed checkpoints (and witnesses) still hold the truth."""
    tenant_id, _ = _grow(platform)
    from finbrain.ledger.tree import MerkleLog

    with platform.db.tenant(tenant_id) as s:
        leaves = s.scalars(select(LedgerLeaf).order_by(LedgerLeaf.leaf_index)).all()
        leaves[2].entry = leaves[2].entry.replace(b'"outcome":"', b'"outcome":"x', 1)
        log = MerkleLog()
        for leaf in leaves:
            leaf.leaf_hash = leaf_hash(leaf.entry)
            log.append_leaf_hash(leaf.leaf_hash)
        for node in s.scalars(select(LedgerNode)):
            node.hash = log.store.get(node.level, node.idx)
        head = s.get(LedgerHead, tenant_id)
        assert head is not None
        head.root = log.root()
    report = audit(platform.db, tenant_id)
    assert any("signed root does not match" in f.message for f in report.findings)
    assert report.first_bad_entry == 2  # the decision record no longer matches entry 2
