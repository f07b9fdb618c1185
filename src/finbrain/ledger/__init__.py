"""The verifiable decision ledger (区块链 / 可信存证): an RFC 9162 Merkle log with C2SP signed
checkpoints, inclusion and consistency proofs, witnesses and receipts. Pure library: the
platform stores the log in its database through a ``HashStore``."""

from finbrain.ledger.hashing import EMPTY_ROOT, leaf_hash, node_hash
from finbrain.ledger.note import Checkpoint, Note, NoteError, Signer, Verifier, open_checkpoint
from finbrain.ledger.receipt import check_receipt, decode_proof, encode_proof, entry_leaf_hash
from finbrain.ledger.tree import HashStore, MemoryHashStore, MerkleLog
from finbrain.ledger.verify import ProofError, verify_consistency, verify_inclusion
from finbrain.ledger.witness import ForkDetectedError, Witness, WitnessError, WitnessState

__all__ = [
    "EMPTY_ROOT",
    "Checkpoint",
    "ForkDetectedError",
    "HashStore",
    "MemoryHashStore",
    "MerkleLog",
    "Note",
    "NoteError",
    "ProofError",
    "Signer",
    "Verifier",
    "Witness",
    "WitnessError",
    "WitnessState",
    "check_receipt",
    "decode_proof",
    "encode_proof",
    "entry_leaf_hash",
    "leaf_hash",
    "node_hash",
    "open_checkpoint",
    "verify_consistency",
    "verify_inclusion",
]
