"""An append-only Merkle log whose proofs come from stored subtree hashes.

Every *perfect* subtree (2^level leaves starting at a multiple of 2^level) is hashed once, when
its last leaf arrives, and kept in a ``HashStore``. The root of any tree size and every proof
node is then a combination of O(log n) stored hashes: no proof ever recomputes the tree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from finbrain.ledger.hashing import EMPTY_ROOT, largest_power_of_two_below, leaf_hash, node_hash


class HashStore(Protocol):
    """Where perfect-subtree hashes live: memory here, the platform database in production."""

    def get(self, level: int, index: int) -> bytes: ...

    def put(self, level: int, index: int, value: bytes) -> None: ...


class MemoryHashStore:
    def __init__(self) -> None:
        self._levels: list[list[bytes]] = []

    def get(self, level: int, index: int) -> bytes:
        return self._levels[level][index]

    def put(self, level: int, index: int, value: bytes) -> None:
        while len(self._levels) <= level:
            self._levels.append([])
        row = self._levels[level]
        if index == len(row):
            row.append(value)
        elif index < len(row):
            row[index] = value
        else:
            raise IndexError(f"hash store: level {level} index {index} skips ahead")


def new_perfect_nodes(index: int, leaf: bytes, get: HashStore) -> list[tuple[int, int, bytes]]:
    """The perfect subtrees completed by appending leaf ``index``: (level, index, hash)."""
    out = [(0, index, leaf)]
    current, level, i = leaf, 0, index
    while i & 1:  # a right child completes its parent
        current = node_hash(get.get(level, i - 1), current)
        level, i = level + 1, i >> 1
        out.append((level, i, current))
    return out


class MerkleLog:
    """An RFC 9162 log over a ``HashStore``: append, roots, inclusion and consistency proofs."""

    def __init__(self, store: HashStore | None = None, size: int = 0) -> None:
        self.store: HashStore = store or MemoryHashStore()
        self.size = size

    def append_leaf_hash(self, leaf: bytes) -> int:
        index = self.size
        for level, i, value in new_perfect_nodes(index, leaf, self.store):
            self.store.put(level, i, value)
        self.size += 1
        return index

    def append(self, entry: bytes) -> int:
        return self.append_leaf_hash(leaf_hash(entry))

    def extend(self, entries: Iterable[bytes]) -> None:
        for entry in entries:
            self.append(entry)

    # -- hashes of ranges -------------------------------------------------------------------
    def subtree_hash(self, start: int, end: int) -> bytes:
        """MTH of leaves [start, end); ``start`` is aligned as in RFC 9162's recursion."""
        n = end - start
        if n <= 0:
            raise ValueError("empty range")
        if n & (n - 1) == 0 and start % n == 0:
            level = n.bit_length() - 1
            return self.store.get(level, start >> level)
        k = largest_power_of_two_below(n)
        return node_hash(self.subtree_hash(start, start + k), self.subtree_hash(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        self._check_size(size)
        return EMPTY_ROOT if size == 0 else self.subtree_hash(0, size)

    # -- proofs (RFC 9162 §2.1.3.1 PATH and §2.1.4.1 SUBPROOF) ------------------------------
    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        size = self.size if size is None else size
        self._check_size(size)
        if not 0 <= index < size:
            raise ValueError(f"leaf index {index} is outside a tree of size {size}")
        proof: list[bytes] = []
        start, end, m = 0, size, index
        # Walk from the root down to the leaf, collecting the sibling subtree at each split.
        while end - start > 1:
            k = largest_power_of_two_below(end - start)
            if m < k:
                proof.append(self.subtree_hash(start + k, end))
                end = start + k
            else:
                proof.append(self.subtree_hash(start, start + k))
                start, m = start + k, m - k
        proof.reverse()
        return proof

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        new_size = self.size if new_size is None else new_size
        self._check_size(new_size)
        if not 1 <= old_size <= new_size:
            raise ValueError(f"old size {old_size} must be between 1 and {new_size}")
        if old_size == new_size:
            return []
        proof: list[bytes] = []
        start, end, m, complete = 0, new_size, old_size, True
        while True:
            n = end - start
            if m == n:
                if not complete:
                    proof.append(self.subtree_hash(start, end))
                break
            k = largest_power_of_two_below(n)
            if m <= k:
                proof.append(self.subtree_hash(start + k, end))
                end = start + k
            else:
                proof.append(self.subtree_hash(start, start + k))
                start, m, complete = start + k, m - k, False
        proof.reverse()
        return proof

    def subtree_consistency_proof(
        self, start: int, end: int, size: int | None = None
    ) -> list[bytes]:
        """Proof that MTH(D[start:end]) belongs to the tree of ``size`` leaves (deepest first)."""
        size = self.size if size is None else size
        self._check_size(size)
        proof: list[bytes] = []

        def prefix(lo: int, hi: int, known: bool) -> None:
            if end == hi:
                if not known:
                    proof.append(self.subtree_hash(lo, hi))
                return
            k = largest_power_of_two_below(hi - lo)
            if end - lo <= k:
                prefix(lo, lo + k, known)
                proof.append(self.subtree_hash(lo + k, hi))
            else:
                prefix(lo + k, hi, False)
                proof.append(self.subtree_hash(lo, lo + k))

        def inside(lo: int, hi: int) -> None:
            if lo == start:
                prefix(lo, hi, True)
                return
            k = largest_power_of_two_below(hi - lo)
            if end <= lo + k:
                inside(lo, lo + k)
                proof.append(self.subtree_hash(lo + k, hi))
            else:
                inside(lo + k, hi)
                proof.append(self.subtree_hash(lo, lo + k))

        if not 0 <= start < end <= size:
            raise ValueError(f"subtree [{start}, {end}) is outside a tree of size {size}")
        inside(0, size)
        return proof

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= self.size:
            raise ValueError(f"tree size {size} is outside 0..{self.size}")
