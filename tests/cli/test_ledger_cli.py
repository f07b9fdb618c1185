"""`finbrain ledger verify|prove|check-receipt` and the `finbrain witness` process, end to end."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from finbrain.cli.main import app
from finbrain.ledger.note import Signer
from finbrain.platform.ledger import checkpoint_due_logs
from finbrain.platform.store.models import LedgerLeaf
from tests.conftest import LiveServer, Platform
from tests.platform.helpers import add_decisions

runner = CliRunner()


def _env(p: Platform) -> dict[str, str]:
    return {
        "FINBRAIN_DATABASE_URL": p.settings.effective_database_url,
        "FINBRAIN_HOME": str(p.settings.home),
    }


def test_verify_prove_and_check_a_receipt(sqlite_platform: Platform, tmp_path: Path) -> None:
    p = sqlite_platform
    tenant_id, _ = p.new_tenant()
    made = add_decisions(p.db, tenant_id, 10)
    checkpoint_due_logs(p.db)
    env = _env(p)
    ok = runner.invoke(app, ["ledger", "verify", "--tenant", tenant_id], env=env)
    assert ok.exit_code == 0 and "OK" in ok.output, ok.output

    receipt = tmp_path / "receipt.json"
    r = runner.invoke(
        app, ["ledger", "prove", made[4].id, "--tenant", tenant_id, "--out", str(receipt)], env=env
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(receipt.read_text())
    assert doc["entry"]["id"] == made[4].id and doc["receipt"]["leaf_index"] == 4
    vkey = doc["log"]["vkey"]
    r = runner.invoke(app, ["ledger", "check-receipt", str(receipt), "--vkey", vkey])
    assert r.exit_code == 0 and "VALID" in r.output and "size 10" in r.output, r.output

    # The customer's copy is checked without any database: a changed outcome is INVALID,
    # and so is the genuine receipt checked against another bank's key.
    doc["entry"]["outcome"] = "approve" if doc["entry"]["outcome"] != "approve" else "decline"
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc))
    r = runner.invoke(app, ["ledger", "check-receipt", str(forged), "--vkey", vkey])
    assert r.exit_code == 1 and "INVALID" in r.output
    other = Signer.generate(vkey.split("+")[0]).verifier().vkey
    r = runner.invoke(app, ["ledger", "check-receipt", str(receipt), "--vkey", other])
    assert r.exit_code == 1

    # Tamper with the store: verify fails and names the entry.
    with p.db.tenant(tenant_id) as session:
        leaf = session.scalar(select(LedgerLeaf).where(LedgerLeaf.leaf_index == 6))
        assert leaf is not None
        leaf.entry = leaf.entry.replace(b'"action":"score"', b'"action":"scorx"')
    bad = runner.invoke(app, ["ledger", "verify", "--tenant", tenant_id], env=env)
    assert bad.exit_code == 1 and "first broken entry: 6" in bad.output, bad.output


def test_witness_process_cosigns_and_refuses_a_fork(live: LiveServer, tmp_path: Path) -> None:
    p = live.platform
    tenant_id, admin = p.new_tenant()
    client_key = p.client.post(
        "/v1/keys",
        json={"label": "pbc", "scopes": ["ledger:read", "ledger:witness"]},
        headers={"Authorization": f"Bearer {admin}"},
    ).json()["secret"]
    key_file, state = tmp_path / "w.key", tmp_path / "state.json"
    args = [
        "witness",
        "--log",
        live.url,
        "--api-key",
        client_key,
        "--name",
        "pbc.example/witness",
        "--key-file",
        str(key_file),
        "--state",
        str(state),
        "--once",
    ]
    first = runner.invoke(app, args)  # creates its key; the bank then registers it
    vkey = next(
        line.split("witness key: ")[1]
        for line in first.output.splitlines()
        if "witness key:" in line
    ).strip()
    r = p.client.post(
        "/v1/ledger/witnesses", json={"vkey": vkey}, headers={"Authorization": f"Bearer {admin}"}
    )
    assert r.status_code == 201, r.text

    add_decisions(p.db, tenant_id, 5)
    checkpoint_due_logs(p.db)
    r = runner.invoke(app, args)
    assert r.exit_code == 0 and "cosigned size 5" in r.output, r.output
    add_decisions(p.db, tenant_id, 3)
    checkpoint_due_logs(p.db)
    r = runner.invoke(app, args)
    assert "cosigned size 8" in r.output, r.output
    cp = p.client.get("/v1/ledger/checkpoint", headers={"Authorization": f"Bearer {admin}"})
    assert cp.json()["witnessed"] and cp.json()["cosigned_by"] == ["pbc.example/witness"]

    # The operator rewrites history (entry 1) and re-signs with the real key: a fork.
    from finbrain.ledger.tree import MerkleLog
    from finbrain.platform.ledger import TenantLedger
    from finbrain.platform.store.models import LedgerCheckpoint, LedgerHead

    with p.db.tenant(tenant_id) as session:
        leaves = session.scalars(select(LedgerLeaf).order_by(LedgerLeaf.leaf_index)).all()
        forked = MerkleLog()
        forked.extend([b"rewritten" if leaf.leaf_index == 1 else leaf.entry for leaf in leaves])
        forked.append(b"one more")
        head = session.get(LedgerHead, tenant_id)
        assert head is not None
        ledger = TenantLedger(session, tenant_id, p.settings)
        session.add(
            LedgerCheckpoint(tenant_id=tenant_id, size=9, note=ledger.sign(9, forked.root()))
        )
        # Serve proofs from the forked tree: the log lies consistently with its new history.
        for leaf in leaves:
            if leaf.leaf_index == 1:
                leaf.entry, leaf.leaf_hash = b"rewritten", forked.store.get(0, 1)
        from finbrain.platform.store.models import LedgerNode

        for node in session.scalars(select(LedgerNode)):
            node.hash = forked.store.get(node.level, node.idx)
        session.add(
            LedgerLeaf(
                tenant_id=tenant_id,
                leaf_index=8,
                entry=b"one more",
                leaf_hash=forked.store.get(0, 8),
                decision_id=None,
            )
        )
        head.size, head.root = 9, forked.root()
    r = runner.invoke(app, args)
    assert r.exit_code == 3 and "FORK" in r.output, r.output
    evidence = list((tmp_path / "forks").glob("fork-*.json"))
    assert evidence and "\n8\n" in json.loads(evidence[0].read_text())["cosigned_note"]


def test_witness_records_nothing_until_its_cosignature_is_accepted(
    live: LiveServer, tmp_path: Path
) -> None:
    """Run before the bank trusts its key, the platform refuses the cosignature (422): the
    witness must say so and keep no state, so that once trusted it co-signs that checkpoint."""
    p = live.platform
    tenant_id, admin = p.new_tenant()
    client_key = p.client.post(
        "/v1/keys",
        json={"label": "pbc", "scopes": ["ledger:read", "ledger:witness"]},
        headers={"Authorization": f"Bearer {admin}"},
    ).json()["secret"]
    add_decisions(p.db, tenant_id, 4)
    checkpoint_due_logs(p.db)
    state = tmp_path / "state.json"
    args = ["witness", "--log", live.url, "--api-key", client_key, "--name", "pbc.example/w"]
    args += ["--key-file", str(tmp_path / "w.key"), "--state", str(state), "--once"]

    untrusted = runner.invoke(app, args)
    assert untrusted.exit_code == 1 and "poll failed" in untrusted.output, untrusted.output
    assert not state.exists() or json.loads(state.read_text()) == {}
    assert "cosignature" in untrusted.output  # the problem's field, not only "HTTP Error 422"
    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "up to date" not in again.output, again.output

    vkey = next(
        line.split("witness key: ")[1]
        for line in untrusted.output.splitlines()
        if "witness key:" in line
    ).strip()
    r = p.client.post(
        "/v1/ledger/witnesses", json={"vkey": vkey}, headers={"Authorization": f"Bearer {admin}"}
    )
    assert r.status_code == 201, r.text
    trusted = runner.invoke(app, args)
    assert trusted.exit_code == 0 and "cosigned size 4" in trusted.output, trusted.output
    assert json.loads(state.read_text())  # recorded only now
    cp = p.client.get("/v1/ledger/checkpoint", headers={"Authorization": f"Bearer {admin}"})
    assert cp.json()["cosigned_by"] == ["pbc.example/w"]
    last = runner.invoke(app, args)
    assert last.exit_code == 0 and "up to date" in last.output, last.output


def test_witness_shows_its_key_without_a_log(tmp_path: Path) -> None:
    """The regulator hands its key to the bank before the first poll: --show-key makes (or
    reads) the key and prints only the verifier key, so a shell can capture it."""
    key_file = tmp_path / "w.key"
    args = ["witness", "--name", "pbc.example/witness", "--key-file", str(key_file), "--show-key"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    vkey = first.stdout.strip()
    assert vkey.startswith("pbc.example/witness+") and "\n" not in vkey
    assert runner.invoke(app, args).stdout.strip() == vkey  # the same key, read back
    missing = runner.invoke(app, ["witness", "--name", "w", "--key-file", str(key_file)])
    assert missing.exit_code == 2 and "--log" in missing.output
