"""The tenant's verifiable log over HTTP: checkpoints, proofs, entries, witnesses.

Proof and checkpoint formats are the standard ones (RFC 9162 proofs as base64 hashes, C2SP
signed notes), so auditors can check them with any transparency-log tooling.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Query, status
from pydantic import BaseModel, Field

from finbrain.core.settings import Settings
from finbrain.platform.api.deps import (
    AppSettings,
    IdempotencyKey,
    Session,
    api_router,
    require,
)
from finbrain.platform.ledger.service import TenantLedger, b64
from finbrain.platform.tenancy import Caller

router = api_router("/v1/ledger", "ledger")
Reader = Annotated[Caller, Depends(require("ledger:read"))]
WitnessKey = Annotated[Caller, Depends(require("ledger:witness"))]
Admin = Annotated[Caller, Depends(require("admin"))]
Size = Annotated[int, Query(ge=0, le=2**62)]


class CheckpointOut(BaseModel):
    origin: str
    vkey: str = Field(description="The log's verifier key (pin it; check notes against it).")
    size: int
    root: str | None = Field(description="Base64 root hash; null before the first entry.")
    note: str | None = Field(description="C2SP signed note, with stored cosignatures.")
    cosigned_by: list[str]
    witnessed: bool
    latest_witnessed_size: int | None


class ProofOut(BaseModel):
    tree_size: int
    leaf_index: int | None = None
    from_size: int | None = None
    proof: list[str]


class EntryOut(BaseModel):
    index: int
    leaf_hash: str
    decision_id: str | None
    entry: dict[str, Any]


class EntriesOut(BaseModel):
    items: list[EntryOut]


class WitnessIn(BaseModel):
    model_config = {"extra": "forbid"}
    vkey: str = Field(
        min_length=10, max_length=500, pattern=r"^[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$"
    )


class WitnessOut(BaseModel):
    name: str
    vkey: str


class CosignatureIn(BaseModel):
    model_config = {"extra": "forbid"}
    size: int = Field(ge=1, le=2**62)
    cosignature: str = Field(
        min_length=10, max_length=500, pattern=r"^\u2014 \S+ [A-Za-z0-9+/=]+\n?$"
    )


class CosignatureOut(BaseModel):
    size: int
    witness: str


def _ledger(session: Session, caller: Caller, settings: Settings) -> TenantLedger:
    return TenantLedger(session, caller.tenant_id, settings)


@router.get("/checkpoint", response_model=CheckpointOut)
def checkpoint(session: Session, caller: Reader, settings: AppSettings) -> CheckpointOut:
    """The latest persisted checkpoint (one is issued at least every second while entries
    arrive), with the witnesses' cosignatures."""
    ledger = _ledger(session, caller, settings)
    latest = ledger.latest_checkpoint()
    witnessed = ledger.latest_witnessed()
    if latest is None:
        return CheckpointOut(
            origin=ledger.origin,
            vkey=ledger.verifier.vkey,
            size=0,
            root=None,
            note=None,
            cosigned_by=[],
            witnessed=False,
            latest_witnessed_size=None,
        )
    note, cosigners = ledger.cosigned_note(latest)
    root = note.split("\n")[2]
    return CheckpointOut(
        origin=ledger.origin,
        vkey=ledger.verifier.vkey,
        size=latest.size,
        root=root,
        note=note,
        cosigned_by=cosigners,
        witnessed=len(cosigners) >= ledger.settings.ledger_witness_quorum,
        latest_witnessed_size=witnessed.size if witnessed else None,
    )


@router.get("/proof/inclusion", response_model=ProofOut)
def inclusion(
    session: Session,
    caller: Reader,
    settings: AppSettings,
    leaf: Annotated[int, Query(ge=0, le=2**62)],
    size: Annotated[int, Query(ge=1, le=2**62)],
) -> ProofOut:
    ledger = _ledger(session, caller, settings)
    proof = ledger.inclusion_proof(leaf, size)
    return ProofOut(tree_size=size, leaf_index=leaf, proof=[b64(p) for p in proof])


@router.get("/proof/consistency", response_model=ProofOut)
def consistency(
    session: Session,
    caller: Reader,
    settings: AppSettings,
    from_: Annotated[int, Query(alias="from", ge=1, le=2**62)],
    to: Annotated[int, Query(ge=1, le=2**62)],
) -> ProofOut:
    ledger = _ledger(session, caller, settings)
    proof = ledger.consistency_proof(from_, to)
    return ProofOut(tree_size=to, from_size=from_, proof=[b64(p) for p in proof])


@router.get("/entries", response_model=EntriesOut)
def entries(
    session: Session,
    caller: Reader,
    settings: AppSettings,
    start: Annotated[int, Query(ge=0, le=2**62)],
    end: Annotated[int, Query(ge=1, le=2**62)],
) -> EntriesOut:
    """Entries [start, end), at most 1,000 per call, as committed (canonical JSON)."""
    ledger = _ledger(session, caller, settings)
    return EntriesOut(
        items=[
            EntryOut(
                index=leaf.leaf_index,
                leaf_hash=b64(leaf.leaf_hash),
                decision_id=leaf.decision_id,
                entry=json.loads(leaf.entry),
            )
            for leaf in ledger.entries(start, end)
        ]
    )


@router.get("/witnesses", response_model=list[WitnessOut])
def witnesses(session: Session, caller: Reader, settings: AppSettings) -> list[WitnessOut]:
    ledger = _ledger(session, caller, settings)
    return [WitnessOut(name=w.name, vkey=w.vkey) for w in ledger.witnesses()]


@router.post("/witnesses", status_code=status.HTTP_201_CREATED, response_model=WitnessOut)
def add_witness(
    body: WitnessIn,
    session: Session,
    caller: Admin,
    settings: AppSettings,
    _key: IdempotencyKey,
) -> WitnessOut:
    """Trust a witness (another bank, a regulator) to co-sign this tenant's checkpoints."""
    ledger = _ledger(session, caller, settings)
    witness = ledger.add_witness(body.vkey)
    return WitnessOut(name=witness.name, vkey=witness.vkey)


@router.post("/cosignatures", status_code=status.HTTP_201_CREATED, response_model=CosignatureOut)
def add_cosignature(
    body: CosignatureIn,
    session: Session,
    caller: WitnessKey,
    settings: AppSettings,
    _key: IdempotencyKey,
) -> CosignatureOut:
    """A witness hands back its cosignature of a persisted checkpoint."""
    ledger = _ledger(session, caller, settings)
    name = ledger.add_cosignature(body.size, body.cosignature)
    return CosignatureOut(size=body.size, witness=name)
