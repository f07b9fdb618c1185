"""Subtree proofs refuse what is not a subtree, and every proof that does not fit.

The vectors (test_vectors.py) and the generated proofs cover the happy paths; here each check
that refuses a bad subtree or a bad proof is exercised on its own, with the reason it gives.
"""

from __future__ import annotations

import hashlib

import pytest

from finbrain.ledger.hashing import EMPTY_ROOT, leaf_hash
from finbrain.ledger.subtree import (
    bit_ceil,
    check_subtree,
    verify_subtree_consistency,
    verify_subtree_inclusion,
)
from finbrain.ledger.tree import MerkleLog
from finbrain.ledger.verify import ProofError

LEAVES = [hashlib.sha256(i.to_bytes(4, "big")).digest()[: 1 + i % 5] for i in range(21)]


@pytest.fixture(scope="module")
def log() -> MerkleLog:
    tree = MerkleLog()
    tree.extend(LEAVES)
    return tree


def test_bit_ceil() -> None:
    assert [bit_ceil(n) for n in range(10)] == [1, 1, 2, 4, 4, 8, 8, 8, 8, 16]
    assert bit_ceil(1 << 40) == 1 << 40
    assert bit_ceil((1 << 40) + 1) == 1 << 41


@pytest.mark.parametrize(
    ("start", "end"),
    [(0, 1), (0, 5), (3, 4), (2, 4), (4, 7), (8, 12), (8, 11), (16, 21), (0, 21), (6, 8)],
)
def test_aligned_subtrees_are_accepted(start: int, end: int) -> None:
    check_subtree(start, end)


@pytest.mark.parametrize(
    ("start", "end", "reason"),
    [
        (3, 3, "empty or reversed"),
        (0, 0, "empty or reversed"),
        (4, 2, "empty or reversed"),
        (-1, 1, "empty or reversed"),
        (-2, 0, "empty or reversed"),
        (1, 3, "not aligned"),  # two leaves must start at an even index
        (2, 5, "not aligned"),  # three leaves sit in a block of four
        (4, 9, "not aligned"),  # five leaves sit in a block of eight
        (3, 5, "not aligned"),
        (8, 17, "not aligned"),
    ],
)
def test_bad_subtrees_are_refused(start: int, end: int, reason: str) -> None:
    with pytest.raises(ProofError, match=rf"^subtree \[{start}, {end}\) is {reason}$"):
        check_subtree(start, end)


def _subtree_inclusion(start: int, end: int, index: int) -> tuple[list[bytes], bytes]:
    """Inclusion proof of ``index`` in [start, end) and the subtree's hash."""
    sub = MerkleLog()
    sub.extend(LEAVES[start:end])
    return sub.inclusion_proof(index - start), sub.root()


def test_subtree_inclusion_verifies_every_leaf_and_nothing_else(log: MerkleLog) -> None:
    for start, end in [(8, 12), (16, 21), (0, 8), (4, 7), (20, 21)]:
        for index in range(start, end):
            proof, root = _subtree_inclusion(start, end, index)
            assert root == log.subtree_hash(start, end)
            verify_subtree_inclusion(index, start, end, leaf_hash(LEAVES[index]), proof, root)
            # The same proof read for the neighbouring leaf, or for another leaf's hash, fails.
            other = start + (index - start + 1) % (end - start)
            if other != index:
                with pytest.raises(ProofError):
                    verify_subtree_inclusion(
                        index, start, end, leaf_hash(LEAVES[other]), proof, root
                    )
                with pytest.raises(ProofError):
                    verify_subtree_inclusion(
                        other, start, end, leaf_hash(LEAVES[index]), proof, root
                    )


@pytest.mark.parametrize("index", [7, 12, 13, -1, 100])
def test_subtree_inclusion_refuses_a_leaf_outside_the_subtree(index: int) -> None:
    proof, root = _subtree_inclusion(8, 12, 8)
    with pytest.raises(ProofError, match=rf"^leaf {index} is outside subtree \[8, 12\)$"):
        verify_subtree_inclusion(index, 8, 12, leaf_hash(LEAVES[8]), proof, root)


@pytest.mark.parametrize(
    ("start", "end", "reason"),
    [(9, 9, "empty or reversed"), (12, 8, "empty or reversed"), (9, 11, "not aligned")],
)
def test_subtree_inclusion_refuses_a_bad_subtree(start: int, end: int, reason: str) -> None:
    # A proof that would verify for the leaf's position inside [8, 12) does not make a bad
    # subtree acceptable.
    proof, root = _subtree_inclusion(8, 12, 9)
    with pytest.raises(ProofError, match=rf"^subtree \[{start}, {end}\) is {reason}$"):
        verify_subtree_inclusion(9, start, end, leaf_hash(LEAVES[9]), proof, root)


# (start, end, size, what a wrong subtree hash breaks): where the subtree is a perfect block or
# ends the tree its hash enters the root directly; otherwise the proof rebuilds it first.
CONSISTENT = [
    (8, 12, 21, "tree root"),
    (16, 21, 21, "tree root"),
    (4, 6, 6, "tree root"),
    (20, 21, 21, "tree root"),
    (0, 5, 9, "subtree hash"),
    (8, 11, 16, "subtree hash"),
]


def test_subtree_consistency_verifies_and_refuses_tampering(log: MerkleLog) -> None:
    for start, end, size, broken in CONSISTENT:
        proof = log.subtree_consistency_proof(start, end, size)
        sub, root = log.subtree_hash(start, end), log.root(size)
        verify_subtree_consistency(start, end, size, sub, root, proof)
        with pytest.raises(ProofError, match=f"^proof does not match the {broken}$"):
            verify_subtree_consistency(start, end, size, log.root(size), root, proof)
        with pytest.raises(ProofError, match=r"^proof does not match the tree root$"):
            verify_subtree_consistency(start, end, size, sub, log.root(size - 1), proof)
        if proof:
            with pytest.raises(ProofError, match=r"^subtree consistency proof is too short$"):
                verify_subtree_consistency(start, end, size, sub, root, proof[:-1])
        with pytest.raises(ProofError, match=r"^subtree consistency proof is too long$"):
            verify_subtree_consistency(start, end, size, sub, root, [*proof, sub])
        with pytest.raises(ProofError, match=r"^proof hash of the wrong size$"):
            verify_subtree_consistency(start, end, size, sub, root, [*proof, sub[:31]])


def test_subtree_consistency_refuses_a_bad_subtree(log: MerkleLog) -> None:
    proof = log.subtree_consistency_proof(8, 12, 21)
    sub, root = log.subtree_hash(8, 12), log.root(21)
    for start, end, reason in [
        (9, 12, "not aligned"),
        (12, 8, "empty or reversed"),
        (-1, 3, "empty or reversed"),
        (22, 22, "empty or reversed"),  # an empty subtree past the end of the tree
        (-1, -1, "empty or reversed"),
    ]:
        with pytest.raises(ProofError, match=rf"^subtree \[{start}, {end}\) is {reason}$"):
            verify_subtree_consistency(start, end, 21, sub, root, proof)
    with pytest.raises(ProofError, match=r"^subtree \[16, 24\) is beyond a tree of size 21$"):
        verify_subtree_consistency(16, 24, 21, sub, root, proof)
    with pytest.raises(ProofError, match=r"^subtree \[16, 21\) is beyond a tree of size 20$"):
        verify_subtree_consistency(16, 21, 20, log.subtree_hash(16, 21), log.root(20), [])


@pytest.mark.parametrize("start", [0, 5, 21])
def test_the_empty_subtree_has_the_empty_hash_and_an_empty_proof(
    log: MerkleLog, start: int
) -> None:
    root = log.root(21)
    verify_subtree_consistency(start, start, 21, EMPTY_ROOT, root, [])
    with pytest.raises(
        ProofError, match=r"^an empty subtree has the empty hash and an empty proof$"
    ):
        verify_subtree_consistency(start, start, 21, leaf_hash(LEAVES[0]), root, [])
    with pytest.raises(
        ProofError, match=r"^an empty subtree has the empty hash and an empty proof$"
    ):
        verify_subtree_consistency(start, start, 21, EMPTY_ROOT, root, [EMPTY_ROOT])
