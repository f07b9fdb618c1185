"""Ledger throughput and proof latency, finbrain vs pymerkle (the maintained Python RFC 9162
tree with SQLite storage), both on SQLite in this process; finbrain on PostgreSQL too.

Measures: appends per second (batched, and one by one with a durable commit), inclusion and
consistency proof latency at 10^6 entries (10^5 with --quick), and offline audit throughput.
Published anchors for context (other machines): Tessera ~1,500 appends/s on a small VM and
~10,000/s on NVMe; Trillian ~60/s.
"""

from __future__ import annotations

import random
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._harness import arguments, percentiles, row, scratch_postgres, write_results
from finbrain.core.canonical import canonical_json
from finbrain.core.settings import Settings
from finbrain.platform import tenancy
from finbrain.platform.ledger import TenantLedger
from finbrain.platform.ledger.audit import audit
from finbrain.platform.store.database import Database
from finbrain.platform.store.migrate import upgrade

console = Console()


def make_entry(i: int) -> bytes:
    """A realistic decision entry (~600 bytes of canonical JSON)."""
    return canonical_json(
        {
            "id": f"{i:026d}",
            "tenant_id": "T" * 26,
            "capability": "credit",
            "action": "score",
            "subject": {"type": "applicant", "id": f"A{i}"},
            "outcome": "approve",
            "score": 0.8123,
            "grade": "B2",
            "input_digest": secrets.token_hex(32),
            "created_at": "2026-11-28T10:00:00Z",
            "model": {"id": "scorecard", "version": "3", "digest": None},
            "reasons": [
                {
                    "code": "CR-UTIL-HIGH",
                    "text": {"zh": "额度使用率高", "en": "High utilisation"},
                    "feature": "utilisation",
                    "value": 0.93,
                    "contribution": -42.0,
                }
            ]
            * 2,
        }
    )


# Encoding is the caller's cost, the same for both systems: made once, outside the timings.
POOL = [make_entry(i) for i in range(4096)]


def entry(i: int) -> bytes:
    return POOL[i % len(POOL)]


def setup(settings: Settings) -> tuple[Database, str]:
    upgrade(settings)
    db = Database(settings)
    with db.platform() as session:
        tenant_id = tenancy.create_tenant(session, f"Bench {secrets.token_hex(3)}").id
    return db, tenant_id


def finbrain_append(db: Database, tenant_id: str, n: int, batch: int, start: int = 0) -> float:
    t0 = time.perf_counter()
    for lo in range(start, start + n, batch):
        with db.tenant(tenant_id) as session:
            TenantLedger(session, tenant_id, db.settings).append(
                [(entry(i), None) for i in range(lo, min(lo + batch, start + n))]
            )
    return n / (time.perf_counter() - t0)


def proof_latency(db: Database, tenant_id: str, size: int, samples: int) -> dict[str, list[float]]:
    rng = random.Random(7)
    out: dict[str, list[float]] = {"inclusion": [], "consistency": []}
    with db.tenant(tenant_id, write=False) as session:
        for _ in range(samples):
            ledger = TenantLedger(session, tenant_id, db.settings)  # cold cache every time
            index = rng.randrange(size)
            t0 = time.perf_counter()
            ledger.inclusion_proof(index, size)
            out["inclusion"].append((time.perf_counter() - t0) * 1000)
            ledger = TenantLedger(session, tenant_id, db.settings)
            old = rng.randrange(1, size)
            t0 = time.perf_counter()
            ledger.consistency_proof(old, size)
            out["consistency"].append((time.perf_counter() - t0) * 1000)
    return out


def pymerkle_run(n_batched: int, n_single: int, samples: int, home: Path) -> dict[str, Any]:
    from pymerkle import SqliteTree

    res: dict[str, Any] = {}
    tree = SqliteTree(str(home / "pymerkle.db"), algorithm="sha256")
    t0 = time.perf_counter()
    for lo in range(0, n_batched, 1000):
        tree.append_entries([entry(i) for i in range(lo, min(lo + 1000, n_batched))])
    res["batched"] = n_batched / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for i in range(n_single):
        tree.append_entry(entry(n_batched + i))
    res["single"] = n_single / (time.perf_counter() - t0)
    size = tree.get_size()
    rng = random.Random(7)
    inc, con = [], []
    for _ in range(samples):
        index = rng.randrange(1, size + 1)  # pymerkle counts leaves from 1
        t0 = time.perf_counter()
        tree.prove_inclusion(index, size)
        inc.append((time.perf_counter() - t0) * 1000)
        old = rng.randrange(1, size)
        t0 = time.perf_counter()
        tree.prove_consistency(old, size)
        con.append((time.perf_counter() - t0) * 1000)
    res["inclusion"], res["consistency"], res["size"] = inc, con, size
    tree.con.close()
    return res


def run_backend(
    name: str, settings: Settings, n: int, single: int, samples: int, results: list[dict[str, Any]]
) -> None:
    db, tenant_id = setup(settings)
    batched = finbrain_append(db, tenant_id, n, 1000)
    durable = finbrain_append(db, tenant_id, single, 1, start=n)
    size = n + single
    console.print(
        f"{name:9s} finbrain  batched {batched:9,.0f}/s   one-by-one durable {durable:7,.0f}/s"
    )
    results += [
        row(f"append_batched_{name}", "finbrain", "per_second", batched, n),
        row(f"append_durable_{name}", "finbrain", "per_second", durable, single),
    ]
    lat = proof_latency(db, tenant_id, size, samples)
    for kind, values in lat.items():
        stats = percentiles(values)
        console.print(
            f"{name:9s} finbrain  {kind:11s} proof at {size:,}: p50 "
            f"{stats['p50_ms']:.3f} ms  p99 {stats['p99_ms']:.3f} ms"
        )
        for metric in ("p50_ms", "p95_ms", "p99_ms"):
            results.append(
                row(
                    f"{kind}_proof_{name}", "finbrain", metric, stats[metric], samples, entries=size
                )
            )
    t0 = time.perf_counter()
    report = audit(db, tenant_id)
    rate = report.entries_checked / (time.perf_counter() - t0)
    assert report.ok, report.findings[:3]
    console.print(f"{name:9s} finbrain  ledger verify {rate:9,.0f} entries/s")
    results.append(row(f"verify_{name}", "finbrain", "per_second", rate, report.entries_checked))
    db.dispose()


def main() -> None:
    args = arguments(__doc__ or "")
    n = 100_000 if args.quick else 1_000_000
    single, samples = (200, 200) if args.quick else (1000, 1000)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as home:
        run_backend("sqlite", Settings(home=Path(home)), n - single, single, samples, results)
        pm = pymerkle_run(n - single, single, samples, Path(home))
    console.print(
        f"sqlite    pymerkle  batched {pm['batched']:9,.0f}/s   one-by-one {pm['single']:7,.0f}/s"
    )
    results += [
        row("append_batched_sqlite", "pymerkle", "per_second", pm["batched"], n - single),
        row("append_durable_sqlite", "pymerkle", "per_second", pm["single"], single),
    ]
    for kind in ("inclusion", "consistency"):
        stats = percentiles(pm[kind])
        console.print(
            f"sqlite    pymerkle  {kind:11s} proof at {pm['size']:,}: p50 "
            f"{stats['p50_ms']:.3f} ms  p99 {stats['p99_ms']:.3f} ms"
        )
        for metric in ("p50_ms", "p95_ms", "p99_ms"):
            results.append(
                row(
                    f"{kind}_proof_sqlite",
                    "pymerkle",
                    metric,
                    stats[metric],
                    samples,
                    entries=pm["size"],
                )
            )
    with scratch_postgres() as pg, tempfile.TemporaryDirectory() as home:
        if pg:
            run_backend(
                "postgres",
                Settings(home=Path(home), database_url=pg),
                n // 4 - single,
                single,
                samples,
                results,
            )
    path = write_results("ledger", args.quick, results)
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
