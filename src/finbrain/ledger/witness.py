"""Witnesses: independent parties (another bank, a regulator) that co-sign a log's checkpoints
only after checking that each one extends the last they co-signed.

A log that shows one history to a customer and another to the regulator (a fork) cannot get
both co-signed: the witness refuses the second and keeps the two signed checkpoints as evidence.
The rules follow c2sp.org/tlog-witness: trust on first use, then only consistent growth.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from finbrain.ledger.note import (
    Checkpoint,
    Note,
    NoteError,
    Signer,
    Verifier,
    open_checkpoint,
)
from finbrain.ledger.verify import ProofError, verify_consistency


class WitnessError(ValueError):
    """The witness refuses to co-sign."""


class StaleSizeError(WitnessError):
    """The log proved from a size other than the one the witness holds (retry from ``size``)."""

    def __init__(self, size: int) -> None:
        self.size = size
        super().__init__(f"witness holds size {size}: prove consistency from there")


@dataclass(frozen=True)
class ForkEvidence:
    origin: str
    cosigned_note: str  # what the witness co-signed before
    conflicting_note: str  # the signed checkpoint that does not extend it
    reason: str


class ForkDetectedError(WitnessError):
    def __init__(self, evidence: ForkEvidence) -> None:
        self.evidence = evidence
        super().__init__(f"fork detected on {evidence.origin}: {evidence.reason}")


class WitnessState:
    """The last co-signed checkpoint per log, kept in a JSON file replaced atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._data: dict[str, dict[str, str | int]] = {}
        if path.is_file():
            self._data = json.loads(path.read_text())

    def get(self, origin: str) -> tuple[int, str] | None:
        entry = self._data.get(origin)
        return (int(entry["size"]), str(entry["note"])) if entry else None

    def put(self, origin: str, size: int, note: str) -> None:
        self._data[origin] = {"size": size, "note": note}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".witness-")
        with os.fdopen(fd, "w") as handle:
            json.dump(self._data, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(self.path)


@dataclass(frozen=True)
class Cosignature:
    """A checked and co-signed checkpoint, not yet recorded as co-signed."""

    origin: str
    size: int
    note: str  # the log's signed checkpoint
    line: str  # the witness's cosignature line to attach to it


class Witness:
    def __init__(self, signer: Signer, logs: dict[str, Verifier], state: WitnessState) -> None:
        self.signer = signer
        self.logs = logs  # origin -> the log's verifier key
        self.state = state

    def add_checkpoint(
        self, note_text: str, old_size: int, proof: list[bytes], now: int | None = None
    ) -> str:
        """Check, co-sign and record at once; returns the cosignature line to attach to the note.

        A witness that hands its cosignature to the log over a network uses :meth:`cosign`
        and :meth:`record` instead, so that a refused cosignature leaves no trace."""
        cosignature = self.cosign(note_text, old_size, proof, now)
        self.record(cosignature)
        return cosignature.line

    def record(self, cosignature: Cosignature) -> None:
        """Remember the checkpoint as the last one co-signed (once the log took the line)."""
        self.state.put(cosignature.origin, cosignature.size, cosignature.note)

    def cosign(
        self, note_text: str, old_size: int, proof: list[bytes], now: int | None = None
    ) -> Cosignature:
        """Check and co-sign without recording; raises WitnessError (or a fork) on refusal."""
        try:
            origin = Note.parse(note_text).text.split("\n", 1)[0]
        except NoteError as exc:
            raise WitnessError(f"refused: {exc}") from None
        if origin not in self.logs:
            raise WitnessError(f"unknown log {origin!r}")
        try:
            checkpoint, _ = open_checkpoint(note_text, self.logs[origin], origin)
        except NoteError as exc:
            raise WitnessError(f"refused: {exc}") from None
        held = self.state.get(origin)
        held_size = held[0] if held else 0
        if old_size != held_size:
            raise StaleSizeError(held_size)
        if checkpoint.size < held_size:
            raise WitnessError(f"checkpoint size {checkpoint.size} is behind {held_size}")
        if held is not None:
            previous = Checkpoint.from_text(Note.parse(held[1]).text)
            try:
                verify_consistency(
                    held_size, checkpoint.size, previous.root, checkpoint.root, proof
                )
            except ProofError as exc:
                raise ForkDetectedError(
                    ForkEvidence(origin, held[1], note_text, str(exc))
                ) from None
        line = self.signer.cosign(checkpoint.text(), now if now is not None else int(time.time()))
        return Cosignature(origin, checkpoint.size, note_text, line)
