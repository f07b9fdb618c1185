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


EXHAUSTIVE = 130


@pytest.fixture(scope="module")
def log130() -> tuple[MerkleLog, list[bytes]]:
    return build(EXHAUSTIVE)


def test_every_consistency_proof_between_sizes_up_to_130_verifies(
    log130: tuple[MerkleLog, list[bytes]],
) -> None:
    """All 8,515 pairs 1 <= m <= n <= 130, not a sample: a verifier that walks one level too far
    (``sn >>= 2``) refuses only some pairs (13 -> 14 among them), which 60 random ones miss."""
    log, _ = log130
    roots = [log.root(size) for size in range(EXHAUSTIVE + 1)]
    checked = 0
    for n in range(1, EXHAUSTIVE + 1):
        for m in range(1, n + 1):
            proof = log.consistency_proof(m, n)
            verify_consistency(m, n, roots[m], roots[n], proof)
            if m < n:
                # The proof is bound to its sizes: read for the next old size it fails.
                with pytest.raises(ProofError):
                    verify_consistency(m + 1, n, roots[m + 1], roots[n], proof)
            checked += 1
    assert checked == EXHAUSTIVE * (EXHAUSTIVE + 1) // 2


def test_every_inclusion_proof_in_trees_up_to_130_verifies(
    log130: tuple[MerkleLog, list[bytes]],
) -> None:
    log, leaves = log130
    hashes = [leaf_hash(leaf) for leaf in leaves]
    for size in range(1, EXHAUSTIVE + 1):
        root = log.root(size)
        for index in range(size):
            verify_inclusion(index, size, hashes[index], log.inclusion_proof(index, size), root)


# --------------------------------------------------------------------------------------------
# Each refusal, with the reason it gives.


def test_inclusion_refusals_say_what_did_not_hold(log130: tuple[MerkleLog, list[bytes]]) -> None:
    log, leaves = log130
    leaf, root, proof = leaf_hash(leaves[5]), log.root(13), log.inclusion_proof(5, 13)
    verify_inclusion(5, 13, leaf, proof, root)
    cases: list[tuple[str, tuple[int, int, bytes, list[bytes], bytes]]] = [
        ("leaf index 13 is outside a tree of size 13", (13, 13, leaf, proof, root)),
        ("leaf index -1 is outside a tree of size 13", (-1, 13, leaf, proof, root)),
        ("leaf index 0 is outside a tree of size 0", (0, 0, leaf, [], EMPTY_ROOT)),
        ("hash of 31 bytes, expected 32", (5, 13, leaf[:31], proof, root)),
        ("hash of 33 bytes, expected 32", (5, 13, leaf, [*proof[:-1], proof[-1] + b"!"], root)),
        ("hash of 31 bytes, expected 32", (5, 13, leaf, proof, root[:31])),
        ("inclusion proof is too long", (5, 13, leaf, [*proof, root], root)),
        ("inclusion proof is too short", (5, 13, leaf, proof[:-1], root)),
        (
            "leaf 5 is not included in the tree of size 13 with this root",
            (5, 13, leaf_hash(leaves[6]), proof, root),
        ),
    ]
    for message, args in cases:
        with pytest.raises(ProofError) as info:
            verify_inclusion(*args)
        assert str(info.value) == message
    # A one-leaf tree: the leaf is the root, the proof is empty, and a leaf of the wrong size
    # is named as such rather than as a mismatch.
    verify_inclusion(0, 1, leaf_hash(leaves[0]), [], log.root(1))
    with pytest.raises(ProofError, match=r"^hash of 31 bytes, expected 32$"):
        verify_inclusion(0, 1, log.root(1)[:31], [], log.root(1))
    with pytest.raises(ProofError, match=r"^inclusion proof is too long$"):
        verify_inclusion(0, 1, leaf_hash(leaves[0]), [root], log.root(1))


def test_consistency_refusals_say_what_did_not_hold(
    log130: tuple[MerkleLog, list[bytes]],
) -> None:
    log, _ = log130
    old, new, proof = log.root(13), log.root(14), log.consistency_proof(13, 14)
    r8, p8 = log.root(8), log.consistency_proof(8, 14)
    r21, p21 = log.root(21), log.consistency_proof(13, 21)
    cases: list[tuple[str, tuple[int, int, bytes, bytes, list[bytes]]]] = [
        ("sizes out of order: 14 > 13", (14, 13, new, old, proof)),
        ("sizes out of order: -1 > 14", (-1, 14, old, new, proof)),
        ("consistency from the empty tree proves nothing", (0, 14, EMPTY_ROOT, new, [])),
        ("consistency from the empty tree proves nothing", (0, 0, EMPTY_ROOT, EMPTY_ROOT, [])),
        ("proof between equal sizes must be empty", (14, 14, new, new, proof)),
        ("different roots for the same size: the log forked", (14, 14, old, new, [])),
        ("hash of 31 bytes, expected 32", (13, 14, old[:31], new, proof)),
        ("hash of 31 bytes, expected 32", (13, 14, old, new[:31], proof)),
        ("hash of 31 bytes, expected 32", (13, 14, old, new, [proof[0][:31], *proof[1:]])),
        ("consistency proof is empty", (13, 14, old, new, [])),
        ("consistency proof is too long", (13, 14, old, new, [*proof, old])),
        ("consistency proof is too long", (8, 14, r8, new, [*p8, old])),
        ("consistency proof is too short", (13, 21, old, r21, p21[:-1])),
        ("consistency proof is too short", (8, 21, r8, r21, log.consistency_proof(8, 21)[:-1])),
        (
            "proof does not match the root of the old tree (size 13)",
            (13, 14, log.root(12), new, proof),
        ),
        (
            "proof does not match the root of the new tree (size 14)",
            (13, 14, old, log.root(15), proof),
        ),
        (
            "proof does not match the root of the new tree (size 14)",
            (8, 14, r8, log.root(15), p8),
        ),
    ]
    for message, args in cases:
        with pytest.raises(ProofError) as info:
            verify_consistency(*args)
        assert str(info.value) == message, args[:2]
    verify_consistency(14, 14, new, new, [])
    verify_consistency(8, 14, r8, new, p8)
