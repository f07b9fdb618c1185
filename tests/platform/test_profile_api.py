"""Profiling over the API on both backends: a build reads the bank's own scored payments and
keeps every customer's customer-360 profile (features, tags, segment); one customer is read
by id; another bank sees none of it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from finbrain.platform.profile import service
from tests.conftest import Platform


def _payment(n: int, customer: str, amount: str, mcc: str, channel: str) -> dict[str, Any]:
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=30 - 3 * n)
    return {
        "event_id": f"P{n:05d}",
        "kind": "card",
        "occurred_at": at.isoformat().replace("+00:00", "Z"),
        "amount": amount,
        "currency": "CNY",
        "customer_id": customer,
        "card_id": f"card-{customer}",
        "terminal_id": "T1",
        "mcc": mcc,
        "channel": channel,
    }


@pytest.mark.parametrize(
    ("mcc", "category"),
    [("5411", "groceries"), ("5812", "dining"), ("3501", "travel"), ("4900", "utilities"),
     ("8220", "education"), ("0742", "other"), (None, "other"), ("x1", "other")],
)  # fmt: skip
def test_merchant_codes_map_to_spending_categories(mcc: str | None, category: str) -> None:
    assert service.category_of(mcc) == category


def test_a_build_keeps_each_customers_profile(platform: Platform) -> None:
    _, key = platform.new_tenant()
    _, other_key = platform.new_tenant()
    h = {"Authorization": f"Bearer {key}"}
    plan = [("C1", "5812", "pos")] * 6 + [("C1", "3501", "ecom")] * 2 + [("C2", "5411", "pos")]
    for n, (customer, mcc, channel) in enumerate(plan):
        body = _payment(n, customer, "120.00", mcc, channel)
        assert platform.client.post("/v1/risk/events", json=body, headers=h).is_success
    r = platform.client.post("/v1/profile/builds", headers=h)
    assert r.status_code == 202, r.text
    job_url = r.headers["location"]
    for _ in range(100):
        job = platform.client.get(job_url, headers=h).json()
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.1)
    assert job["status"] == "succeeded", job
    assert job["result"]["customers"] == 2 and job["result"]["transactions"] == len(plan)
    profile = platform.client.get("/v1/profile/customers/C1", headers=h).json()
    f = profile["features"]
    assert f["frequency_30d"] == 8 and f["spend_dining_365d"] == 720.0
    assert f["spend_travel_365d"] == 240.0 and f["tx_online_365d"] == 2
    assert profile["segment"] is None  # two customers are not segmented
    assert all({"zh", "en"} <= set(t["reason"]) for t in profile["tags"]) or profile["tags"] == []
    assert platform.client.get("/v1/profile/customers/C9", headers=h).status_code == 404
    h2 = {"Authorization": f"Bearer {other_key}"}
    assert platform.client.get("/v1/profile/customers/C1", headers=h2).status_code == 404


def test_a_build_keeps_its_segments_and_tag_counts(platform: Platform) -> None:
    """The build's summary agrees with the profiles it stored: segment sizes, each profile's
    segment, the customers per tag, and each persona trait's effect is the one the dashboard
    charts for that feature and segment."""
    from sqlalchemy import select

    from finbrain.platform.profile import queries
    from finbrain.platform.profile.tables import CustomerProfileRow
    from tests.platform.marketing_seed import seed_payments

    tenant_id, _ = platform.new_tenant()
    seed_payments(platform.db, tenant_id, customers=90, events=600)
    result = service.build(platform.db, tenant_id)
    assert result["segments"] >= 2
    with platform.db.tenant(tenant_id, write=False) as session:
        build = queries.latest_build(session)
        assert build is not None and build.version == 1
        assert build.customers == result["customers"]
        rows = list(session.scalars(select(CustomerProfileRow)))
        segments = build.summary["segments"]
        personas = segments["personas"]
        assert [p["size"] for p in personas] == [
            sum(r.segment == p["segment"] for r in rows) for p in personas
        ]
        assert all(r.segment == r.body["segment"]["id"] for r in rows)
        effect = {(f["name"], s): e for f in segments["features"] for s, e in
                  enumerate(f["effects"])}  # fmt: skip
        for p in personas:
            for trait in p["traits"]:
                assert effect[(trait["feature"], p["segment"])] == pytest.approx(
                    trait["effect"], abs=1e-3
                )
        for tag in build.summary["tags"]:
            assert tag["customers"] == sum(
                any(t["id"] == tag["id"] for t in r.body["tags"]) for r in rows
            )
        first, total = queries.segment_customers(session, 0, limit=5)
        assert total == personas[0]["size"] and len(first) == min(5, total)
    service.build(platform.db, tenant_id)  # a rebuild bumps the version
    with platform.db.tenant(tenant_id, write=False) as session:
        assert queries.latest_build(session).version == 2  # type: ignore[union-attr]
