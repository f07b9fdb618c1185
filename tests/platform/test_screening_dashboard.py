"""The screening dashboard's queries on both backends: screenings per day, hits per list from
the stored reasons, the review queue by age, and list-version coverage."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from finbrain.core.decision import utcnow
from finbrain.platform.identity import queries
from finbrain.platform.identity.tables import ScreenedCustomer
from tests.conftest import Platform


def test_screens_hits_queue_and_versions(platform: Platform) -> None:
    tenant_id, key = platform.new_tenant()
    other, _ = platform.new_tenant()
    outcomes = {}
    for customer_id, name, born in (
        ("C-1", "Kim Jong Un", "1984-01-08"),
        ("C-2", "LI Fangwei", None),
        ("C-3", "Maria Gonzalez", "1990-05-06"),
    ):
        r = platform.client.post(
            "/v1/identity/screen",
            json={"name": name, "birth_date": born, "customer_id": customer_id, "kind": "person"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert r.status_code == 201, r.text
        outcomes[customer_id] = r.json()["outcome"]
    assert outcomes["C-3"] == "clear" and outcomes["C-1"] in queries.TO_REVIEW
    flagged = [c for c, o in outcomes.items() if o in queries.TO_REVIEW]
    with platform.db.tenant(tenant_id) as session:  # one flagged customer waited ten days
        session.execute(
            update(ScreenedCustomer)
            .where(ScreenedCustomer.customer_id == "C-1")
            .values(updated_at=utcnow() - timedelta(days=10))
        )
    with platform.db.tenant(tenant_id, write=False) as session:
        per_day = queries.screens_per_day(session)
        assert sum(sum(c.values()) for c in per_day.values()) == 3
        hits = queries.hits_by_list(session)
        assert set(hits) <= {"ofac_sdn", "uk_fcdo", "un"} and hits
        assert sum(sum(c.values()) for c in hits.values()) >= len(flagged)
        ages = queries.queue_by_age(session)
        assert list(ages) == ["lt1d", "1to7d", "7to30d", "gt30d"]
        assert ages["7to30d"] == 1 and ages["lt1d"] == len(flagged) - 1
        versions = queries.customers_by_list_version(session)
        assert sum(versions.values()) == 3 and len(versions) == 1
    with platform.db.tenant(other, write=False) as session:
        assert (
            queries.hits_by_list(session) == {} and sum(queries.queue_by_age(session).values()) == 0
        )
