"""Interleaved A/B of the platform's hot rows between two commits: a credit single score and a
risk event score through the whole app (authentication, scope, unit of work, service, ledger).

Each round runs a fresh process per commit, A then B then A …, so both see the same machine
load; the result is the median of the per-round medians, and the ratio B/A. In-process ASGI
(Starlette's TestClient): it measures the code a request runs, not the network.

    python benchmarks/ab_platform.py --base c924792 [--rounds 5]

writes benchmarks/results/ab_platform.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._harness import row, write_results  # noqa: E402


def child(credit_n: int, risk_n: int) -> dict[str, float]:
    """Runs inside the tree under test (its ``src`` first on the path)."""
    from fastapi.testclient import TestClient

    from finbrain.core.settings import Settings
    from finbrain.datasets import load_german
    from finbrain.platform import registry, tenancy
    from finbrain.platform.api.app import create_app
    from finbrain.platform.credit import service as credit
    from finbrain.platform.store.database import Database
    from finbrain.platform.store.migrate import upgrade

    home = Path(tempfile.mkdtemp(prefix="ab-"))
    settings = Settings(home=home, rate_limit_per_second=1e6, rate_limit_burst=10**6)
    upgrade(settings)
    db = Database(settings)
    with db.platform() as session:
        tenant_id = tenancy.create_tenant(session, "AB Bank").id
        key = tenancy.create_key(session, tenant_id, label="ab", scopes=["admin"], created_by="ab")
    data = load_german()
    features = data.drop(columns=["creditability"])
    card, metrics, _ = credit.train(features, data["creditability"])
    with db.tenant(tenant_id) as session:
        row = credit.register_scorecard(session, tenant_id, card, metrics, "german")
        registry.promote(session, row.id)
    applicants = features.head(50).to_dict(orient="records")
    headers = {"Authorization": f"Bearer {key.secret}"}
    out: dict[str, float] = {}
    with TestClient(create_app(settings, db)) as client:
        timings = []
        for i in range(credit_n):
            body = {"applicant_id": f"A-{i}", "features": applicants[i % len(applicants)]}
            start = time.perf_counter()
            r = client.post("/v1/credit/score", json=body, headers=headers)
            timings.append(time.perf_counter() - start)
            assert r.status_code == 201, r.text
        out["credit_single_score_us"] = statistics.median(timings[10:]) * 1e6
        timings = []
        start_at = datetime.now(UTC) - timedelta(seconds=risk_n + 60)
        for i in range(risk_n):
            at = (start_at + timedelta(seconds=i)).isoformat().replace("+00:00", "Z")
            event = {
                "event_id": f"E-{i}",
                "kind": "card",
                "occurred_at": at,
                "amount": "12.50",
                "currency": "CNY",
                "customer_id": f"C-{i % 97}",
                "card_id": f"K-{i % 97}",
                "terminal_id": f"T{i % 3}",
                "channel": "pos",
            }
            start = time.perf_counter()
            r = client.post("/v1/risk/events", json=event, headers=headers)
            timings.append(time.perf_counter() - start)
            assert r.status_code in (200, 201), r.text
        out["risk_event_us"] = statistics.median(timings[20:]) * 1e6
    return out


def run(tree: Path, credit_n: int, risk_n: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "OMP_WAIT_POLICY": "PASSIVE"}
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(credit_n), str(risk_n)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="c924792", help="commit A (B is this tree)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--credit", type=int, default=200)
    parser.add_argument("--risk", type=int, default=600)
    parser.add_argument("--child", nargs=2, type=int)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    base = Path(tempfile.mkdtemp(prefix="ab-base-")) / "tree"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(base), args.base], cwd=ROOT, check=True
    )
    try:
        rounds: dict[str, list[dict[str, float]]] = {"A": [], "B": []}
        for _ in range(args.rounds):
            rounds["A"].append(run(base, args.credit, args.risk))
            rounds["B"].append(run(ROOT, args.credit, args.risk))
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, check=False)
    write_results("ab_platform", args.rounds < 5, summary_rows(rounds, args.base))


def summary_rows(rounds: dict[str, list[dict[str, float]]], base: str) -> list[dict[str, Any]]:
    """Per metric: the median of the per-round medians of each commit (ms), and B/A."""
    rows = []
    for metric in rounds["A"][0]:
        a = statistics.median(r[metric] for r in rounds["A"])
        b = statistics.median(r[metric] for r in rounds["B"])
        task = metric.removesuffix("_us")
        n = len(rounds["A"])
        rows.append(row(task, f"finbrain@{base}", "p50_ms", a / 1000, n))
        rows.append(row(task, "finbrain", "p50_ms", b / 1000, n, ratio_to_base=round(b / a, 3)))
        print(f"{task:24} A {a / 1000:7.2f} ms  B {b / 1000:7.2f} ms  B/A {b / a:.3f}")
    return rows


if __name__ == "__main__":
    main()
