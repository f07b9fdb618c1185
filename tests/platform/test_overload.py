"""Overload: concurrent requests never leave the server stuck (issue 14, item 1).

The event loop that stages the risk group commits must never wait for a lock a request may
hold while that request needs the loop to reach its commit.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn

from finbrain.platform.ledger import TenantLedger, try_lock_head
from tests.conftest import Platform

KINDS = ("me", "decisions", "risk", "credit")


@dataclass
class Answer:
    kind: str
    status: int  # 0: no answer (timeout, connection error)
    seconds: float
    retry_after: str | None = None
    content_type: str = ""
    code: str | None = None


@dataclass
class Caller:
    """One tenant's key and the request mix it sends."""

    name: str
    key: str
    applicants: list[dict[str, Any]]

    def request(self, n: int) -> tuple[str, str, str, dict[str, Any] | None]:
        kind = KINDS[n % len(KINDS)]
        if kind == "me":
            return kind, "GET", "/v1/me", None
        if kind == "decisions":
            return kind, "GET", "/v1/decisions?limit=20", None
        if kind == "risk":
            return kind, "POST", "/v1/risk/events", _event(f"{self.name}-{n}", n)
        features = self.applicants[n % len(self.applicants)]
        body = {"applicant_id": f"{self.name}-{n}", "features": features}
        return kind, "POST", "/v1/credit/score", body

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}", "Accept-Language": "en"}

    def call(self, client: httpx.Client, n: int) -> Answer:
        kind, method, path, body = self.request(n)
        started = time.perf_counter()
        try:
            r = client.request(method, path, json=body, headers=self.headers())
        except httpx.HTTPError:
            return Answer(kind, 0, time.perf_counter() - started)
        return _answer(kind, r, time.perf_counter() - started)

    async def acall(self, client: httpx.AsyncClient, n: int) -> Answer:
        kind, method, path, body = self.request(n)
        started = time.perf_counter()
        try:
            r = await client.request(method, path, json=body, headers=self.headers())
        except httpx.HTTPError:
            return Answer(kind, 0, time.perf_counter() - started)
        return _answer(kind, r, time.perf_counter() - started)


def _event(event_id: str, n: int) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "kind": "card",
        # now: a burst's events arrive in time order within seconds (lateness allows minutes)
        "occurred_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "amount": f"{10 + n % 500}.50",
        "currency": "CNY",
        "customer_id": f"C{n % 50}",
        "card_id": f"card-{n % 50}",
        "terminal_id": f"T{n % 7}",
        "channel": "pos",
    }


def _answer(kind: str, r: httpx.Response, seconds: float) -> Answer:
    code = None
    if r.status_code >= 400:
        try:
            code = r.json().get("code")
        except ValueError:
            code = None
    return Answer(
        kind,
        r.status_code,
        seconds,
        r.headers.get("retry-after"),
        r.headers.get("content-type", ""),
        code,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_event_loop_tries_the_write_lock_and_the_ledger_head_without_waiting(
    platform: Platform,
) -> None:
    tenant_id, _ = platform.new_tenant()
    db = platform.db
    with db.tenant(tenant_id) as session:  # the head row exists once the log has an entry
        TenantLedger(session, tenant_id, db.settings).append([(b"{}", None)])
    holder = db.session()
    db.begin(holder, write=True)
    db.scope_tenant(holder, tenant_id)
    assert try_lock_head(holder, tenant_id)
    trier = db.session()
    try:
        started = time.perf_counter()
        ready = db.try_begin_write(trier)
        if ready:  # PostgreSQL: rows lock one by one
            db.scope_tenant(trier, tenant_id)
            ready = try_lock_head(trier, tenant_id)
        assert not ready and time.perf_counter() - started < 0.5
    finally:
        trier.close()
        holder.close()
    trier = db.session()
    try:
        assert db.try_begin_write(trier)
        db.scope_tenant(trier, tenant_id)
        assert try_lock_head(trier, tenant_id)
    finally:
        trier.close()


@contextmanager
def in_thread(platform: Platform) -> Iterator[str]:
    """The platform's application under uvicorn on a thread of this process."""
    port = _free_port()
    # No lifespan: the platform fixture stops the risk hub itself (a second stop would wait).
    config = uvicorn.Config(
        platform.client.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_a_risk_event_waits_for_a_held_lock_without_holding_up_the_server(
    platform: Platform,
) -> None:
    """A request's transaction may hold the lock a risk group needs (SQLite's write lock, the
    ledger's head row) and need the event loop to reach its commit: the group must wait for
    it off the loop. Here a transaction of the test holds it for a while."""
    tenant_id, key = platform.new_tenant()
    caller = Caller("t", key, [])
    db = platform.db
    with in_thread(platform) as url, httpx.Client(base_url=url, timeout=15) as client:
        assert caller.call(client, 2).status == 201  # the engine is loaded: loop path
        holder = db.session()
        db.begin(holder, write=True)
        db.scope_tenant(holder, tenant_id)
        assert try_lock_head(holder, tenant_id)
        scored: list[Answer] = []
        try:
            scoring = threading.Thread(target=lambda: scored.append(caller.call(client, 6)))
            scoring.start()
            time.sleep(0.3)
            probes = []
            for _ in range(5):
                started = time.perf_counter()
                assert client.get("/v1/me", headers=caller.headers()).status_code == 200
                probes.append(time.perf_counter() - started)
            assert max(probes) < 0.5, probes  # before: the loop stood still till the release
            assert not scored  # still waiting for the lock
        finally:
            holder.close()
        scoring.join(timeout=15)
        assert scored and scored[0].status == 201, scored
