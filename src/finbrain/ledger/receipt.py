"""Receipts a customer can keep: the entry, its leaf index, a signed checkpoint and the
inclusion proof. Checking one needs only the log's public key, never the log's database."""

from __future__ import annotations

import base64
from typing import Any

from finbrain.core.canonical import canonical_json
from finbrain.core.decision import Receipt
from finbrain.ledger.hashing import leaf_hash
from finbrain.ledger.note import Checkpoint, Verifier, open_checkpoint
from finbrain.ledger.verify import ProofError, verify_inclusion


def encode_proof(proof: list[bytes]) -> list[str]:
    return [base64.b64encode(p).decode() for p in proof]


def decode_proof(proof: list[str]) -> list[bytes]:
    try:
        return [base64.b64decode(p, validate=True) for p in proof]
    except ValueError:
        raise ProofError("inclusion proof is not base64") from None


def entry_leaf_hash(entry: dict[str, Any] | bytes) -> bytes:
    return leaf_hash(entry if isinstance(entry, bytes) else canonical_json(entry))


def check_receipt(
    entry: dict[str, Any] | bytes, receipt: Receipt, log: Verifier, origin: str | None = None
) -> Checkpoint:
    """Raise if the receipt does not prove that ``entry`` is in the log; return its checkpoint."""
    checkpoint, _ = open_checkpoint(receipt.checkpoint, log, origin)
    verify_inclusion(
        receipt.leaf_index,
        checkpoint.size,
        entry_leaf_hash(entry),
        decode_proof(receipt.inclusion_proof),
        checkpoint.root,
    )
    return checkpoint
