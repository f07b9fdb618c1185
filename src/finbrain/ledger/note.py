"""C2SP signed notes, checkpoints and cosignatures (c2sp.org/signed-note, tlog-checkpoint,
tlog-cosignature), with Ed25519 keys from ``cryptography``.

A checkpoint is the text ``<origin>\\n<size>\\n<base64 root>\\n``; the log signs it, witnesses
cosign it. Keys travel as the same strings Go's ``sumdb/note`` uses, so off-the-shelf tools can
check our checkpoints:  verifier ``<name>+<hex key id>+<base64(0x01 || public key)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from finbrain.ledger.hashing import HASH_SIZE

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
DASH = "\u2014 "  # "— ", the em dash that starts every signature line


class NoteError(ValueError):
    """A note, checkpoint or signature that is malformed or does not verify."""


def key_id(name: str, alg: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public).digest()[:4]


def _check_name(name: str) -> str:
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")
    return name


@dataclass(frozen=True)
class Signer:
    """An Ed25519 signing key with its note name (a log's or a witness's)."""

    name: str
    private: Ed25519PrivateKey

    @classmethod
    def generate(cls, name: str) -> Signer:
        return cls(_check_name(name), Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Signer:
        return cls(_check_name(name), Ed25519PrivateKey.from_private_bytes(seed))

    @property
    def public(self) -> bytes:
        return self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def verifier(self) -> Verifier:
        return Verifier(self.name, self.public)

    def sign_note(self, text: str) -> str:
        """A signed note: the text, a blank line, one signature line."""
        _check_text(text)
        sig = self.private.sign(text.encode())
        line = base64.b64encode(key_id(self.name, ALG_ED25519, self.public) + sig).decode()
        return f"{text}\n{DASH}{self.name} {line}\n"

    def cosign(self, checkpoint_text: str, timestamp: int) -> str:
        """A tlog-cosignature/v1 signature line over a checkpoint body."""
        message = f"cosignature/v1\ntime {timestamp}\n{checkpoint_text}".encode()
        sig = self.private.sign(message)
        blob = key_id(self.name, ALG_COSIGNATURE_V1, self.public) + struct.pack(">Q", timestamp)
        return f"{DASH}{self.name} {base64.b64encode(blob + sig).decode()}\n"


@dataclass(frozen=True)
class Verifier:
    name: str
    public: bytes

    @property
    def vkey(self) -> str:
        kid = key_id(self.name, ALG_ED25519, self.public).hex()
        return f"{self.name}+{kid}+{base64.b64encode(bytes([ALG_ED25519]) + self.public).decode()}"

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        try:
            name, kid_hex, b64 = vkey.strip().split("+", 2)
            raw = base64.b64decode(b64, validate=True)
            kid = bytes.fromhex(kid_hex)
        except (ValueError, binascii.Error):
            raise NoteError("verifier key must be <name>+<hex id>+<base64 key>") from None
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("verifier key is not an Ed25519 key")
        verifier = cls(_check_name(name), raw[1:])
        if key_id(name, ALG_ED25519, verifier.public) != kid:
            raise NoteError("verifier key id does not match its name and key")
        return verifier

    def verify_signature(self, text: str, sig: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(sig, text.encode())
            return True
        except InvalidSignature:
            return False

    def verify_cosignature(self, checkpoint_text: str, timestamp: int, sig: bytes) -> bool:
        message = f"cosignature/v1\ntime {timestamp}\n{checkpoint_text}"
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(sig, message.encode())
            return True
        except InvalidSignature:
            return False


def _check_text(text: str) -> None:
    if not text.endswith("\n") or "\n\n" in text or "\r" in text:
        raise NoteError("note text must be non-empty lines, each ending in a newline")


@dataclass(frozen=True)
class SignatureLine:
    name: str
    kid: bytes
    payload: bytes  # signature bytes after the key id

    def render(self) -> str:
        return f"{DASH}{self.name} {base64.b64encode(self.kid + self.payload).decode()}\n"


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[SignatureLine, ...] = field(default_factory=tuple)

    @classmethod
    def parse(cls, note: str) -> Note:
        text, sep, sigs = note.partition("\n\n")
        if not sep or not sigs.endswith("\n"):
            raise NoteError("a signed note needs text, a blank line and signature lines")
        text += "\n"
        _check_text(text)
        lines = []
        for raw in sigs[:-1].split("\n"):
            if not raw.startswith(DASH):
                raise NoteError(f"malformed signature line {raw[:40]!r}")
            name, _, b64 = raw[len(DASH) :].rpartition(" ")
            try:
                blob = base64.b64decode(b64, validate=True)
            except binascii.Error:
                raise NoteError("signature is not base64") from None
            if len(blob) < 5:
                raise NoteError("signature too short")
            lines.append(SignatureLine(name, blob[:4], blob[4:]))
        return cls(text, tuple(lines))

    def render(self) -> str:
        return self.text + "\n" + "".join(s.render() for s in self.signatures)

    def verify(self, verifier: Verifier) -> None:
        """The note carries a valid signature by ``verifier`` (else ``NoteError``)."""
        kid = key_id(verifier.name, ALG_ED25519, verifier.public)
        for line in self.signatures:
            if line.name == verifier.name and hmac.compare_digest(line.kid, kid):
                if len(line.payload) == 64 and verifier.verify_signature(self.text, line.payload):
                    return
                raise NoteError(f"signature by {verifier.name} does not verify")
        raise NoteError(f"no signature by {verifier.name}")

    def cosignatures(self, witnesses: list[Verifier]) -> dict[str, int]:
        """Names of the witnesses whose cosignature verifies, with their timestamps."""
        valid: dict[str, int] = {}
        for w in witnesses:
            kid = key_id(w.name, ALG_COSIGNATURE_V1, w.public)
            for line in self.signatures:
                if line.name != w.name or not hmac.compare_digest(line.kid, kid):
                    continue
                if len(line.payload) != 72:
                    continue
                (timestamp,) = struct.unpack(">Q", line.payload[:8])
                if w.verify_cosignature(self.text, timestamp, line.payload[8:]):
                    valid[w.name] = timestamp
        return valid

    def with_signature(self, line: str) -> Note:
        extra = Note.parse("x\n\n" + line).signatures
        return Note(self.text, self.signatures + extra)


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        if not self.origin or "\n" in self.origin:
            raise NoteError("origin must be one non-empty line")
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("checkpoint needs origin, size and root lines")
        origin, size_line, root_line = lines[0], lines[1], lines[2]
        if not size_line.isdigit() or (size_line.startswith("0") and size_line != "0"):
            raise NoteError(f"checkpoint size {size_line!r} is not a decimal number")
        try:
            root = base64.b64decode(root_line, validate=True)
        except binascii.Error:
            raise NoteError("checkpoint root is not base64") from None
        if len(root) != HASH_SIZE:
            raise NoteError("checkpoint root is not a SHA-256 hash")
        return cls(origin, int(size_line), root)


def open_checkpoint(
    note_text: str, log: Verifier, origin: str | None = None
) -> tuple[Checkpoint, Note]:
    """Parse a signed checkpoint, check the log's signature (and origin), return both."""
    note = Note.parse(note_text)
    note.verify(log)
    checkpoint = Checkpoint.from_text(note.text)
    if origin is not None and checkpoint.origin != origin:
        raise NoteError(f"checkpoint is for {checkpoint.origin!r}, expected {origin!r}")
    return checkpoint, note
