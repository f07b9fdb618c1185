"""The risk engines in a process of their own (``risk_engine_process``) answer as in-process.

Two platforms, one scoring in-process and one through its engine process, get the same
requests (events, a retry, refusals, a batch, a rule published live, a label); their answers
must agree on everything but the identifiers that differ by nature. Then the engine process is
killed mid-stream: the next request brings up a new one, which restarts from the log, and a
retried event is never counted twice.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from finbrain.platform.risk_process import EngineProcessHub
from finbrain.platform.store.models import RiskEvent, RiskSnapshot
from tests.conftest import Platform, make_platform
from tests.platform.test_risk_api import event
from tests.platform.test_scoring_lane import VOLATILE

RULES = {
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


TIMES = {"published_at", "opened_at", "updated_at", "closed_at", "case_id"}


def _shape(value: Any) -> Any:
    """The answer without what differs between two platforms by nature."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items() if k not in VOLATILE | TIMES}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return value


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Platform, Platform]]:
    inside = make_platform("sqlite", tmp_path / "inside", None)
    apart = make_platform("sqlite", tmp_path / "apart", None, risk_engine_process=True)
    try:
        yield inside, apart
    finally:
        for p in (inside, apart):
            p.client.close()
            p.db.dispose()


def _requests() -> list[tuple[str, str, Any]]:
    return [
        ("post", "/v1/risk/events", event(1)),
        ("post", "/v1/risk/events", event(2)),
        ("post", "/v1/risk/events", event(2)),  # a retry: the stored decision, 200
        ("post", "/v1/risk/events", event(3, amount="-5")),  # parse_event refuses
        ("post", "/v1/risk/events", event(4, minutes=10**6)),  # in the future
        ("post", "/v1/risk/events", event(5, minutes=200)),
        ("post", "/v1/risk/events", event(6, minutes=100)),  # too late for its card
        ("post", "/v1/risk/events/batch", {"events": [event(n, minutes=200 + n) for n in (7, 8)]}),
        ("post", "/v1/risk/rules", RULES),  # published live, in the engine process too
        ("post", "/v1/risk/events", event(9, amount="6000.00", minutes=300)),  # blocked: a case
        ("post", "/v1/risk/labels", {"labels": [{"event_id": "E000001", "is_fraud": True}]}),
        ("post", "/v1/risk/events", event(10, minutes=301)),
        ("get", "/v1/risk/cases?status=open", None),
    ]


def test_the_engine_process_answers_as_in_process(pair: tuple[Platform, Platform]) -> None:
    inside, apart = pair
    assert isinstance(apart.client.app.state.risk, EngineProcessHub)  # type: ignore[attr-defined]
    answers: dict[int, list[tuple[int, Any]]] = {}
    tenants: dict[int, str] = {}
    for p in pair:
        with p.client:  # the lifespan: the engine process starts, and stops at the end
            tenants[id(p)], key = p.new_tenant()
            headers = {"Authorization": f"Bearer {key}"}
            answers[id(p)] = []
            for method, path, body in _requests():
                got = p.client.request(method, path, json=body, headers=headers)
                answers[id(p)].append((got.status_code, got.json()))
    for i, (mine, theirs) in enumerate(zip(answers[id(apart)], answers[id(inside)], strict=True)):
        assert mine[0] == theirs[0], (i, mine[1], theirs[1])
        assert _shape(mine[1]) == _shape(theirs[1]), i
    statuses = [status for status, _ in answers[id(apart)]]
    assert statuses == [201, 201, 200, 422, 422, 201, 422, 200, 201, 201, 200, 201, 200]
    assert answers[id(apart)][6][1]["code"] == "FB-RISK-LATE-EVENT"
    assert answers[id(apart)][4][1]["field"] == "occurred_at"
    assert answers[id(apart)][9][1]["decision"]["reasons"][0]["code"] == "R-LARGE"
    # The final snapshots, taken at shutdown from each live engine, are the same windows:
    # the label reached the engine process's windows too (a snapshot holds the labels).
    blobs = []
    for p in pair:
        with p.db.tenant(tenants[id(p)], write=False) as session:
            blobs.append(session.scalars(select(RiskSnapshot.state)).one())
    assert blobs[0] == blobs[1]


def test_a_killed_engine_process_is_replaced_and_counts_nothing_twice(tmp_path: Path) -> None:
    p = make_platform("sqlite", tmp_path, None, risk_engine_process=True)
    with p.client:
        tenant_id, key = p.new_tenant()
        headers = {"Authorization": f"Bearer {key}"}
        for n in range(1, 6):
            assert p.client.post("/v1/risk/events", json=event(n), headers=headers).is_success
        hub: EngineProcessHub = p.client.app.state.risk  # type: ignore[attr-defined]
        process = hub._process
        assert process is not None and process.pid is not None
        os.kill(process.pid, signal.SIGKILL)
        process.join(10)
        # The requests after the kill: the first brings up a new engine process, which
        # reloads the windows from the log; retried events get their stored decisions.
        again = p.client.post("/v1/risk/events", json=event(5), headers=headers)
        assert again.status_code == 200 and again.json()["duplicate"] is True
        fresh = p.client.post("/v1/risk/events", json=event(6), headers=headers)
        assert fresh.status_code == 201, fresh.text
        features = fresh.json()["decision"]["reasons"]
        assert features
        assert hub._process is not process and hub._process is not None
        stream = p.client.get("/v1/risk/events?limit=1", headers=headers).json()["items"]
        assert stream[0]["body"]["features"]["cust_count_1d"] == 6  # five before it, once each
    with p.db.tenant(tenant_id, write=False) as session:
        assert session.scalar(select(func.count()).select_from(RiskEvent)) == 6
        # The clean shutdown took the engine process's final snapshot.
        assert session.scalar(select(func.max(RiskSnapshot.seq))) == 6
    p.db.dispose()
