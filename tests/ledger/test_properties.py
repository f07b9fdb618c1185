"""Hypothesis properties: for random m <= n, every generated proof verifies, and any single-bit
change in a proof node, a root or a leaf is rejected."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finbrain.ledger.hashing import EMPTY_ROOT, leaf_hash, node_hash
from finbrain.ledger.tree import MerkleLog
from finbrain.ledger.verify import ProofError, verify_consistency, verify_inclusion


def reference_root(leaves: list[bytes]) -> bytes:
    """RFC 9162 MTH written straight from the definition, to check the stored-subtree version."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def flip(value: bytes, bit: int) -> bytes:
    b = bytearray(value)
    b[(bit // 8) % len(b)] ^= 1 << (bit % 8)
    return bytes(b)


def build(n: int) -> tuple[MerkleLog, list[bytes]]:
    leaves = [hashlib.sha256(i.to_bytes(8, "big")).digest()[: i % 7] for i in range(n)]
    log = MerkleLog()
    log.extend(leaves)
    return log, leaves


@given(st.integers(min_value=0, max_value=70))
def test_roots_match_the_definition(n: int) -> None:
    log, leaves = build(n)
    for size in range(n + 1):
        assert log.root(size) == reference_root(leaves[:size])


@settings(max_examples=60)
@given(st.data())
def test_inclusion_proofs_verify_and_tampering_fails(data: st.DataObject) -> None:
    n = data.draw(st.integers(min_value=1, max_value=300))
    log, leaves = build(n)
    size = data.draw(st.integers(min_value=1, max_value=n))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    root, proof, leaf = log.root(size), log.inclusion_proof(index, size), leaf_hash(leaves[index])
    verify_inclusion(index, size, leaf, proof, root)
    bit = data.draw(st.integers(min_value=0, max_value=255))
    with pytest.raises(ProofError):
        verify_inclusion(index, size, flip(leaf, bit), proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(index, size, leaf, proof, flip(root, bit))
    if proof:
        at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        bad = [*proof[:at], flip(proof[at], bit), *proof[at + 1 :]]
        with pytest.raises(ProofError):
            verify_inclusion(index, size, leaf, bad, root)
        with pytest.raises(ProofError):
            verify_inclusion(index, size, leaf, proof[:-1], root)
    with pytest.raises(ProofError):
        verify_inclusion(index, size, leaf, [*proof, root], root)


def test_every_leaf_of_every_small_tree() -> None:
    log, leaves = build(33)
    for size in range(1, 34):
        root = log.root(size)
        for index in range(size):
            verify_inclusion(
                index, size, leaf_hash(leaves[index]), log.inclusion_proof(index, size), root
            )


@settings(max_examples=60)
@given(st.data())
def test_consistency_proofs_verify_and_tampering_fails(data: st.DataObject) -> None:
    n = data.draw(st.integers(min_value=1, max_value=300))
    log, _ = build(n)
    m = data.draw(st.integers(min_value=1, max_value=n))
    old, new, proof = log.root(m), log.root(n), log.consistency_proof(m, n)
    verify_consistency(m, n, old, new, proof)
    bit = data.draw(st.integers(min_value=0, max_value=255))
    if m < n:
        with pytest.raises(ProofError):
            verify_consistency(m, n, flip(old, bit), new, proof)
        with pytest.raises(ProofError):
            verify_consistency(m, n, old, flip(new, bit), proof)
        at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        bad = [*proof[:at], flip(proof[at], bit), *proof[at + 1 :]]
        with pytest.raises(ProofError):
            verify_consistency(m, n, old, new, bad)


def test_a_forked_log_is_not_consistent() -> None:
    honest, leaves = build(20)
    forked = MerkleLog()
    forked.extend([*leaves[:9], b"rewritten", *leaves[10:]])
    for m in range(10, 21):  # any old view that includes the rewritten entry
        with pytest.raises(ProofError):
            verify_consistency(
                m, 20, honest.root(m), forked.root(20), forked.consistency_proof(m, 20)
            )


def test_bad_sizes_are_refused() -> None:
    log, _ = build(5)
    with pytest.raises(ValueError):
        log.inclusion_proof(5, 5)
    with pytest.raises(ValueError):
        log.root(6)
    with pytest.raises(ValueError):
        log.consistency_proof(4, 3)
