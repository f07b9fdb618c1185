"""Every transparency-dev/merkle test vector: happy paths verify, every tampered variant fails.

The vectors' trees are built from the eight RFC 6962 test leaves, so our *generated* proofs and
roots are also checked against the happy paths byte for byte.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from finbrain.datasets import load_merkle_vectors
from finbrain.ledger.subtree import verify_subtree_consistency, verify_subtree_inclusion
from finbrain.ledger.tree import MerkleLog
from finbrain.ledger.verify import ProofError, verify_consistency, verify_inclusion

RFC6962_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]


def _b(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _proof(vector: dict[str, Any]) -> list[bytes]:
    return [_b(p) for p in vector.get("proof") or []]


def _vectors(kind: str) -> list[dict[str, Any]]:
    try:
        found = [v for v in load_merkle_vectors() if v["kind"] == kind]
    except Exception as exc:  # the data folder is checked by tests/datasets
        pytest.skip(f"vectors unavailable: {exc}", allow_module_level=True)
    assert found
    return found


def _ids(vectors: list[dict[str, Any]]) -> list[str]:
    return [v["file"] for v in vectors]


INCLUSION = _vectors("inclusion")
CONSISTENCY = _vectors("consistency")


@pytest.mark.parametrize("vector", INCLUSION, ids=_ids(INCLUSION))
def test_inclusion_vector(vector: dict[str, Any]) -> None:
    args = (
        vector["leafIdx"],
        vector["treeSize"],
        _b(vector["leafHash"]),
        _proof(vector),
        _b(vector["root"]),
    )
    if vector["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("vector", CONSISTENCY, ids=_ids(CONSISTENCY))
def test_consistency_vector(vector: dict[str, Any]) -> None:
    args = (
        vector["size1"],
        vector["size2"],
        _b(vector["root1"]),
        _b(vector["root2"]),
        _proof(vector),
    )
    if vector["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def test_generated_proofs_equal_the_happy_paths() -> None:
    log = MerkleLog()
    log.extend(RFC6962_LEAVES)
    checked = 0
    for v in INCLUSION:
        if v["wantErr"] or v["treeSize"] > log.size or "happy" not in v["file"]:
            continue
        assert log.root(v["treeSize"]) == _b(v["root"])
        assert log.inclusion_proof(v["leafIdx"], v["treeSize"]) == _proof(v)
        checked += 1
    for v in CONSISTENCY:
        if v["wantErr"] or v["size2"] > log.size or "happy" not in v["file"]:
            continue
        assert log.root(v["size1"]) == _b(v["root1"])
        assert log.consistency_proof(v["size1"], v["size2"]) == _proof(v)
        checked += 1
    assert checked >= 4


SUBTREE_INCLUSION = _vectors("subtreeinclusion")
SUBTREE_CONSISTENCY = _vectors("subtreeconsistency")


@pytest.mark.parametrize("vector", SUBTREE_INCLUSION, ids=_ids(SUBTREE_INCLUSION))
def test_subtree_inclusion_vector(vector: dict[str, Any]) -> None:
    args = (
        vector["leafIdx"],
        vector["start"],
        vector["end"],
        _b(vector["leafHash"]),
        _proof(vector),
        _b(vector["root"]),
    )
    if vector["wantErr"]:
        with pytest.raises(ProofError):
            verify_subtree_inclusion(*args)
    else:
        verify_subtree_inclusion(*args)


@pytest.mark.parametrize("vector", SUBTREE_CONSISTENCY, ids=_ids(SUBTREE_CONSISTENCY))
def test_subtree_consistency_vector(vector: dict[str, Any]) -> None:
    args = (
        vector["start"],
        vector["end"],
        vector["size"],
        _b(vector["root1"]),
        _b(vector["root2"]),
        _proof(vector),
    )
    if vector["wantErr"]:
        with pytest.raises(ProofError):
            verify_subtree_consistency(*args)
    else:
        verify_subtree_consistency(*args)


def test_generated_subtree_proofs_verify() -> None:
    log = MerkleLog()
    log.extend([bytes([i % 256, i // 256]) for i in range(40)])
    checked = 0
    for size in range(1, 41):
        for start in range(size):
            for end in range(start + 1, size + 1):
                if start % (1 << max(0, (end - start - 1).bit_length())):
                    continue
                proof = log.subtree_consistency_proof(start, end, size)
                verify_subtree_consistency(
                    start, end, size, log.subtree_hash(start, end), log.root(size), proof
                )
                checked += 1
    assert checked > 500


def test_generated_subtree_proofs_equal_the_happy_paths() -> None:
    log = MerkleLog()
    log.extend(RFC6962_LEAVES)
    checked = 0
    for v in SUBTREE_CONSISTENCY:
        if (
            v["wantErr"]
            or "happy" not in v["file"]
            or v["size"] > log.size
            or v["end"] <= v["start"]
        ):
            continue
        assert log.subtree_hash(v["start"], v["end"]) == _b(v["root1"])
        assert log.subtree_consistency_proof(v["start"], v["end"], v["size"]) == _proof(v)
        checked += 1
    assert checked >= 1
