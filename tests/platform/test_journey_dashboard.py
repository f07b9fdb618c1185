"""The applications dashboard's queries on both backends: each step's outcomes, and the reasons
behind referred and declined applications counted from the stored reasons (JSON, in SQL)."""

from __future__ import annotations

from sqlalchemy import select

from finbrain.platform import bootstrap
from finbrain.platform.journeys import queries
from finbrain.platform.journeys.tables import CardApplication
from tests.conftest import Platform


def test_step_outcomes_and_adverse_reasons(platform: Platform) -> None:
    tenant_id, _ = platform.new_tenant()
    other, _ = platform.new_tenant()
    bootstrap.ensure_demo_credit(platform.db, tenant_id)
    made = bootstrap.ensure_demo_identity(platform.db, tenant_id)
    with platform.db.tenant(tenant_id, write=False) as session:
        statuses = [r.outcome for r in session.scalars(select(CardApplication))]
        per_step = queries.step_outcomes(session)
        reasons = queries.adverse_reasons(session)
    assert len(statuses) == made >= 4
    # Every application passed every step once, and the final decisions are its outcomes.
    assert sum(per_step[queries.FINAL].values()) == made
    assert sum(per_step["verify"].values()) == made and sum(per_step["screen"].values()) == made
    assert per_step[queries.FINAL]["refer"] == statuses.count("refer")
    assert per_step[queries.FINAL]["decline"] == statuses.count("decline")
    # Each referred or declined application carries at least one reason besides its outcome.
    assert sum(r for r, _, _ in reasons.values()) >= statuses.count("refer")
    assert sum(d for _, d, _ in reasons.values()) >= statuses.count("decline")
    assert not set(reasons) & set(queries.HEADS)
    assert "SCR-POTENTIAL" in reasons or "SCR-MATCH" in reasons  # the demo's sanctions referral
    with platform.db.tenant(other, write=False) as session:  # another bank sees none of it
        assert queries.step_outcomes(session) == {} and queries.adverse_reasons(session) == {}
