"""Verification of inclusion and consistency proofs (RFC 9162 §2.1.3.2 and §2.1.4.2).

These functions need nothing but hashes: a customer, an auditor or a witness runs them without
any access to the log's storage. Every failure raises ``ProofError`` saying what did not hold.
"""

from __future__ import annotations

import hmac

from finbrain.ledger.hashing import HASH_SIZE, node_hash


class ProofError(ValueError):
    """A proof, root or leaf that does not verify."""


def _check_hashes(*values: bytes) -> None:
    for value in values:
        if len(value) != HASH_SIZE:
            raise ProofError(f"hash of {len(value)} bytes, expected {HASH_SIZE}")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: list[bytes]) -> bytes:
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    _check_hashes(leaf, *proof)
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> None:
    _check_hashes(root)
    computed = root_from_inclusion_proof(index, size, leaf, proof)
    if not hmac.compare_digest(computed, root):
        raise ProofError(f"leaf {index} is not included in the tree of size {size} with this root")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: list[bytes]
) -> None:
    """The tree of ``new_size`` leaves extends the tree of ``old_size`` leaves unchanged."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"sizes out of order: {old_size} > {new_size}")
    if old_size == 0:
        # Everything extends the empty tree: such a "proof" proves nothing, so it is refused
        # rather than accepted (the transparency-dev vectors expect the same).
        raise ProofError("consistency from the empty tree proves nothing")
    if old_size == new_size:  # nothing to prove but equality (of whatever the caller holds)
        if proof:
            raise ProofError("proof between equal sizes must be empty")
        if not hmac.compare_digest(old_root, new_root):
            raise ProofError("different roots for the same size: the log forked")
        return
    _check_hashes(old_root, new_root, *proof)
    if not proof:
        raise ProofError("consistency proof is empty")
    nodes = list(proof)
    if old_size & (old_size - 1) == 0:  # the old tree is a perfect subtree: its root is implied
        nodes.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if not hmac.compare_digest(fr, old_root):
        raise ProofError(f"proof does not match the root of the old tree (size {old_size})")
    if not hmac.compare_digest(sr, new_root):
        raise ProofError(f"proof does not match the root of the new tree (size {new_size})")
