"""Crash safety of real-time risk: SIGKILL the process while it scores under load; after a
restart no acknowledged event is lost, none is counted twice, and retries are duplicates."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from finbrain.platform.risk import service
from finbrain.platform.store.models import RiskEvent, RiskSnapshot
from finbrain.risk.events import parse_event
from tests.conftest import Platform
from tests.platform.helpers import kill_mid_write

CUSTOMERS = 7

WRITER = r"""
import sys
from datetime import UTC, datetime, timedelta
from finbrain.core.settings import Settings
from finbrain.platform.risk.service import RiskHub
from finbrain.risk.events import parse_event
from finbrain.platform.store.database import Database

settings = Settings(home=sys.argv[1], database_url=sys.argv[2], risk_snapshot_every=50)
hub = RiskHub(Database(settings), settings)
tenant = hub.tenant(sys.argv[3])
t0 = datetime(2026, 11, 1, tzinfo=UTC)
n = 0
while True:
    batch = []
    for _ in range(4):
        n += 1
        batch.append(parse_event({
            "event_id": f"K{n:07d}", "kind": "card", "currency": "CNY", "amount": "12.30",
            "occurred_at": (t0 + timedelta(seconds=n)).isoformat().replace("+00:00", "Z"),
            "customer_id": f"C{n % CUSTOMERS}", "card_id": f"card{n % CUSTOMERS}",
            "terminal_id": f"T{n % 5}",
        }))
    for answer in tenant.submit(batch, None, None):  # returns after COMMIT
        sys.stdout.write(answer.event_id + "\n")
    sys.stdout.flush()
""".replace("CUSTOMERS", str(CUSTOMERS))


@pytest.mark.slow
def test_sigkill_while_scoring_loses_nothing_and_counts_nothing_twice(
    platform: Platform, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    tenant_id, _ = platform.new_tenant()
    monkeypatch.setattr(platform.settings, "risk_snapshot_every", 50)
    acknowledged = kill_mid_write(platform, tenant_id, WRITER, want=200, seconds=90)

    with platform.db.tenant(tenant_id, write=False) as session:
        rows = session.scalars(select(RiskEvent).order_by(RiskEvent.seq)).all()
        stored = [row.event_id for row in rows]
        per_customer = Counter(row.body["event"]["customer_id"] for row in rows)
    assert not set(acknowledged) - set(stored), "acknowledged events lost"
    assert len(stored) == len(set(stored)), "an event stored twice"
    with platform.db.tenant(tenant_id, write=False) as session:
        assert session.scalar(select(RiskSnapshot.seq).limit(1)) is not None  # restart uses one

    hub = service.RiskHub(platform.db, platform.settings)
    try:
        tenant = hub.tenant(tenant_id)
        # Every acknowledged event sent again: answered from the log, counted nothing.
        again = tenant.submit([_event(e) for e in acknowledged[:40]], None, None)
        assert all(a.duplicate for a in again)
        # One more event per customer: its 30-day count is exactly the stored ones plus itself.
        probes = [
            parse_event(
                {
                    "event_id": f"PROBE-{c}",
                    "kind": "card",
                    "currency": "CNY",
                    "amount": "1.00",
                    "occurred_at": "2026-11-02T00:00:00Z",
                    "customer_id": f"C{c}",
                    "card_id": f"card{c}",
                    "terminal_id": "T0",
                }
            )
            for c in range(CUSTOMERS)
        ]
        tenant.submit(probes, None, None)
        with platform.db.tenant(tenant_id, write=False) as session:
            for c in range(CUSTOMERS):
                row = session.scalar(select(RiskEvent).where(RiskEvent.event_id == f"PROBE-{c}"))
                assert row is not None
                assert row.body["features"]["cust_count_30d"] == per_customer[f"C{c}"] + 1
    finally:
        hub.stop()


def _event(event_id: str) -> service.Event:
    # The stored body of an acknowledged event is what the client would resend.
    n = int(event_id[1:])
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    return parse_event(
        {
            "event_id": event_id,
            "kind": "card",
            "currency": "CNY",
            "amount": "12.30",
            "occurred_at": (t0 + timedelta(seconds=n)).isoformat().replace("+00:00", "Z"),
            "customer_id": f"C{n % CUSTOMERS}",
            "card_id": f"card{n % CUSTOMERS}",
            "terminal_id": f"T{n % 5}",
        }
    )
