"""Overload: a burst of concurrent requests never exhausts the connection pool (no 500s), one
tenant's burst does not stall another tenant, and the event loop that stages the risk group
commits never waits for a lock a request may hold while it needs the loop (issue 14, item 1).

The load test runs a real server in its own process (``finbrain serve``), so the clients here
do not share its interpreter lock: a loud tenant keeps 196 requests in flight (reads, risk
events, credit scores) while a quiet tenant sends 4 streams of the same mix, measured first on
the idle server and then during the burst. The parts (admission's slots, the 503 problem, the
loop's lock tries) are tested on their own below it.
"""

from __future__ import annotations

import asyncio
import math
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from finbrain.core.errors import OverloadedError
from finbrain.datasets import load_german
from finbrain.platform import registry
from finbrain.platform.api.admission import Admission, Slots
from finbrain.platform.credit import service as credit
from finbrain.platform.ledger import TenantLedger, try_lock_head
from tests.conftest import Platform

LOUD_WORKERS = 196  # requests the loud tenant keeps in flight
QUIET_STREAMS = 4  # the quiet tenant's concurrent streams (sequential requests each)
QUIET_PER_STREAM = 25  # 100 samples: p99 is the second slowest
# The quiet tenant's p99 under the burst may be this multiple of its idle p99, plus a floor
# for the shared 2-core test machine. Measured there: 0.4-0.8 s with idle p99s of 0.05-0.27 s;
# before the fix every request waited for the pool's 30 s timeout (or for good on PostgreSQL),
# and with one first-come queue for all tenants instead of the fair one, 1.4-3.4 s.
P99_FACTOR = 5.0
P99_FLOOR_S = 0.5
ANSWER_WITHIN_S = 10.0  # every request of either tenant, 503s included
CLIENT_TIMEOUT_S = 15.0
PHASE_S = 30.0  # a phase that has not finished by then has failed
KINDS = ("me", "decisions", "risk", "credit")


@pytest.fixture(scope="module")
def trained() -> tuple[Any, ...]:
    """A German scorecard, its metrics and 20 applicants to score with it."""
    data = load_german()
    X, y = data.drop(columns=["creditability"]), data["creditability"]
    card, metrics, _ = credit.train(X, y)
    return card, metrics, X.head(20).to_dict(orient="records")


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


def p99(answers: list[Answer]) -> float:
    """Nearest-rank 99th percentile of the latencies."""
    ordered = sorted(a.seconds for a in answers)
    return ordered[math.ceil(0.99 * len(ordered)) - 1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(platform: Platform, log: Path) -> Iterator[str]:
    """``finbrain serve`` in its own process on the platform's database."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINBRAIN_")}
    if "FINBRAIN_DATA_DIR" in os.environ:
        env["FINBRAIN_DATA_DIR"] = os.environ["FINBRAIN_DATA_DIR"]
    env.update(
        FINBRAIN_HOME=str(platform.settings.home),
        FINBRAIN_DATABASE_URL=platform.settings.effective_database_url,
        FINBRAIN_RATE_LIMIT_PER_SECOND="100000",
        FINBRAIN_RATE_LIMIT_BURST="100000",
        FINBRAIN_WARM_SANCTIONS_INDEX="false",
        FINBRAIN_LOG_LEVEL="WARNING",
        PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"),
    )
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "finbrain.cli.main", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _quiet(url: str, caller: Caller, first: int) -> list[Answer]:
    """The quiet tenant: QUIET_STREAMS streams of sequential requests (a stream still short of
    its count after PHASE_S gives up: the missing answers fail the test)."""
    deadline = time.monotonic() + PHASE_S

    def stream(s: int) -> list[Answer]:
        out: list[Answer] = []
        with httpx.Client(base_url=url, timeout=CLIENT_TIMEOUT_S) as client:
            start = first + s * QUIET_PER_STREAM
            for n in range(start, start + QUIET_PER_STREAM):
                if time.monotonic() > deadline:
                    break
                out.append(caller.call(client, n))
        return out

    with ThreadPoolExecutor(QUIET_STREAMS) as pool:
        return [a for answers in pool.map(stream, range(QUIET_STREAMS)) for a in answers]


class Loud(threading.Thread):
    """The loud tenant: LOUD_WORKERS requests in flight until told to stop (it does not wait
    out Retry-After: an unfriendly client)."""

    def __init__(self, url: str, caller: Caller) -> None:
        super().__init__(daemon=True)
        self.url, self.caller = url, caller
        self.answers: list[Answer] = []
        self.stop = threading.Event()
        self.busy = threading.Event()  # set once the burst is answered at full strength

    def run(self) -> None:
        self.answers = asyncio.run(self._burst())

    async def _burst(self) -> list[Answer]:
        limits = httpx.Limits(max_connections=LOUD_WORKERS, max_keepalive_connections=0)
        deadline = time.monotonic() + 2 * PHASE_S
        answered = 0
        async with httpx.AsyncClient(
            base_url=self.url, timeout=CLIENT_TIMEOUT_S, limits=limits
        ) as client:

            async def worker(w: int) -> list[Answer]:
                nonlocal answered
                out: list[Answer] = []
                n = 1_000_000 + w * 10_001  # each worker starts on its own kind
                while not self.stop.is_set() and time.monotonic() < deadline:
                    answer = await self.caller.acall(client, n)
                    out.append(answer)
                    n += 1
                    answered += 1
                    if answered >= LOUD_WORKERS:
                        self.busy.set()
                    if answer.status == 503:
                        await asyncio.sleep(float(answer.retry_after or 1))
                return out

            results = await asyncio.gather(*(worker(w) for w in range(LOUD_WORKERS)))
        return [a for answers in results for a in answers]


def _champion(platform: Platform, tenant_id: str, trained: Any) -> None:
    card, metrics, _ = trained
    with platform.db.tenant(tenant_id) as session:
        row = credit.register_scorecard(session, tenant_id, card, metrics, "german")
        registry.promote(session, row.id)


@pytest.mark.slow
def test_a_burst_is_answered_in_seconds_and_does_not_stall_another_tenant(
    platform: Platform, trained: Any, tmp_path: Path
) -> None:
    rows = trained[2]
    callers = []
    for name in ("loud", "quiet"):
        tenant_id, key = platform.new_tenant(f"{name} bank")
        _champion(platform, tenant_id, trained)
        callers.append(Caller(name, key, rows))
    loud, quiet = callers
    with serve(platform, tmp_path / "server.log") as url:
        with httpx.Client(base_url=url, timeout=CLIENT_TIMEOUT_S) as client:
            for caller in callers:  # first use: models and risk engines load
                for n in range(len(KINDS)):
                    warm = caller.call(client, n)
                    assert warm.status in (200, 201), (caller.name, warm)
        idle = _quiet(url, quiet, 100)
        burst = Loud(url, loud)
        burst.start()
        try:
            burst.busy.wait(timeout=PHASE_S)
            started = time.perf_counter()
            during = _quiet(url, quiet, 1_000)
            quiet_seconds = time.perf_counter() - started
        finally:
            burst.stop.set()
            burst.join(timeout=60)
    loud_answers = burst.answers
    statuses = Counter(a.status for a in loud_answers)
    served = sorted(a.seconds for a in loud_answers if a.status in (200, 201))
    summary = (
        f"{platform.backend}: loud {len(loud_answers)} answers {dict(statuses)}, "
        f"median {served[len(served) // 2]:.2f} s, "
        f"max {max(a.seconds for a in loud_answers):.2f} s; quiet idle p99 {p99(idle):.3f} s, "
        f"during p99 {p99(during):.3f} s (max {max(a.seconds for a in during):.3f} s) "
        f"over {quiet_seconds:.2f} s; slowest during, by kind: "
        + ", ".join(f"{k} {max(a.seconds for a in during if a.kind == k):.3f} s" for k in KINDS)
    )
    print(summary)
    if any(a.status not in (200, 201, 503) for a in [*idle, *during, *loud_answers]):
        print((tmp_path / "server.log").read_text()[-5000:])  # the server's side of it
    assert len(idle) == len(during) == QUIET_STREAMS * QUIET_PER_STREAM, summary
    assert all(a.status in (200, 201) for a in idle), summary
    assert len(loud_answers) >= LOUD_WORKERS, summary
    # No 500s, no timeouts: the loud tenant gets answers or fast 503s with Retry-After.
    assert set(statuses) <= {200, 201, 503}, summary
    for a in loud_answers:
        assert a.seconds < ANSWER_WITHIN_S, summary
        if a.status == 503:
            assert a.content_type.startswith("application/problem+json"), a
            assert a.code == "FB-OVERLOADED" and a.retry_after and int(a.retry_after) >= 1, a
    # The quiet tenant is never refused, and barely slowed.
    assert all(a.status in (200, 201) for a in during), summary
    assert p99(during) <= P99_FACTOR * p99(idle) + P99_FLOOR_S, summary


# -- the parts: admission, the write turn, locks the event loop must not wait for ----------------
def run_async(make: Callable[[], Awaitable[Any]]) -> Any:
    """Run a coroutine on an event loop of its own thread (the main thread may host one)."""
    out: list[Any] = []

    def run() -> None:
        async def main() -> Any:
            return await make()

        out.append(asyncio.run(main()))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    return out[0]


def test_slots_bound_each_lane_and_give_a_freed_slot_to_the_lane_with_fewest() -> None:
    async def scenario() -> list[str]:
        slots = Slots(2, 2, wait_seconds=5, queue_per_lane=10)
        granted: list[str] = []

        async def enter(name: str, lane: str) -> None:
            await slots.enter(lane)
            granted.append(name)

        await enter("a1", "A")
        await enter("a2", "A")
        waiting = [asyncio.create_task(enter(f"a{i}", "A")) for i in (3, 4, 5)]
        await asyncio.sleep(0.01)
        waiting.append(asyncio.create_task(enter("b1", "B")))  # B arrives after A's queue
        await asyncio.sleep(0.01)
        assert granted == ["a1", "a2"] and slots.waiting("A") == 3 and slots.waiting("B") == 1
        slots.leave("A")  # A has 1 at work, B none: B's turn, though A waited longer
        await asyncio.sleep(0.01)
        slots.leave("A")
        await asyncio.sleep(0.01)
        slots.leave("B")  # A 1, B 0 at work, only A waits: A's next
        await asyncio.sleep(0.01)
        assert slots.working("A") == 2 and slots.working() == 2 and slots.waiting("A") == 1
        for _ in range(3):
            slots.leave("A")
            await asyncio.sleep(0.01)
        await asyncio.gather(*waiting)
        assert slots.working() == 0
        return granted

    assert run_async(scenario) == ["a1", "a2", "b1", "a3", "a4", "a5"]


def test_a_full_queue_is_refused_at_once_and_a_wait_past_its_budget_in_time() -> None:
    async def scenario() -> None:
        slots = Slots(1, 1, wait_seconds=0.2, queue_per_lane=1)
        await slots.enter("A")
        waiter = asyncio.create_task(slots.enter("A"))
        await asyncio.sleep(0.01)
        started = time.perf_counter()
        with pytest.raises(OverloadedError) as full:
            await slots.enter("A")
        assert time.perf_counter() - started < 0.05
        assert full.value.rule == "tenant_request_queue" and full.value.retry_after >= 1
        with pytest.raises(OverloadedError) as late:
            await waiter
        assert late.value.rule == "request_queue_seconds"
        assert time.perf_counter() - started >= 0.15
        slots.leave("A")
        assert slots.working() == 0 and slots.waiting("A") == 0  # the late one took nothing
        await slots.enter("B")  # at once
        slots.leave("B")

    run_async(scenario)


def test_a_waiter_that_gives_up_takes_no_slot_and_one_granted_gives_it_back() -> None:
    async def scenario() -> None:
        slots = Slots(1, 1, wait_seconds=5, queue_per_lane=10)
        await slots.enter("A")
        gone = asyncio.create_task(slots.enter("B"))
        await asyncio.sleep(0.01)
        gone.cancel()  # the client left while waiting
        with pytest.raises(asyncio.CancelledError):
            await gone
        slots.leave("A")
        assert slots.working() == 0
        await slots.enter("A")
        granted = asyncio.create_task(slots.enter("B"))
        await asyncio.sleep(0.01)
        slots.leave("A")  # B's slot is granted; B leaves before it runs
        granted.cancel()
        with pytest.raises(asyncio.CancelledError):
            await granted
        assert slots.working() == 0 and slots.working("B") == 0

    run_async(scenario)


def test_a_writer_on_sqlite_also_waits_for_the_write_turn_within_the_same_budget() -> None:
    async def scenario() -> None:
        admission = Admission(Slots(4, 4, 0.2, 10), Slots(1, 1, 0.2, 10))
        async with admission.turn("A", writes=True):
            async with admission.turn("B", writes=False):  # readers need no write turn
                pass
            started = time.perf_counter()
            with pytest.raises(OverloadedError):
                async with admission.turn("B", writes=True):
                    pass
            assert 0.15 <= time.perf_counter() - started < 1.0
        assert admission.requests.working() == 0 and admission.writes.working() == 0  # type: ignore[union-attr]

    run_async(scenario)


def test_overload_is_a_bilingual_503_problem_with_retry_after(platform: Platform) -> None:
    _, key = platform.new_tenant()
    app: Any = platform.client.app
    full = Slots(1, 1, wait_seconds=0, queue_per_lane=0)
    app.state.admission = Admission(full)
    run_async(lambda: full.enter("someone else"))  # the only slot is taken
    for lang, word in (("en", "busy"), ("zh", "繁忙")):
        r = platform.client.get(
            "/v1/me", headers={"Authorization": f"Bearer {key}", "Accept-Language": lang}
        )
        assert r.status_code == 503 and r.headers["retry-after"] == "1"
        assert r.headers["content-type"].startswith("application/problem+json")
        body = r.json()
        assert body["code"] == "FB-OVERLOADED" and body["rule"] == "tenant_request_queue"
        assert word in body["title"] and body["detail"] and body["request_id"]
    full.leave("someone else")
    assert platform.client.get("/v1/me", headers={"Authorization": f"Bearer {key}"}).is_success


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
