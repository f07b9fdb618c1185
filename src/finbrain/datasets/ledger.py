"""Verifiable-ledger data: Merkle-tree proof test vectors (RFC 6962 / RFC 9162)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from finbrain.datasets._frames import read_verified_json
from finbrain.datasets.files import expand

__all__ = ["MERKLE_KINDS", "load_merkle_vectors"]

_BASE = "ledger/transparency-dev"
MERKLE_KINDS = ("inclusion", "consistency", "subtreeinclusion", "subtreeconsistency")


def load_merkle_vectors() -> list[dict[str, Any]]:
    """518 test vectors from transparency-dev/merkle: proofs that must verify, and tampered ones.

    Each item is the vector's JSON object as published, with two keys added: ``kind`` (one of
    :data:`MERKLE_KINDS`: inclusion, consistency, subtree inclusion or subtree consistency) and
    ``file`` (its path under ``transparency-dev/``, e.g. ``inclusion/0/happy-path.json``).
    Hashes stay base64 strings; ``proof`` may be ``null``. ``wantErr`` is True when a correct
    verifier must reject the proof (wrong leaf, flipped bit, garbage, bad sizes...).
    Items are sorted by ``file``.
    """
    vectors: list[dict[str, Any]] = []
    for relpath in expand(f"{_BASE}/*.json"):
        inner = PurePosixPath(relpath).relative_to(_BASE)
        vector = dict(read_verified_json(relpath))
        vector["kind"] = inner.parts[0]
        vector["file"] = inner.as_posix()
        vectors.append(vector)
    return vectors
