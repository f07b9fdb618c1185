"""Over the API, one client's fast clock cannot refuse another client's events: lateness is
judged against the server's receive time (a terminal's newest event counts no later than it),
and an event stamped beyond ``risk_max_clock_skew_seconds`` ahead is refused itself. A restart,
a snapshot built from the log and the follower all rebuild the same windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from finbrain.platform.risk import snapshots as risk_snapshots
from finbrain.platform.store.models import RiskSnapshot
from tests.conftest import Platform


def _event(event_id: str, at: datetime, customer: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "kind": "card",
        "occurred_at": at.isoformat().replace("+00:00", "Z"),
        "amount": "88.00",
        "currency": "CNY",
        "customer_id": customer,
        "card_id": f"card-{customer}",
        "terminal_id": "shared-terminal",
        "channel": "pos",
    }


def test_a_fast_clock_does_not_refuse_other_customers(platform: Platform) -> None:
    tenant_id, key = platform.new_tenant()
    h = {"Authorization": f"Bearer {key}", "Accept-Language": "en"}
    post = platform.client.post
    now = datetime.now(UTC)
    for i in range(5):  # the terminal's ordinary traffic of the last minutes
        r = post(
            "/v1/risk/events",
            json=_event(f"ok-{i}", now - timedelta(minutes=4 - i), "A"),
            headers=h,
        )
        assert r.status_code == 201, r.text
    # A card whose clock runs 4 min 50 s fast: within the allowed skew (5 minutes), accepted.
    r = post(
        "/v1/risk/events",
        json=_event("fast", now + timedelta(minutes=4, seconds=50), "X"),
        headers=h,
    )
    assert r.status_code == 201, r.text
    # Another customer's payment of a minute ago on the same terminal is not late.
    r = post(
        "/v1/risk/events", json=_event("minute-ago", now - timedelta(minutes=1), "Y"), headers=h
    )
    assert r.status_code == 201, r.text
    features = r.json()
    # ... and in a batch.
    batch = [_event("b-1", now - timedelta(seconds=90), "Z"), _event("b-2", now, "Z")]
    r = post("/v1/risk/events/batch", json={"events": batch}, headers=h)
    assert r.status_code == 200, r.text
    # Late against the server's clock is still late; beyond the skew ahead is refused itself.
    r = post("/v1/risk/events", json=_event("stale", now - timedelta(minutes=6), "W"), headers=h)
    assert (r.status_code, r.json()["rule"]) == (422, "within_allowed_lateness"), r.text
    ahead = now + timedelta(minutes=6)
    r = post("/v1/risk/events", json=_event("far", ahead, "V"), headers=h)
    assert (r.status_code, r.json()["rule"]) == (422, "not_in_the_future"), r.text
    assert features["decision"]["outcome"] in ("allow", "review", "block")

    # The log rebuilds the same windows: a snapshot built from it, and a restart.
    hub = platform.client.app.state.risk  # type: ignore[attr-defined]
    tenant = hub.tenant(tenant_id)
    live = tenant.call(lambda t: t.engine().snapshot())
    seq = risk_snapshots.build(platform.settings, tenant_id)
    with platform.db.tenant(tenant_id, write=False) as session:
        stored = session.get(RiskSnapshot, (tenant_id, seq))
        assert stored is not None and stored.state == live
    tenant.rebuild()  # thrown away: the next event reloads from that snapshot (and the log)
    r = post("/v1/risk/events", json=_event("after", now, "U"), headers=h)
    assert r.status_code == 201, r.text
    tenant.call(lambda t: t.invalidate())
    with platform.db.tenant(tenant_id) as session:  # no snapshot: a replay of the whole log
        for row in session.query(RiskSnapshot).all():
            session.delete(row)
    r = post("/v1/risk/events", json=_event("after-2", now, "U"), headers=h)
    assert r.status_code == 201, r.text
