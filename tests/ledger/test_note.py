from __future__ import annotations

import pytest

from finbrain.ledger.hashing import EMPTY_ROOT
from finbrain.ledger.note import Checkpoint, Note, NoteError, Signer, Verifier, open_checkpoint


def test_sign_parse_verify_round_trip() -> None:
    log = Signer.generate("finbrain.example/ledger/T1")
    cp = Checkpoint("finbrain.example/ledger/T1", 42, EMPTY_ROOT)
    note = log.sign_note(cp.text())
    assert note.startswith("finbrain.example/ledger/T1\n42\n47DEQpj8HBSa")
    opened, parsed = open_checkpoint(note, Verifier.parse(log.verifier().vkey))
    assert opened == cp and parsed.render() == note


def test_vkey_is_go_note_compatible_shape() -> None:
    v = Signer.generate("log").verifier()
    name, kid, b64 = v.vkey.split("+", 2)
    assert name == "log" and len(kid) == 8
    assert Verifier.parse(v.vkey) == v
    with pytest.raises(NoteError):
        Verifier.parse(f"other+{kid}+{b64}")  # key id bound to the name


@pytest.mark.parametrize("position", [0, 5, 20, 40])
def test_any_change_to_the_text_breaks_the_signature(position: int) -> None:
    log = Signer.generate("log")
    note = log.sign_note(Checkpoint("log", 7, EMPTY_ROOT).text())
    chars = list(note)
    chars[position] = "X" if chars[position] != "X" else "Y"
    with pytest.raises(NoteError):
        open_checkpoint("".join(chars), log.verifier())


def test_wrong_key_and_missing_signature() -> None:
    log, other = Signer.generate("log"), Signer.generate("log")
    note = log.sign_note(Checkpoint("log", 1, EMPTY_ROOT).text())
    with pytest.raises(NoteError, match="no signature"):
        open_checkpoint(note, other.verifier())  # same name, different key: different key id
    with pytest.raises(NoteError):
        Note.parse("log\n1\nroot\n")


def test_cosignatures_count_only_valid_witnesses() -> None:
    log = Signer.generate("log")
    w1, w2, w3 = (Signer.generate(f"witness{i}") for i in range(3))
    text = Checkpoint("log", 3, EMPTY_ROOT).text()
    note = Note.parse(log.sign_note(text))
    note = note.with_signature(w1.cosign(text, 1_700_000_000))
    note = note.with_signature(w2.cosign(Checkpoint("log", 4, EMPTY_ROOT).text(), 1))  # other cp
    valid = Note.parse(note.render()).cosignatures([w1.verifier(), w2.verifier(), w3.verifier()])
    assert valid == {"witness0": 1_700_000_000}
    note.verify(log.verifier())  # cosignatures do not disturb the log's own signature


@pytest.mark.parametrize(
    "text",
    [
        "log\n01\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "log\n-1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "log\n1\nnot-base64\n",
        "log\n1\n",
    ],
)
def test_malformed_checkpoints(text: str) -> None:
    with pytest.raises(NoteError):
        Checkpoint.from_text(text)
