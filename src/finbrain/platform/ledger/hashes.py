"""The tenant's Merkle tree in the database: the perfect subtrees along its right edge
(``frontier``), and a node store that reads them in one query per proof (``DatabaseHashStore``)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from finbrain.ledger.hashing import HASH_SIZE
from finbrain.ledger.tree import MerkleLog


class LedgerIntegrityError(RuntimeError):
    """The stored log is missing a hash it must have: it was tampered with or truncated."""


def frontier(size: int) -> list[tuple[int, int]]:
    """The perfect subtrees along the right edge of a tree of ``size`` leaves (its root is
    their fold); appending needs exactly these."""
    out, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            out.append((level, start >> level))
            start += 1 << level
    return out


class _Recorder:
    """Runs a proof algorithm once to learn which stored hashes it will read."""

    def __init__(self) -> None:
        self.wanted: set[tuple[int, int]] = set()

    def get(self, level: int, index: int) -> bytes:
        self.wanted.add((level, index))
        return b"\x00" * HASH_SIZE

    def put(self, level: int, index: int, value: bytes) -> None:  # pragma: no cover
        raise AssertionError("read-only")


class DatabaseHashStore:
    """A tenant's stored subtree hashes: leaves from ``ledger_leaves``, the rest from
    ``ledger_nodes``; reads are batched, writes collected for one bulk insert."""

    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.cache: dict[tuple[int, int], bytes] = {}
        self.new_nodes: list[tuple[int, int, bytes]] = []

    def prefetch(self, coords: Iterable[tuple[int, int]]) -> None:
        """Load the given hashes in one round trip per 500. Proofs sit on the hot path, so the
        SQL is written here and sent as is: building it through the expression layer cost more
        than the database's own work. The tenant filter is explicit (and RLS on PostgreSQL)."""
        missing = [c for c in coords if c not in self.cache]
        if not missing:
            return
        mark = "%s" if self.session.get_bind().dialect.paramstyle in ("format", "pyformat") else "?"
        by_level: dict[int, list[int]] = {}
        for level, index in missing:
            by_level.setdefault(level, []).append(index)
        branches: list[str] = []
        params: list[object] = []
        for level, indexes in by_level.items():
            for lo in range(0, len(indexes), 500):
                chunk = indexes[lo : lo + 500]
                marks = ", ".join([mark] * len(chunk))
                if level == 0:
                    branches.append(
                        f"SELECT 0, leaf_index, leaf_hash FROM ledger_leaves "  # noqa: S608
                        f"WHERE tenant_id = {mark} AND leaf_index IN ({marks})"
                    )
                    params += [self.tenant_id, *chunk]
                else:
                    branches.append(
                        f"SELECT level, idx, hash FROM ledger_nodes WHERE tenant_id = {mark} "  # noqa: S608
                        f"AND level = {mark} AND idx IN ({marks})"
                    )
                    params += [self.tenant_id, level, *chunk]
        connection = self.session.connection()
        # Each branch stays on its primary-key index (an OR or row-value IN would not).
        for level, index, value in connection.exec_driver_sql(
            " UNION ALL ".join(branches), tuple(params)
        ):
            self.cache[(int(level), int(index))] = bytes(value)

    def get(self, level: int, index: int) -> bytes:
        if (level, index) not in self.cache:
            self.prefetch([(level, index)])
        try:
            return self.cache[(level, index)]
        except KeyError:
            raise LedgerIntegrityError(
                f"stored hash missing: level {level}, index {index}"
            ) from None

    def put(self, level: int, index: int, value: bytes) -> None:
        self.cache[(level, index)] = value
        if level > 0:
            self.new_nodes.append((level, index, value))


class _MemoLog(MerkleLog):
    """A log whose partial-subtree hashes are kept: the proofs of a batch of new leaves share
    the right edge, which would otherwise be hashed again for every proof."""

    def __init__(self, store: DatabaseHashStore, size: int) -> None:
        super().__init__(store, size)
        self._memo: dict[tuple[int, int], bytes] = {}

    def subtree_hash(self, start: int, end: int) -> bytes:
        key = (start, end)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = super().subtree_hash(start, end)
        return found
