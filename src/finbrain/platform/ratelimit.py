"""Per-key request quotas (GCRA, the algorithm behind most API gateways' token buckets).

Each key may send ``rate`` requests per second on average with bursts of ``burst``. The embedded
limiter keeps state in the process; with ``FINBRAIN_REDIS_URL`` set, state lives in Redis (one
atomic Lua script per request, Redis's own clock), so several API processes share one quota.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol

from finbrain.core.errors import RateLimitedError


class RateLimiter(Protocol):
    def hit(self, key: str) -> None:
        """Count one request for ``key``; raise ``RateLimitedError`` when over quota."""


class MemoryRateLimiter:
    def __init__(self, rate: float, burst: int, clock: Any = time.monotonic) -> None:
        self.interval = 1.0 / rate
        self.tolerance = self.interval * burst
        self.clock = clock
        self._tat: dict[str, float] = {}  # theoretical arrival time per key
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            tat = max(self._tat.get(key, now), now)
            new_tat = tat + self.interval
            allowed_at = new_tat - self.tolerance
            if allowed_at - now > 1e-9:  # tolerate float rounding at the boundary
                raise RateLimitedError(retry_after=allowed_at - now, rule="requests_per_second")
            self._tat[key] = new_tat
            if len(self._tat) > 100_000:  # forget idle keys so memory stays bounded
                self._tat = {k: v for k, v in self._tat.items() if v > now}


_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allowed_at = new_tat - tolerance
if allowed_at - now > 0.000001 then
  return tostring(allowed_at - now)
end
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil(tolerance + interval))
return '0'
"""


class RedisRateLimiter:
    def __init__(self, client: Any, rate: float, burst: int, prefix: str = "finbrain:rl:") -> None:
        self.client = client
        self.interval_ms = 1000.0 / rate
        self.tolerance_ms = self.interval_ms * burst
        self.prefix = prefix
        self._script = client.register_script(_GCRA)

    def hit(self, key: str) -> None:
        wait_ms = float(
            self._script(keys=[self.prefix + key], args=[self.interval_ms, self.tolerance_ms])
        )
        if wait_ms > 0:
            raise RateLimitedError(retry_after=wait_ms / 1000.0, rule="requests_per_second")
