"""Subtree proofs (the Merkle Tree Certificates draft, as in transparency-dev/merkle).

A subtree ``[start, end)`` is valid when ``start < end`` and ``start`` is a multiple of the
smallest power of two >= ``end - start``: then ``MTH(D[start:end])`` is well defined inside every
tree that contains those leaves. An inclusion proof shows a leaf is in such a subtree; a
consistency proof shows the subtree's hash belongs to a tree of ``size`` leaves. Both walk the
same RFC 9162 split structure as ordinary proofs, deepest sibling first.
"""

from __future__ import annotations

from finbrain.ledger.hashing import (
    EMPTY_ROOT,
    HASH_SIZE,
    largest_power_of_two_below,
    node_hash,
)
from finbrain.ledger.verify import ProofError, verify_inclusion


def bit_ceil(n: int) -> int:
    return 1 if n <= 1 else 1 << (n - 1).bit_length()


def check_subtree(start: int, end: int) -> None:
    if not 0 <= start < end:
        raise ProofError(f"subtree [{start}, {end}) is empty or reversed")
    if start % bit_ceil(end - start):
        raise ProofError(f"subtree [{start}, {end}) is not aligned")


def verify_subtree_inclusion(
    index: int, start: int, end: int, leaf: bytes, proof: list[bytes], root: bytes
) -> None:
    check_subtree(start, end)
    if not start <= index < end:
        raise ProofError(f"leaf {index} is outside subtree [{start}, {end})")
    verify_inclusion(index - start, end - start, leaf, proof, root)


class _Proof:
    def __init__(self, nodes: list[bytes]) -> None:
        for node in nodes:
            if len(node) != HASH_SIZE:
                raise ProofError("proof hash of the wrong size")
        self.nodes = nodes
        self.used = 0

    def take(self) -> bytes:
        if self.used >= len(self.nodes):
            raise ProofError("subtree consistency proof is too short")
        self.used += 1
        return self.nodes[self.used - 1]


def verify_subtree_consistency(
    start: int, end: int, size: int, subtree_root: bytes, root: bytes, proof: list[bytes]
) -> None:
    """``subtree_root`` is MTH(D[start:end]) of the tree whose ``size``-leaf root is ``root``."""
    if start == end and 0 <= start <= size:
        # The empty subtree is part of every tree; all there is to check is that it is empty.
        if proof or subtree_root != EMPTY_ROOT:
            raise ProofError("an empty subtree has the empty hash and an empty proof")
        return
    check_subtree(start, end)
    if end > size:
        raise ProofError(f"subtree [{start}, {end}) is beyond a tree of size {size}")
    nodes = _Proof(list(proof))

    def prefix(lo: int, hi: int, known: bool) -> tuple[bytes, bytes]:
        """(hash of [lo, end), hash of [lo, hi)) where [lo, end) is a prefix of [lo, hi)."""
        if end == hi:
            h = subtree_root if known else nodes.take()
            return h, h
        k = largest_power_of_two_below(hi - lo)
        if end - lo <= k:
            old, new = prefix(lo, lo + k, known)
            return old, node_hash(new, nodes.take())
        old, new = prefix(lo + k, hi, False)
        left = nodes.take()
        return node_hash(left, old), node_hash(left, new)

    def inside(lo: int, hi: int) -> bytes:
        if lo == start:
            old, new = prefix(lo, hi, True)
            if old != subtree_root:
                raise ProofError("proof does not match the subtree hash")
            return new
        k = largest_power_of_two_below(hi - lo)
        if end <= lo + k:
            return node_hash(inside(lo, lo + k), nodes.take())
        if start >= lo + k:
            sub = inside(lo + k, hi)
            return node_hash(nodes.take(), sub)
        raise ProofError("subtree straddles a split: not a valid subtree")  # pragma: no cover

    computed = inside(0, size)
    if nodes.used != len(nodes.nodes):
        raise ProofError("subtree consistency proof is too long")
    if computed != root:
        raise ProofError("proof does not match the tree root")
