"""Offline audit of a tenant's log: recompute every hash, check every checkpoint, name the
first place where the stored history stops being the history that was signed.

It reads the database only (no server), streams the entries once, and cross-checks three
independent copies of the truth: the entries and their hashes, the decisions they record, and
the signed checkpoints (signature, root, consistency between consecutive ones).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from finbrain.core.canonical import canonical_json
from finbrain.ledger.hashing import EMPTY_ROOT, leaf_hash
from finbrain.ledger.note import NoteError, Verifier, open_checkpoint
from finbrain.ledger.tree import MerkleLog
from finbrain.ledger.verify import ProofError, verify_consistency
from finbrain.platform.decisions import to_decision
from finbrain.platform.ledger.service import origin_of, tenant_signer
from finbrain.platform.store.database import Database
from finbrain.platform.store.models import (
    DecisionRow,
    LedgerCheckpoint,
    LedgerHead,
    LedgerLeaf,
    LedgerNode,
)


@dataclass
class Finding:
    entry: int | None  # first entry index concerned, when one can be named
    message: str


@dataclass
class AuditReport:
    tenant_id: str
    size: int = 0
    entries_checked: int = 0
    nodes_checked: int = 0
    checkpoints_checked: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first_bad_entry(self) -> int | None:
        named = [f.entry for f in self.findings if f.entry is not None]
        return min(named) if named else None

    def add(self, entry: int | None, message: str) -> None:
        self.findings.append(Finding(entry, message))


def audit(
    db: Database,
    tenant_id: str,
    pinned: Verifier | None = None,
    progress: Callable[[int], None] | None = None,
    strict: bool = False,
) -> AuditReport:
    """Audit the whole log of ``tenant_id``; ``pinned`` is the log key the auditor trusts
    (default: the key this platform derives, which catches checkpoints signed by any other).
    ``strict`` also re-encodes every entry to check it is canonical RFC 8785 JSON (slower)."""
    report = AuditReport(tenant_id)
    log_key = pinned or tenant_signer(db.settings, tenant_id).verifier()
    origin = origin_of(db.settings, tenant_id)
    tree = MerkleLog()
    with db.tenant(tenant_id, write=False) as session:
        decision_leaf = _check_entries(session, report, tree, strict, progress)
        _check_head(session, tenant_id, report, tree)
        broken = _check_subtrees(session, report, tree)
        _check_decisions(session, report, tree, decision_leaf)
        _check_checkpoints(session, report, tree, log_key, origin)
    _place_subtree_findings(report, broken)
    report.findings.sort(key=lambda f: (f.entry is None, f.entry or 0))
    return report


def _check_entries(
    session: Session,
    report: AuditReport,
    tree: MerkleLog,
    strict: bool,
    progress: Callable[[int], None] | None,
) -> dict[str, int]:
    """Stream the entries once, in order: none missing, each matching its leaf hash (and
    canonical, when ``strict``), each naming the decision it is indexed under. Rebuilds
    ``tree`` from the recomputed hashes; returns where each decision's entry is."""
    decision_leaf: dict[str, int] = {}
    expected = 0
    for leaf in session.scalars(
        select(LedgerLeaf).order_by(LedgerLeaf.leaf_index).execution_options(yield_per=5000)
    ):
        if leaf.leaf_index != expected:
            report.add(expected, f"entry {expected} is missing (next stored is {leaf.leaf_index})")
            break
        computed = leaf_hash(leaf.entry)
        if computed != leaf.leaf_hash:
            report.add(expected, f"entry {expected}: content does not match its leaf hash")
        try:
            content = json.loads(leaf.entry)
            canonical = not strict or canonical_json(content) == leaf.entry
        except ValueError:
            content, canonical = None, False
        if not canonical:
            report.add(expected, f"entry {expected}: not canonical JSON (RFC 8785)")
        if leaf.decision_id:
            decision_leaf[leaf.decision_id] = expected
            if isinstance(content, dict) and content.get("id") != leaf.decision_id:
                report.add(
                    expected,
                    f"entry {expected}: records decision "
                    f"{content.get('id')}, indexed as {leaf.decision_id}",
                )
        tree.append_leaf_hash(computed)
        expected += 1
        if progress and expected % 10_000 == 0:
            progress(expected)
    report.entries_checked = expected
    return decision_leaf


def _check_head(session: Session, tenant_id: str, report: AuditReport, tree: MerkleLog) -> None:
    """The log head: its size and root against the entries as stored."""
    head = session.get(LedgerHead, tenant_id)
    report.size = head.size if head else 0
    stored = report.entries_checked
    if head is not None and head.size != stored and not report.findings:
        report.add(
            min(head.size, stored),
            f"log head says {head.size} entries, {stored} are stored (truncated?)",
        )
    if head is not None and not report.findings and head.root != tree.root():
        report.add(None, "log head root does not match the entries")


def _check_subtrees(
    session: Session, report: AuditReport, tree: MerkleLog
) -> list[tuple[int, int, str]]:
    """Stored subtree hashes: each must equal the recomputed one. A changed entry breaks
    every subtree above it, so only the lowest broken subtrees locate anything: they are
    returned (level, first entry, message) for ``_place_subtree_findings``."""
    broken: list[tuple[int, int, str]] = []
    for level, idx, value in session.execute(
        select(LedgerNode.level, LedgerNode.idx, LedgerNode.hash).execution_options(yield_per=20000)
    ):
        first, count = idx << level, 1 << level
        report.nodes_checked += 1
        span = f"entries {first}..{first + count - 1}"
        if first + count > tree.size:
            broken.append((level, first, f"stored hash for {span} covers missing entries"))
        elif tree.store.get(level, idx) != value:
            broken.append(
                (
                    level,
                    first,
                    f"stored hash for {span} does not match them (entries changed or reordered)",
                )
            )
    return broken


def _check_decisions(
    session: Session, report: AuditReport, tree: MerkleLog, decision_leaf: dict[str, int]
) -> None:
    """Decisions against their entries: content, and where their receipt put them."""
    for row in session.scalars(select(DecisionRow).execution_options(yield_per=5000)):
        decision = to_decision(row)
        index = decision_leaf.get(decision.id)
        if index is None:
            report.add(
                decision.receipt.leaf_index if decision.receipt else None,
                f"decision {decision.id} is not on the ledger",
            )
            continue
        if decision.receipt is not None and decision.receipt.leaf_index != index:
            report.add(
                min(index, decision.receipt.leaf_index),
                f"decision {decision.id} sits at entry {index} but its receipt says "
                f"entry {decision.receipt.leaf_index} (entries reordered)",
            )
        # The recomputed leaf hash of the entry vs the hash of the decision as stored now.
        if tree.store.get(0, index) != leaf_hash(canonical_json(decision.ledger_entry())):
            report.add(
                index,
                f"decision {decision.id} differs from its ledger entry "
                f"{index} (the decision record was changed)",
            )


def _check_checkpoints(
    session: Session, report: AuditReport, tree: MerkleLog, log_key: Verifier, origin: str
) -> None:
    """Checkpoints: signed by the log key, roots match, consecutive ones consistent."""
    previous: tuple[int, bytes] | None = None
    for cp in session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.size)):
        report.checkpoints_checked += 1
        try:
            checkpoint, _ = open_checkpoint(cp.note, log_key, origin)
        except NoteError as exc:
            report.add(None, f"checkpoint at size {cp.size}: {exc}")
            continue
        if checkpoint.size != cp.size:
            report.add(None, f"checkpoint stored at size {cp.size} signs size {checkpoint.size}")
            continue
        if checkpoint.size > tree.size:
            report.add(
                tree.size,
                f"checkpoint at size {checkpoint.size} covers entries "
                f"{tree.size}..{checkpoint.size - 1}, which are missing",
            )
            continue
        recomputed = tree.root(checkpoint.size) if checkpoint.size else EMPTY_ROOT
        if recomputed != checkpoint.root:
            report.add(
                None,
                f"checkpoint at size {checkpoint.size}: signed root does not "
                "match the stored entries",
            )
        if previous is not None and previous[0] >= 1:
            try:
                verify_consistency(
                    previous[0],
                    checkpoint.size,
                    previous[1],
                    checkpoint.root,
                    tree.consistency_proof(previous[0], checkpoint.size),
                )
            except (ProofError, ValueError) as exc:
                report.add(
                    None,
                    f"checkpoints {previous[0]} and {checkpoint.size} are not consistent: {exc}",
                )
        previous = (checkpoint.size, checkpoint.root)


def _place_subtree_findings(report: AuditReport, broken: list[tuple[int, int, str]]) -> None:
    """Subtree findings name an entry only when nothing more precise did (a forger who also
    rewrote leaf hashes and decisions): then the lowest broken subtree's first entry."""
    named = report.first_bad_entry is not None
    lowest = min((level for level, _, _ in broken), default=None)
    for level, first, message in sorted(broken):
        report.add(None if named or level != lowest else first, message)
