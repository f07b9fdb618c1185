"""A risk event's id is its idempotency key, as ``Idempotency-Key`` is for other POSTs: the same
id with the same event replays the stored answer (200, ``duplicate``); the same id with another
event is a 409 naming ``event_id`` (rule ``same_body_for_same_id``) and changes nothing, on the
scoring lane, through the application, on the writer thread, in batches and within one group
commit. Labels for events never scored are refused, naming them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from finbrain.core.errors import ConflictError
from finbrain.platform.risk import service
from finbrain.platform.store.models import DecisionRow, RiskEvent, RiskLabel
from finbrain.risk.events import parse_event
from tests.conftest import Platform, _close, make_platform
from tests.platform.test_risk_api import event

RULE = "same_body_for_same_id"


def _headers(platform: Platform) -> tuple[str, dict[str, str]]:
    tenant_id, key = platform.new_tenant()
    return tenant_id, {"Authorization": f"Bearer {key}", "Accept-Language": "en"}


def _conflict(r: Any, field: str) -> None:
    assert r.status_code == 409, r.text
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert (problem["code"], problem["field"], problem["rule"]) == ("FB-CONFLICT", field, RULE)


def _stored(platform: Platform, tenant_id: str) -> dict[str, dict[str, Any]]:
    with platform.db.tenant(tenant_id, write=False) as session:
        return {r.event_id: r.body["event"] for r in session.scalars(select(RiskEvent))}


@pytest.fixture(params=["lane", "application", "writer_thread"])
def mode(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    overrides: dict[str, Any] = {
        "lane": {},
        "application": {"risk_fast_lane": False},
        "writer_thread": {"risk_write_on_event_loop": False},
    }[request.param]
    p = make_platform("sqlite", tmp_path, None, **overrides)
    try:
        yield p
    finally:
        _close(p)


def test_a_reused_id_with_another_body_is_a_conflict(mode: Platform) -> None:
    platform = mode
    tenant_id, h = _headers(platform)
    first = platform.client.post("/v1/risk/events", json=event(1), headers=h)
    assert first.status_code == 201, first.text
    for _ in range(3):  # the first through the application, then the lane (key cached)
        again = platform.client.post("/v1/risk/events", json=event(1), headers=h)
        assert again.status_code == 200 and again.json()["duplicate"] is True
        assert again.json()["decision"]["id"] == first.json()["decision"]["id"]
        # The same event written another way is the same event (amount, offset, key order).
        same = {**event(1), "amount": "42.5", "occurred_at": "2026-11-01T17:01:00+08:00"}
        again = platform.client.post(
            "/v1/risk/events", json=dict(reversed(same.items())), headers=h
        )
        assert again.status_code == 200 and again.json()["duplicate"] is True, again.text
    for change in ({"amount": "999.00"}, {"card_id": "card-other"}, {"terminal_id": "T9"}):
        r = platform.client.post("/v1/risk/events", json={**event(1), **change}, headers=h)
        _conflict(r, "event_id")
    # Nothing changed: one event, its first body, one decision.
    assert _stored(platform, tenant_id)["E000001"]["amount"] == "42.50"
    with platform.db.tenant(tenant_id, write=False) as session:
        assert session.scalar(select(func.count()).select_from(DecisionRow)) == 1


def test_batches_refuse_a_reused_id_whole(mode: Platform) -> None:
    platform = mode
    tenant_id, h = _headers(platform)
    assert platform.client.post("/v1/risk/events", json=event(1), headers=h).status_code == 201
    batch = [event(2), {**event(1), "amount": "1.00"}, event(3)]
    r = platform.client.post("/v1/risk/events/batch", json={"events": batch}, headers=h)
    _conflict(r, "events[1].event_id")
    # Twice in one batch with two bodies.
    batch = [event(4), event(5), {**event(4), "amount": "7.00"}]
    r = platform.client.post("/v1/risk/events/batch", json={"events": batch}, headers=h)
    _conflict(r, "events[2].event_id")
    assert set(_stored(platform, tenant_id)) == {"E000001"}
    # The same ids with the same bodies: the stored one replays, the others are scored.
    ok = [event(1), event(2), event(2)]
    r = platform.client.post("/v1/risk/events/batch", json={"events": ok}, headers=h)
    assert r.status_code == 200, r.text
    assert [i["duplicate"] for i in r.json()["items"]] == [True, False, False]
    assert set(_stored(platform, tenant_id)) == {"E000001", "E000002"}


def test_one_group_commit_with_both_bodies(sqlite_platform: Platform) -> None:
    """Two requests carrying one id with two bodies, committed in one group: the first is
    scored, the second refused, and the rest of the group is written."""
    platform = sqlite_platform
    tenant_id, _ = _headers(platform)
    hub = service.RiskHub(platform.db, platform.settings)
    try:
        tenant = hub.tenant(tenant_id)
        first = service._Work([parse_event(event(1))], None, None)
        other = service._Work([parse_event({**event(1), "amount": "5.00"})], None, None)
        retry = service._Work([parse_event(event(1))], None, None)
        batch = service._Work(
            [parse_event(event(2)), parse_event({**event(1), "customer_id": "C9"})], None, None
        )
        fine = service._Work([parse_event(event(3))], None, None)
        tenant.call(lambda t: t._write([first, other, retry, batch, fine]))
        assert first.future.result(timeout=10)[0].duplicate is False
        assert retry.future.result(timeout=10)[0].duplicate is True
        assert fine.future.result(timeout=10)[0].duplicate is False
        with pytest.raises(ConflictError) as refused:
            other.future.result(timeout=10)
        assert (refused.value.field, refused.value.rule) == ("event_id", RULE)
        with pytest.raises(ConflictError) as refused:
            batch.future.result(timeout=10)
        assert refused.value.field == "events[1].event_id"
    finally:
        hub.stop()
    assert set(_stored(platform, tenant_id)) == {"E000001", "E000003"}


def test_labels_for_unknown_events_are_refused(platform: Platform) -> None:
    tenant_id, h = _headers(platform)
    assert platform.client.post("/v1/risk/events", json=event(1), headers=h).status_code == 201
    labels = [
        {"event_id": "E000001", "is_fraud": True},
        {"event_id": "no-such-event", "is_fraud": True},
        {"event_id": "nor-this-one", "is_fraud": False},
    ]
    r = platform.client.post("/v1/risk/labels", json={"labels": labels}, headers=h)
    assert r.status_code == 404, r.text
    problem = r.json()
    assert (problem["field"], problem["rule"]) == ("labels[1].event_id", "scored_event")
    assert "no-such-event" in problem["detail"] and "nor-this-one" in problem["detail"]
    with platform.db.tenant(tenant_id, write=False) as session:
        assert session.scalar(select(func.count()).select_from(RiskLabel)) == 0
    r = platform.client.post("/v1/risk/labels", json={"labels": labels[:1]}, headers=h)
    assert r.status_code == 200 and r.json() == {"stored": 1}
    # Another tenant's event is unknown here too.
    _, other = _headers(platform)
    r = platform.client.post("/v1/risk/labels", json={"labels": labels[:1]}, headers=other)
    assert r.status_code == 404 and r.json()["field"] == "labels[0].event_id"


def test_the_unknown_ids_are_named_in_either_language(platform: Platform) -> None:
    _, h = _headers(platform)
    labels = {"labels": [{"event_id": "missing-1", "is_fraud": True}]}
    for language in ("zh", "en"):
        r = platform.client.post(
            "/v1/risk/labels", json=labels, headers={**h, "Accept-Language": language}
        )
        assert r.status_code == 404 and r.json()["code"] == "FB-RISK-UNSCORED-LABELS"
        assert "missing-1" in r.json()["title"]
