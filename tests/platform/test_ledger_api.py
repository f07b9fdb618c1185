"""The ledger inside the platform: every decision on its tenant's log, receipts that verify
offline, checkpoints, proofs, entries, witnesses and cosignatures over the API."""

from __future__ import annotations

import base64

from finbrain.ledger import (
    Checkpoint,
    Note,
    Signer,
    Verifier,
    check_receipt,
    decode_proof,
    open_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from finbrain.ledger.witness import Witness, WitnessState
from finbrain.platform.ledger import checkpoint_due_logs
from tests.conftest import Platform
from tests.platform.helpers import add_decisions


def _h(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_every_decision_has_a_receipt_that_verifies_offline(platform: Platform) -> None:
    tenant_id, key = platform.new_tenant()
    made = add_decisions(platform.db, tenant_id, 7)
    cp = platform.client.get("/v1/ledger/checkpoint", headers=_h(key)).json()
    log = Verifier.parse(cp["vkey"])
    for index, decision in enumerate(made):
        got = platform.client.get(f"/v1/decisions/{decision.id}", headers=_h(key)).json()
        assert got["receipt"]["leaf_index"] == index
        checkpoint = check_receipt(decision.ledger_entry(), decision.receipt, log, cp["origin"])  # type: ignore[arg-type]
        assert checkpoint.size == index + 1
    # Tampered content does not verify against its receipt.
    forged = dict(
        made[3].ledger_entry(), outcome="approve" if made[3].outcome != "approve" else "decline"
    )
    try:
        check_receipt(forged, made[3].receipt, log)  # type: ignore[arg-type]
    except ValueError:
        pass
    else:
        raise AssertionError("a forged entry verified")


def test_checkpoint_proofs_and_entries_endpoints(platform: Platform) -> None:
    tenant_id, key = platform.new_tenant()
    add_decisions(platform.db, tenant_id, 5)
    add_decisions(platform.db, tenant_id, 6)
    checkpoint_due_logs(platform.db)  # the 1-second tick
    cp = platform.client.get("/v1/ledger/checkpoint", headers=_h(key)).json()
    assert cp["size"] == 11 and cp["origin"].endswith(tenant_id) and not cp["witnessed"]
    checkpoint, _ = open_checkpoint(cp["note"], Verifier.parse(cp["vkey"]), cp["origin"])
    entries = platform.client.get("/v1/ledger/entries?start=0&end=11", headers=_h(key)).json()
    assert [e["index"] for e in entries["items"]] == list(range(11))
    for e in entries["items"]:
        proof = platform.client.get(
            f"/v1/ledger/proof/inclusion?leaf={e['index']}&size=11", headers=_h(key)
        ).json()
        verify_inclusion(
            e["index"],
            11,
            base64.b64decode(e["leaf_hash"]),
            decode_proof(proof["proof"]),
            checkpoint.root,
        )
        assert e["entry"]["tenant_id"] == tenant_id
    first = Checkpoint.from_text(
        Note.parse(
            platform.client.get("/v1/ledger/checkpoint", headers=_h(key)).json()["note"]
        ).text
    )
    proof = platform.client.get("/v1/ledger/proof/consistency?from=5&to=11", headers=_h(key)).json()
    entries5 = platform.client.get("/v1/ledger/entries?start=0&end=5", headers=_h(key)).json()
    assert len(entries5["items"]) == 5
    # Root at 5 from a receipt-style proof of leaf 4 in the tree of size 5:
    leaf4 = base64.b64decode(entries5["items"][4]["leaf_hash"])
    p5 = platform.client.get("/v1/ledger/proof/inclusion?leaf=4&size=5", headers=_h(key)).json()
    from finbrain.ledger.verify import root_from_inclusion_proof

    root5 = root_from_inclusion_proof(4, 5, leaf4, decode_proof(p5["proof"]))
    verify_consistency(5, 11, root5, first.root, decode_proof(proof["proof"]))


def test_bad_ledger_queries_are_4xx(platform: Platform) -> None:
    tenant_id, key = platform.new_tenant()
    add_decisions(platform.db, tenant_id, 3)
    for url, field in [
        ("/v1/ledger/proof/inclusion?leaf=3&size=3", "leaf"),
        ("/v1/ledger/proof/inclusion?leaf=0&size=9", "size"),
        ("/v1/ledger/proof/consistency?from=3&to=2", "from"),
        ("/v1/ledger/entries?start=2&end=2", "end"),
    ]:
        r = platform.client.get(url, headers=_h(key))
        assert r.status_code == 422 and r.json()["field"] == field, (url, r.text)


def test_witness_cosigns_through_the_api(platform: Platform, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tenant_id, admin = platform.new_tenant()
    witness_key = platform.client.post(
        "/v1/keys",
        json={"label": "regulator", "scopes": ["ledger:read", "ledger:witness"]},
        headers=_h(admin),
    ).json()["secret"]
    regulator = Signer.generate("regulator.example/witness")
    r = platform.client.post(
        "/v1/ledger/witnesses", json={"vkey": regulator.verifier().vkey}, headers=_h(admin)
    )
    assert r.status_code == 201
    add_decisions(platform.db, tenant_id, 4)
    checkpoint_due_logs(platform.db)
    cp = platform.client.get("/v1/ledger/checkpoint", headers=_h(witness_key)).json()
    witness = Witness(
        regulator, {cp["origin"]: Verifier.parse(cp["vkey"])}, WitnessState(tmp_path / "w.json")
    )
    line = witness.add_checkpoint(cp["note"], 0, [])
    r = platform.client.post(
        "/v1/ledger/cosignatures",
        json={"size": cp["size"], "cosignature": line},
        headers=_h(witness_key),
    )
    assert r.status_code == 201, r.text
    after = platform.client.get("/v1/ledger/checkpoint", headers=_h(admin)).json()
    assert after["witnessed"] and after["cosigned_by"] == ["regulator.example/witness"]
    assert after["latest_witnessed_size"] == 4
    note = Note.parse(after["note"])
    assert note.cosignatures([regulator.verifier()])
    # A cosignature by an unknown key or over another checkpoint is refused.
    stranger = Signer.generate("regulator.example/witness")
    r = platform.client.post(
        "/v1/ledger/cosignatures",
        json={"size": 4, "cosignature": stranger.cosign(note.text, 1)},
        headers=_h(witness_key),
    )
    assert r.status_code == 422 and r.json()["field"] == "cosignature"
    reader = platform.client.post(
        "/v1/keys", json={"label": "r", "scopes": ["ledger:read"]}, headers=_h(admin)
    ).json()["secret"]
    r = platform.client.post(
        "/v1/ledger/cosignatures", json={"size": 4, "cosignature": line}, headers=_h(reader)
    )
    assert r.status_code == 403
