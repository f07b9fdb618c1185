"""Per-key quotas: embedded and Redis-backed limiters agree; the API answers 429 + Retry-After."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from finbrain.core.errors import RateLimitedError
from finbrain.platform.ratelimit import MemoryRateLimiter, RedisRateLimiter
from tests.conftest import make_platform


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_memory_limiter_allows_burst_then_rate() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(rate=10, burst=5, clock=clock)
    for _ in range(5):
        limiter.hit("k")
    with pytest.raises(RateLimitedError) as info:
        limiter.hit("k")
    assert 0 < info.value.retry_after <= 0.1 + 1e-9
    limiter.hit("other")  # keys have separate quotas
    clock.now += 0.1
    limiter.hit("k")
    with pytest.raises(RateLimitedError):
        limiter.hit("k")


@pytest.mark.redis
def test_redis_limiter_shares_quota_between_processes(redis_server: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_server)
    prefix = f"finbrain:test:{secrets.token_hex(4)}:"
    try:
        # Two limiters = two API processes behind a load balancer, one quota.
        a = RedisRateLimiter(client, rate=1, burst=4, prefix=prefix)
        b = RedisRateLimiter(client, rate=1, burst=4, prefix=prefix)
        for limiter in (a, b, a, b):
            limiter.hit("key1")
        with pytest.raises(RateLimitedError) as info:
            b.hit("key1")
        assert 0 < info.value.retry_after <= 1.0
        a.hit("key2")
        assert client.pttl(prefix + "key1") > 0  # state expires on its own
    finally:
        for k in client.scan_iter(prefix + "*"):
            client.delete(k)
        client.close()


@pytest.mark.redis
def test_api_returns_429_with_retry_after(redis_server: str, tmp_path: Path) -> None:
    p = make_platform(
        "sqlite",
        tmp_path,
        None,
        rate_limit_per_second=1.0,
        rate_limit_burst=3,
        redis_url=redis_server,
    )
    try:
        _, key = p.new_tenant()
        h = {"Authorization": f"Bearer {key}"}
        statuses = [p.client.get("/v1/me", headers=h).status_code for _ in range(5)]
        assert statuses[:3] == [200, 200, 200] and statuses[-1] == 429
        r = p.client.get("/v1/me", headers=h)
        assert r.json()["code"] == "FB-RATE-LIMITED" and int(r.headers["retry-after"]) >= 1
        assert p.client.get("/readyz").json()["checks"]["redis"] == "ok"
    finally:
        p.client.app.state.redis.close()
        p.client.close()
        p.db.dispose()
