"""The scoring lane answers ``POST /v1/risk/events`` exactly as the full application does.

Two platforms, one with the lane (the default) and one without, get the same requests; their
answers must agree on everything but the identifiers that differ by nature (tenant, decision
and request ids, times, signatures). A spy on the application behind the lane shows which
requests the lane kept for itself and which it handed on.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from finbrain.platform import tenancy
from finbrain.platform.risk.lane import ScoringLane
from tests.conftest import Platform, make_platform
from tests.platform.test_risk_api import event


class Spy:
    """Counts the requests that reach the application behind the lane."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.paths: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.paths.append(scope["path"])
        await self.app(scope, receive, send)


def _lane_spy(platform: Platform) -> Spy:
    platform.client.get("/healthz")  # builds the middleware stack
    node: Any = platform.client.app
    node = node.middleware_stack
    while not isinstance(node, ScoringLane):
        node = node.app
    spy = Spy(node.app)
    node.app = spy
    return spy


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Platform, Platform]]:
    limits = {"rate_limit_burst": 40, "rate_limit_per_second": 0.001}
    lane = make_platform("sqlite", tmp_path / "lane", None, **limits)
    full = make_platform("sqlite", tmp_path / "full", None, **limits, risk_fast_lane=False)
    try:
        yield lane, full
    finally:
        for p in (lane, full):
            p.client.close()
            p.db.dispose()


VOLATILE = {"id", "tenant_id", "request_id", "created_at", "receipt", "input_digest", "instance"}


def _shape(value: Any) -> Any:
    """The answer without what differs between two platforms by nature."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return value


def test_the_lane_answers_as_the_application_does(
    pair: tuple[Platform, Platform], monkeypatch: pytest.MonkeyPatch
) -> None:
    lane, full = pair
    monkeypatch.setattr(tenancy, "AUTH_CACHE_TTL", 600.0)  # a slow machine must not miss it
    spy = _lane_spy(lane)
    keys = {}
    for p in (lane, full):
        _, admin = p.new_tenant()
        _, reader = p.new_tenant(scopes=["risk:cases"])
        keys[id(p)] = ({"Authorization": f"Bearer {admin}"}, {"Authorization": f"Bearer {reader}"})
    requests: list[tuple[str, dict[str, Any], str, dict[str, str]]] = [
        ("/v1/risk/events", event(1), "admin", {}),  # first use of the key: the application
        ("/v1/risk/events", event(2), "admin", {"X-Request-ID": "req-2"}),  # the lane
        ("/v1/risk/events", event(2), "admin", {}),  # a retry: the stored decision, 200
        ("/v1/risk/events", event(3, amount="-5"), "admin", {}),  # parse_event refuses
        ("/v1/risk/events", {**event(4), "currency": None}, "admin", {}),  # the schema refuses
        ("/v1/risk/events", {**event(5), "surprise": 1}, "admin", {}),  # unknown field
        ("/v1/risk/events", event(6, minutes=10**6), "admin", {}),  # in the future
        ("/v1/risk/events", event(7, minutes=200), "admin", {}),
        ("/v1/risk/events", event(8, minutes=100), "admin", {}),  # too late for its card
        ("/v1/risk/events?verbose=1", event(9), "admin", {}),  # unknown query parameter
        ("/v1/risk/events", event(10), "reader", {}),  # the key lacks risk:score
        ("/v1/risk/events", event(11), "reader", {}),  # ... cached now: the lane refuses it
        ("/v1/risk/events", event(12), "none", {}),  # no key at all
    ]
    answers: dict[int, list[tuple[int, Any, dict[str, str]]]] = {id(lane): [], id(full): []}
    for p in (lane, full):
        admin, reader = keys[id(p)]
        for path, body, who, extra in requests:
            auth = {"admin": admin, "reader": reader, "none": {}}[who]
            got = p.client.post(path, json=body, headers={**auth, **extra})
            answers[id(p)].append((got.status_code, got.json(), dict(got.headers)))
    for i, (mine, theirs) in enumerate(zip(answers[id(lane)], answers[id(full)], strict=True)):
        assert mine[0] == theirs[0], (i, mine[1], theirs[1])
        assert _shape(mine[1]) == _shape(theirs[1]), i
        for header in ("content-type", "content-language", "www-authenticate"):
            assert mine[2].get(header) == theirs[2].get(header), (i, header)
        assert mine[2]["x-request-id"]
    statuses = [status for status, _, _ in answers[id(lane)]]
    assert statuses == [201, 201, 200, 422, 422, 422, 422, 201, 422, 422, 403, 403, 401]
    assert answers[id(lane)][1][2]["x-request-id"] == "req-2"
    assert answers[id(lane)][8][1]["code"] == "FB-RISK-LATE-EVENT"
    # The lane kept the cached keys' well-formed requests (7 of 13); it handed on each key's
    # first use (2), the schema's refusals (2), the query string and the missing key.
    assert len(spy.paths) == 6


@pytest.mark.slow  # over a second on this machine: make test runs it
def test_the_lane_applies_the_rate_limit(pair: tuple[Platform, Platform]) -> None:
    lane, full = pair
    results = {}
    for p in (lane, full):
        _, admin = p.new_tenant()
        headers = {"Authorization": f"Bearer {admin}"}
        statuses = [
            p.client.post("/v1/risk/events", json=event(n), headers=headers).status_code
            for n in range(1, 46)
        ]
        limited = p.client.post("/v1/risk/events", json=event(99), headers=headers)
        results[id(p)] = (statuses, limited.status_code, limited.headers.get("retry-after"))
    assert results[id(lane)][1] == results[id(full)][1] == 429
    assert results[id(lane)][0] == results[id(full)][0]
    assert results[id(lane)][2] is not None and results[id(full)][2] is not None
