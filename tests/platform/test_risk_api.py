"""Real-time risk through the platform: events scored with features, rules and reasons on the
ledger; retries never counted twice; rules published without a restart; backtests; alerts
grouped into cases; dispositions fed back as labels; restart = snapshot + replay."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from finbrain.core.decision import Decision
from finbrain.core.errors import FinbrainError
from finbrain.ledger import Verifier, check_receipt
from finbrain.platform.risk import service
from finbrain.platform.store.models import DecisionRow, RiskEvent, RiskLabel, RiskSnapshot
from finbrain.risk.events import parse_event
from tests.conftest import Platform

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def event(
    n: int, *, customer: str = "C1", amount: str = "42.50", minutes: float = 0, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": f"E{n:06d}",
        "kind": "card",
        "occurred_at": (T0 + timedelta(minutes=minutes or n)).isoformat().replace("+00:00", "Z"),
        "amount": amount,
        "currency": "CNY",
        "customer_id": customer,
        "card_id": f"card-{customer}",
        "terminal_id": f"T{n % 3}",
        "channel": "pos",
    }
    body.update(extra)
    return body


def _headers(platform: Platform) -> tuple[str, dict[str, str]]:
    tenant_id, key = platform.new_tenant()
    return tenant_id, {"Authorization": f"Bearer {key}"}


def test_an_event_is_scored_once_whatever_the_retries(platform: Platform) -> None:
    tenant_id, headers = _headers(platform)
    first = platform.client.post("/v1/risk/events", json=event(1), headers=headers)
    assert first.status_code == 201, first.text
    out = first.json()
    decision = Decision.model_validate(out["decision"])
    assert decision.capability == "risk" and decision.outcome in ("allow", "review", "block")
    assert decision.subject.type == "card" and 0 <= (decision.score or 0) <= 1000
    assert decision.reasons and all(r.text.zh and r.text.en for r in decision.reasons)
    vkey = platform.client.get("/v1/ledger/checkpoint", headers=headers).json()["vkey"]
    assert decision.receipt is not None
    check_receipt(decision.ledger_entry(), decision.receipt, Verifier.parse(vkey))
    # The retry is answered with the stored decision and counts nothing.
    again = platform.client.post("/v1/risk/events", json=event(1), headers=headers)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["decision"]["id"] == decision.id
    second = platform.client.post("/v1/risk/events", json=event(2), headers=headers).json()
    stream = platform.client.get("/v1/risk/events", headers=headers).json()["items"]
    assert [item["event_id"] for item in stream] == ["E000002", "E000001"]
    assert stream[0]["body"]["features"]["cust_count_1d"] == 2  # not 3
    assert second["decision"]["id"] != decision.id
    with platform.db.tenant(tenant_id, write=False) as session:
        assert session.scalar(select(func.count()).select_from(RiskEvent)) == 2
        assert session.scalar(select(func.count()).select_from(DecisionRow)) == 2


def test_batches_are_all_or_nothing_and_errors_name_the_field(platform: Platform) -> None:
    tenant_id, headers = _headers(platform)
    bad_events = [
        ({"occurred_at": "2026-11-01T09:00:00"}, "occurred_at", "timezone_aware"),
        ({"amount": "-5"}, "amount", None),
        ({"amount": "1e400"}, "amount", None),
        ({"amount": "12.345"}, "amount", None),
        ({"currency": "XYZ"}, "currency", None),
        ({"occurred_at": "yesterday"}, "occurred_at", None),
    ]
    for override, field, rule in bad_events:
        batch = [event(i) for i in range(1, 5)]
        batch[2].update(override)
        r = platform.client.post("/v1/risk/events/batch", json={"events": batch}, headers=headers)
        assert r.status_code == 422, (override, r.text)
        problem = r.json()
        assert problem["field"] == f"events[2].{field}", problem
        if rule:
            assert problem["rule"] == rule
    missing = event(9)
    del missing["customer_id"]
    r = platform.client.post("/v1/risk/events", json=missing, headers=headers)
    assert r.status_code == 422
    with platform.db.tenant(tenant_id, write=False) as session:
        assert session.scalar(select(func.count()).select_from(RiskEvent)) == 0
    ok = platform.client.post(
        "/v1/risk/events/batch", json={"events": [event(i) for i in range(1, 6)]}, headers=headers
    )
    assert ok.status_code == 200
    items = ok.json()["items"]
    assert [i["event_id"] for i in items] == [f"E{i:06d}" for i in range(1, 6)]
    # Within a batch, each event's windows hold the events before it.
    stream = platform.client.get("/v1/risk/events?limit=5", headers=headers).json()["items"]
    assert [s["body"]["features"]["cust_count_1d"] for s in reversed(stream)] == [1, 2, 3, 4, 5]


def test_rules_publish_live_and_alerts_become_cases(platform: Platform) -> None:
    tenant_id, headers = _headers(platform)
    current = platform.client.get("/v1/risk/rules", headers=headers).json()
    assert current["version"] == 1 and len(current["body"]["rules"]) >= 10
    bad = {
        "rules": [
            {
                "id": "R-BAD",
                "when": "amont >= 5000",
                "score": 100,
                "action": "block",
                "tags": [],
                "reason": {"zh": "大额", "en": "large"},
            }
        ]
    }
    r = platform.client.post("/v1/risk/rules", json=bad, headers=headers)
    assert r.status_code == 422 and r.json()["field"] == "rules[0].when"
    assert r.json()["rule"] == "unknown_identifier"
    rules = {
        "rules": [
            {
                "id": "R-LARGE",
                "when": "amount >= 5000",
                "score": 500,
                "action": "block",
                "tags": ["amount"],
                "reason": {"zh": "单笔金额 {amount} 过大", "en": "Large amount {amount}"},
            }
        ]
    }
    published = platform.client.post("/v1/risk/rules", json=rules, headers=headers)
    assert published.status_code == 201, published.text
    assert published.json()["version"] == 2
    out = platform.client.post(
        "/v1/risk/events", json=event(1, amount="6000.00"), headers=headers
    ).json()
    assert out["decision"]["outcome"] == "block"
    assert out["decision"]["reasons"][0]["code"] == "R-LARGE"
    assert "6" in out["decision"]["reasons"][0]["text"]["en"]
    assert out["case_id"]
    platform.client.post("/v1/risk/events", json=event(2, amount="7000.00"), headers=headers)
    small = platform.client.post("/v1/risk/events", json=event(3), headers=headers).json()
    assert small["decision"]["outcome"] == "allow" and small["case_id"] is None
    cases = platform.client.get("/v1/risk/cases?status=open", headers=headers).json()["items"]
    assert len(cases) == 1 and cases[0]["alert_count"] == 2  # grouped per card
    case_id = cases[0]["id"]
    detail = platform.client.get(f"/v1/risk/cases/{case_id}", headers=headers).json()
    assert {a["event_id"] for a in detail["alerts"]} == {"E000001", "E000002"}
    assert detail["alerts"][0]["features"]["cust_count_1d"] >= 1
    assert detail["alerts"][0]["decision"]["reasons"][0]["code"] == "R-LARGE"
    queue = platform.client.get("/v1/risk/alerts", headers=headers).json()["items"]
    assert len(queue) == 2
    # Backtest the candidate over what was scored (labels come from the case below).
    bt = platform.client.post("/v1/risk/rules/backtest", json=rules, headers=headers)
    assert bt.status_code == 200, bt.text
    assert bt.json()["events"] == 3
    # Work the case: assign, comment, close as fraud -> labels stored.
    assert (
        platform.client.post(
            f"/v1/risk/cases/{case_id}/assign", json={"assignee": "analyst-7"}, headers=headers
        ).status_code
        == 200
    )
    assert (
        platform.client.post(
            f"/v1/risk/cases/{case_id}/comments",
            json={"body": "customer confirmed theft"},
            headers=headers,
        ).status_code
        == 201
    )
    closed = platform.client.post(
        f"/v1/risk/cases/{case_id}/close",
        json={"disposition": "fraud", "note": "chargeback"},
        headers=headers,
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = platform.client.post(
        f"/v1/risk/cases/{case_id}/close",
        json={"disposition": "fraud", "note": "x"},
        headers=headers,
    )
    assert again.status_code == 409
    with platform.db.tenant(tenant_id, write=False) as session:
        labels = dict(session.execute(select(RiskLabel.event_id, RiskLabel.is_fraud)).all())
    assert labels == {"E000001": True, "E000002": True}
    notes = platform.client.get(f"/v1/risk/cases/{case_id}", headers=headers).json()["notes"]
    assert [n["kind"] for n in notes] == ["assign", "comment", "close"]
    assert platform.client.get("/v1/risk/alerts", headers=headers).json()["items"] == []


@pytest.mark.slow  # over a second on this machine: make test runs it
def test_restart_rebuilds_the_windows_from_snapshot_and_log(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant_id, headers = _headers(platform)
    monkeypatch.setattr(platform.settings, "risk_snapshot_every", 5)
    platform.client.post(
        "/v1/risk/events/batch", json={"events": [event(i) for i in range(1, 8)]}, headers=headers
    )
    platform.client.post(
        "/v1/risk/events/batch",
        json={"events": [event(i) for i in range(8, 10)]},
        headers=headers,
    )
    # The snapshot is built by a separate process from the log: wait for it.
    deadline = time.monotonic() + 90
    while True:
        with platform.db.tenant(tenant_id, write=False) as session:
            if session.scalar(select(func.count()).select_from(RiskSnapshot)):
                break
        assert time.monotonic() < deadline, "no snapshot was built"
        time.sleep(0.2)
    # A new process: a fresh hub over the same database.
    hub = service.RiskHub(platform.db, platform.settings)
    try:
        fresh = hub.tenant(tenant_id)
        answer = fresh.submit([parse_event(event(10))], None, None)[0]
        features = answer.decision.reasons  # decided; now read its features from the log
        assert features
        with platform.db.tenant(tenant_id, write=False) as session:
            row = session.scalar(select(RiskEvent).where(RiskEvent.event_id == "E000010"))
            assert row is not None and row.body["features"]["cust_count_1d"] == 10
        # Replayed events are duplicates for the new hub too.
        dup = fresh.submit([parse_event(event(3))], None, None)[0]
        assert dup.duplicate
    finally:
        hub.stop()


def test_late_and_future_events_are_refused_and_fail_alone(platform: Platform) -> None:
    tenant_id, headers = _headers(platform)
    assert (
        platform.client.post(
            "/v1/risk/events", json=event(1, minutes=60), headers=headers
        ).status_code
        == 201
    )
    # An hour behind the newest event of its card: beyond the allowed lateness, not counted.
    live = platform.client.app.state.risk.tenant(tenant_id)  # type: ignore[attr-defined]
    engine = live.engine()
    late = platform.client.post("/v1/risk/events", json=event(2, minutes=1), headers=headers)
    assert live.engine() is engine  # it changed nothing: no rebuild of the windows
    assert late.status_code == 422, late.text
    assert (late.json()["field"], late.json()["rule"]) == ("occurred_at", "within_allowed_lateness")
    assert late.json()["code"] == "FB-RISK-LATE-EVENT"
    # In a batch the whole batch is refused and the event is named.
    batch = [event(3, customer="C2", minutes=5), event(4, minutes=2)]
    r = platform.client.post("/v1/risk/events/batch", json={"events": batch}, headers=headers)
    assert r.status_code == 422 and r.json()["field"] == "events[1].occurred_at"
    # A clock an hour fast is refused before anything is counted.
    ahead = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    r = platform.client.post(
        "/v1/risk/events", json={**event(5), "occurred_at": ahead}, headers=headers
    )
    assert r.status_code == 422 and r.json()["rule"] == "not_in_the_future"
    # Within one group commit, a refused request does not take the others down with it.
    hub = service.RiskHub(platform.db, platform.settings)
    try:
        tenant = hub.tenant(tenant_id)
        good = service._Work([parse_event(event(6, customer="C3", minutes=70))], None, None)
        bad = service._Work([parse_event(event(7, minutes=3))], None, None)
        tenant.call(lambda t: t._write([bad, good]))
        assert good.future.result(timeout=10)[0].duplicate is False
        # ... and in a batch, the late request fails alone as well.
        batch_bad = service._Work(
            [parse_event(event(20, minutes=4)), parse_event(event(21, customer="C4", minutes=80))],
            None,
            None,
        )
        after = service._Work([parse_event(event(22, customer="C5", minutes=80))], None, None)
        tenant.call(lambda t: t._write([batch_bad, after]))
        assert after.future.result(timeout=10)[0].duplicate is False
        with pytest.raises(FinbrainError) as refused:
            batch_bad.future.result(timeout=10)
        assert refused.value.field == "events[0].occurred_at"
        with pytest.raises(Exception, match="occurred_at"):
            bad.future.result(timeout=10)
    finally:
        hub.stop()
    with platform.db.tenant(tenant_id, write=False) as session:
        stored = set(session.scalars(select(RiskEvent.event_id)))
    assert stored == {"E000001", "E000006", "E000022"}
    # The card's count is exact after all the refusals: only E1 before this one.
    after = platform.client.post("/v1/risk/events", json=event(8, minutes=80), headers=headers)
    assert after.status_code == 201
    stream = platform.client.get("/v1/risk/events?limit=1", headers=headers).json()["items"]
    assert stream[0]["body"]["features"]["cust_count_1d"] == 2


def test_a_snapshot_built_from_the_log_is_the_live_windows(platform: Platform) -> None:
    """The builder process's snapshot (restore + replay of the committed log + labels) is the
    very state of the live engine after the same events."""
    from finbrain.platform.risk import snapshots as risk_snapshots

    tenant_id, headers = _headers(platform)
    first = [event(i, customer=f"C{i % 3}") for i in range(1, 30)]
    platform.client.post("/v1/risk/events/batch", json={"events": first}, headers=headers)
    assert risk_snapshots.build(platform.settings, tenant_id) is not None  # seq 29, from nothing
    more = [event(i, customer=f"C{i % 3}") for i in range(30, 45)]
    platform.client.post("/v1/risk/events/batch", json={"events": more}, headers=headers)
    labelled = platform.client.post(
        "/v1/risk/labels",
        json={"labels": [{"event_id": "E000031", "is_fraud": True}]},
        headers=headers,
    )
    assert labelled.status_code < 300, labelled.text
    seq = risk_snapshots.build(platform.settings, tenant_id)  # from seq 29: replay + label
    tenant = platform.client.app.state.risk.tenant(tenant_id)  # type: ignore[attr-defined]
    live = tenant.call(lambda t: t.engine().snapshot())
    with platform.db.tenant(tenant_id, write=False) as session:
        stored = session.get(RiskSnapshot, (tenant_id, seq))
        assert stored is not None
        assert stored.state == live
    assert risk_snapshots.build(platform.settings, tenant_id) is None  # nothing new


def test_the_follower_keeps_snapshots_of_the_live_windows(platform: Platform) -> None:
    """The follower restores once and then only replays what is new: each of its snapshots is
    the live engine's windows at that point, labels included."""
    from finbrain.platform.risk import snapshots as risk_snapshots

    tenant_id, headers = _headers(platform)
    tenant = platform.client.app.state.risk.tenant(tenant_id)  # type: ignore[attr-defined]
    follower = risk_snapshots.Follower(platform.settings, tenant_id)
    try:
        for first, last, labelled in ((1, 30, "E000007"), (30, 45, "E000031")):
            batch = [event(i, customer=f"C{i % 3}") for i in range(first, last)]
            platform.client.post("/v1/risk/events/batch", json={"events": batch}, headers=headers)
            label = {"labels": [{"event_id": labelled, "is_fraud": True}]}
            assert platform.client.post("/v1/risk/labels", json=label, headers=headers).is_success
            assert follower.catch_up() == last - first and follower.catch_up() == 0
            seq = follower.snapshot()
            live = tenant.call(lambda t: t.engine().snapshot())
            with platform.db.tenant(tenant_id, write=False) as session:
                stored = session.get(RiskSnapshot, (tenant_id, seq))
                assert stored is not None and stored.state == live
    finally:
        follower.close()


def test_a_request_that_gives_up_leaves_its_group_whole(sqlite_platform: Platform) -> None:
    """Coroutines await their answers on the loop (``decide``): one that gives up before its
    group is written only drops its own wait. Its event is still decided once, and the other
    requests of the group get their answers."""
    import asyncio
    import threading

    tenant_id, _ = sqlite_platform.new_tenant()
    hub = service.RiskHub(sqlite_platform.db, sqlite_platform.settings)

    async def scenario() -> list[Any]:
        tenant = hub.tenant(tenant_id)
        await tenant.decide([parse_event(event(1))], None, None)  # the engine is loaded
        calls = [tenant.decide([parse_event(event(n))], None, f"req-{n}") for n in (2, 3, 4)]
        tasks = [asyncio.ensure_future(c) for c in calls]
        await asyncio.sleep(0)  # all three are in the inbox, none written (the group waits)
        tasks[1].cancel()
        return await asyncio.gather(*tasks, return_exceptions=True)

    # A thread of its own: a test before may leave a loop running on this one (Playwright's).
    outcome: list[list[Any]] = []
    runner = threading.Thread(target=lambda: outcome.append(asyncio.run(scenario())))
    try:
        runner.start()
        runner.join(timeout=60)
    finally:
        hub.stop()
    two, three, four = outcome[0]
    assert isinstance(three, asyncio.CancelledError)
    assert two[0].event_id == "E000002" and four[0].event_id == "E000004"
    with sqlite_platform.db.tenant(tenant_id, write=False) as session:
        stored = session.scalars(select(RiskEvent.event_id).order_by(RiskEvent.seq)).all()
    assert stored == ["E000001", "E000002", "E000003", "E000004"]
