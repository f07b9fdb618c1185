"""A bank with something to profile and market to, for the browser tests: a few days of
simulated card payments scored by the risk engine (rules only, no model), every customer's
profile built from them, and the demo's marketing (consents, two pilots with simulated
outcomes, the uplift model trained from them, a campaign ready to run)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from finbrain.datasets import simulator
from finbrain.platform import risk
from finbrain.platform.marketing.demo import ensure_demo_marketing
from finbrain.platform.profile import service as profiles
from finbrain.platform.store.database import Database
from finbrain.risk.events import parse_event


def seed_bank(db: Database, tenant_id: str, *, customers: int = 160, events: int = 1200) -> str:
    """Payments, profiles and marketing for ``tenant_id``; the uplift model's label."""
    seed_payments(db, tenant_id, customers=customers, events=events)
    profiles.build(db, tenant_id)
    label = ensure_demo_marketing(db, tenant_id)
    assert label is not None, "too few customers for the marketing demo"
    return label


def seed_payments(db: Database, tenant_id: str, *, customers: int, events: int) -> None:
    """A few days of simulated card payments, scored by the bank's risk engine."""
    start = (datetime.now(UTC) - timedelta(days=3)).strftime("%Y-%m-%d")
    stream = simulator.stream(
        n_customers=customers, n_terminals=2 * customers, start=start, days=3, seed=7
    )
    hub = risk.RiskHub(db, db.settings)
    try:
        tenant = hub.tenant(tenant_id)
        batch = []
        for n, record in enumerate(stream):
            if n >= events:
                break
            # its own ids: the bank may already hold the risk demo's simulated payments, whose
            # cards and customers have later payments than these
            own = {
                k: f"mk-{record[k]}"
                for k in ("event_id", "customer_id", "card_id", "terminal_id")
                if record.get(k)
            }
            batch.append(parse_event({**record, **own}))
        for at in range(0, len(batch), 250):
            tenant.submit(batch[at : at + 250], None, None)
    finally:
        hub.stop()
