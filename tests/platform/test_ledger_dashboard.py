"""The ledger dashboard's queries on both backends: growth per hour, each witness's progress,
and the check of the newest checkpoint, which fails when a stored entry was changed."""

from __future__ import annotations

from sqlalchemy import update

from finbrain.ledger.note import Note, Signer
from finbrain.platform.ledger import checkpoint_due_logs, queries
from finbrain.platform.ledger.service import TenantLedger
from finbrain.platform.store.models import LedgerNode
from tests.conftest import Platform
from tests.platform.helpers import add_decisions


def test_growth_witness_progress_and_log_check(platform: Platform) -> None:
    tenant_id, _ = platform.new_tenant()
    auditor, late = Signer.generate("auditor.example/w"), Signer.generate("late.example/w")
    add_decisions(platform.db, tenant_id, 4)
    checkpoint_due_logs(platform.db)
    with platform.db.tenant(tenant_id) as session:
        ledger = TenantLedger(session, tenant_id, platform.settings)
        ledger.add_witness(auditor.verifier().vkey)
        ledger.add_witness(late.verifier().vkey)
        first = ledger.latest_checkpoint()
        assert first is not None and first.size == 4
        ledger.add_cosignature(4, auditor.cosign(Note.parse(first.note).text, 1_700_000_000))
    add_decisions(platform.db, tenant_id, 4)
    checkpoint_due_logs(platform.db)
    with platform.db.tenant(tenant_id, write=False) as session:
        hours = queries.growth_per_hour(session)
        assert sum(h.checkpoints for h in hours) >= 2 and hours[-1].size == 8
        progress = queries.witness_progress(session)
        assert [(w.name, w.size) for w in progress] == [
            ("auditor.example/w", 4),
            ("late.example/w", 0),
        ]
        assert progress[0].at is not None and progress[1].at is None
        check = queries.check_latest(TenantLedger(session, tenant_id, platform.settings))
        assert check is not None and check.valid and check.size == 8
    with platform.db.tenant(tenant_id) as session:  # someone rewrites a stored subtree hash
        session.execute(update(LedgerNode).values(hash=b"\0" * 32))
    with platform.db.tenant(tenant_id, write=False) as session:
        check = queries.check_latest(TenantLedger(session, tenant_id, platform.settings))
        assert check is not None and not check.valid and check.problem == "root"


def test_an_empty_log_has_nothing_to_check(platform: Platform) -> None:
    tenant_id, _ = platform.new_tenant()
    with platform.db.tenant(tenant_id, write=False) as session:
        assert queries.check_latest(TenantLedger(session, tenant_id, platform.settings)) is None
        assert queries.growth_per_hour(session) == [] and queries.witness_progress(session) == []
