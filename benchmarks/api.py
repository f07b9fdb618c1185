"""Platform overhead: latency of the decision API and of idempotent POSTs, SQLite vs PostgreSQL.

Measured over HTTP on loopback against a real uvicorn server, so the numbers include
authentication, the tenant-scoped transaction, RLS (PostgreSQL) and serialisation. There is no
anchor library for this area; later capability benchmarks compare against theirs.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import httpx
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.platform.helpers import add_decisions

from benchmarks._harness import (
    arguments,
    live_server,
    percentiles,
    row,
    scratch_postgres,
    write_results,
)
from finbrain.core.settings import Settings
from finbrain.platform import tenancy
from finbrain.platform.api.app import create_app
from finbrain.platform.store.database import Database
from finbrain.platform.store.migrate import upgrade

console = Console()


def bench_backend(name: str, settings: Settings, n: int) -> list[dict[str, object]]:
    upgrade(settings)
    db = Database(settings)
    with db.platform() as session:
        tenant = tenancy.create_tenant(session, "Bench Bank")
        key = tenancy.create_key(session, tenant.id, label="b", scopes=["admin"], created_by="b")
        tenant_id = tenant.id
    add_decisions(db, tenant_id, 1000)
    results: list[dict[str, object]] = []
    with live_server(create_app(settings, db)) as url, httpx.Client(base_url=url) as client:
        headers = {"Authorization": f"Bearer {key.secret}"}
        tasks = {
            "list_decisions": lambda i: client.get("/v1/decisions?limit=50", headers=headers),
            "idempotent_post": lambda i: client.post(
                "/v1/keys", json={"label": f"k{i}"}, headers={**headers, "Idempotency-Key": f"k{i}"}
            ),
        }
        for task, call in tasks.items():
            for i in range(20):  # warm-up
                call(-i - 1)
            samples = []
            started = time.perf_counter()
            for i in range(n):
                t0 = time.perf_counter()
                r = call(i)
                samples.append((time.perf_counter() - t0) * 1000)
                assert r.status_code < 300, r.text
            elapsed = time.perf_counter() - started
            stats = percentiles(samples)
            for metric in ("p50_ms", "p95_ms", "p99_ms"):
                results.append(row(f"{task}_{name}", "finbrain", metric, stats[metric], n))
            results.append(row(f"{task}_{name}", "finbrain", "per_second", n / elapsed, n))
            console.print(
                f"{name:8s} {task:16s} p50 {stats['p50_ms']:.2f} ms  "
                f"p95 {stats['p95_ms']:.2f} ms  {n / elapsed:.0f}/s"
            )
    db.dispose()
    return results


def main() -> None:
    args = arguments(__doc__ or "")
    n = 200 if args.quick else 2000
    results = []
    with tempfile.TemporaryDirectory() as home:
        results += bench_backend(
            "sqlite",
            Settings(home=Path(home), rate_limit_burst=10**6, rate_limit_per_second=1e6),
            n,
        )
    with scratch_postgres() as pg, tempfile.TemporaryDirectory() as home:
        if pg:
            results += bench_backend(
                "postgres",
                Settings(
                    home=Path(home),
                    database_url=pg,
                    rate_limit_burst=10**6,
                    rate_limit_per_second=1e6,
                ),
                n,
            )
    path = write_results("api", args.quick, results)
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
