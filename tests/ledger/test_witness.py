from __future__ import annotations

from pathlib import Path

import pytest

from finbrain.ledger.note import Checkpoint, Note, Signer
from finbrain.ledger.tree import MerkleLog
from finbrain.ledger.witness import (
    ForkDetectedError,
    StaleSizeError,
    Witness,
    WitnessError,
    WitnessState,
)

ORIGIN = "finbrain.test/ledger/T1"


def signed(log: MerkleLog, key: Signer, size: int | None = None) -> str:
    size = log.size if size is None else size
    return key.sign_note(Checkpoint(ORIGIN, size, log.root(size)).text())


def make(tmp_path: Path) -> tuple[MerkleLog, Signer, Witness, Signer]:
    log_key, witness_key = Signer.generate(ORIGIN), Signer.generate("regulator.example")
    witness = Witness(
        witness_key, {ORIGIN: log_key.verifier()}, WitnessState(tmp_path / "state.json")
    )
    return MerkleLog(), log_key, witness, witness_key


def test_cosigns_consistent_growth_and_survives_restart(tmp_path: Path) -> None:
    log, key, witness, wkey = make(tmp_path)
    log.extend([b"a", b"b", b"c"])
    line = witness.add_checkpoint(signed(log, key), 0, [])  # trust on first use
    note = Note.parse(signed(log, key)).with_signature(line)
    assert set(note.cosignatures([wkey.verifier()])) == {"regulator.example"}
    log.extend([b"d", b"e"])
    witness.add_checkpoint(signed(log, key), 3, log.consistency_proof(3))
    # A restarted witness remembers what it co-signed.
    again = Witness(wkey, {ORIGIN: key.verifier()}, WitnessState(tmp_path / "state.json"))
    with pytest.raises(StaleSizeError) as info:
        again.add_checkpoint(signed(log, key), 3, [])
    assert info.value.size == 5


def test_refuses_and_reports_a_fork(tmp_path: Path) -> None:
    log, key, witness, _ = make(tmp_path)
    log.extend([b"a", b"b", b"c", b"d"])
    first = signed(log, key)
    witness.add_checkpoint(first, 0, [])
    forked = MerkleLog()
    forked.extend([b"a", b"B", b"c", b"d", b"e"])  # entry 1 rewritten, then grown
    note = signed(forked, key)
    with pytest.raises(ForkDetectedError) as info:
        witness.add_checkpoint(note, 4, forked.consistency_proof(4))
    assert info.value.evidence.cosigned_note == first
    assert info.value.evidence.conflicting_note == note
    # Same size, different root: a fork too.
    other = MerkleLog()
    other.extend([b"x", b"b", b"c", b"d"])
    with pytest.raises(ForkDetectedError):
        witness.add_checkpoint(signed(other, key), 4, [])


def test_refuses_unsigned_unknown_or_shrinking(tmp_path: Path) -> None:
    log, key, witness, _ = make(tmp_path)
    log.extend([b"a", b"b"])
    with pytest.raises(WitnessError):
        witness.add_checkpoint(signed(log, Signer.generate(ORIGIN)), 0, [])  # wrong log key
    witness.add_checkpoint(signed(log, key), 0, [])
    with pytest.raises(WitnessError):
        witness.add_checkpoint(signed(log, key, 1), 2, [])
    stranger = Signer.generate("other.log")
    with pytest.raises(WitnessError, match="unknown log"):
        witness.add_checkpoint(
            stranger.sign_note(Checkpoint("other.log", 1, log.root(1)).text()), 0, []
        )


def test_cosign_changes_no_state_until_recorded(tmp_path: Path) -> None:
    """The log may refuse the cosignature (an untrusted witness, a network error): the witness
    records a checkpoint as co-signed only once the caller says it was accepted."""
    log, key, witness, _ = make(tmp_path)
    log.extend([b"a", b"b", b"c"])
    pending = witness.cosign(signed(log, key), 0, [])
    assert pending.size == 3 and pending.origin == ORIGIN
    assert witness.state.get(ORIGIN) is None and not (tmp_path / "state.json").exists()
    again = witness.cosign(signed(log, key), 0, [])  # still from size 0: nothing was recorded
    witness.record(again)
    assert witness.state.get(ORIGIN) == (3, signed(log, key))
    restarted = WitnessState(tmp_path / "state.json")
    assert restarted.get(ORIGIN) == (3, signed(log, key))
