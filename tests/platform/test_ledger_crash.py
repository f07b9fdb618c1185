"""Crash safety: SIGKILL a process while it appends decisions under load; after restart every
acknowledged decision is present and the whole log verifies."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from finbrain.platform.ledger.audit import audit
from finbrain.platform.store.models import DecisionRow
from tests.conftest import Platform
from tests.platform.helpers import kill_mid_write

WRITER = r"""
import sys
from finbrain.core.settings import Settings
from finbrain.platform.store.database import Database
from tests.platform.helpers import add_decisions

settings = Settings(home=sys.argv[1], database_url=sys.argv[2])
db = Database(settings)
while True:
    made = add_decisions(db, sys.argv[3], 5)  # one transaction; returns after COMMIT
    for d in made:
        sys.stdout.write(d.id + "\n")
    sys.stdout.flush()
"""


@pytest.mark.slow
def test_sigkill_while_appending_loses_nothing_acknowledged(platform: Platform) -> None:
    tenant_id, _ = platform.new_tenant()
    acknowledged = kill_mid_write(platform, tenant_id, WRITER, want=150, seconds=60)

    with platform.db.tenant(tenant_id, write=False) as session:
        stored = set(session.scalars(select(DecisionRow.id)))
    missing = set(acknowledged) - stored
    assert not missing, f"{len(missing)} acknowledged decisions lost"
    report = audit(platform.db, tenant_id)
    assert report.ok, report.findings
    assert report.entries_checked == len(stored)


def test_audit_of_an_empty_log(platform: Platform) -> None:
    tenant_id, _ = platform.new_tenant()
    assert audit(platform.db, tenant_id).ok
