"""Console dashboards under load: each dashboard page's server time with 100,000 decisions in
the store, against the decisions list page in the same run (issue 16: p95 within 3x).

The store is filled the way a month of a bank's traffic leaves it: credit scores, screenings,
card applications (each step's decision and the final one, with reasons), risk decisions with
their events, alerts and cases. Rows are written in bulk (the ledger's hashing is not what is
measured here); a few hundred real ledger entries give the ledger page its checkpoints. Pages
are fetched in-process with a signed-in console session, interleaved round by round so that
drift hits every page alike; medians and p95 are reported, on SQLite and, when one answers,
PostgreSQL.

    python -m benchmarks.console [--quick]
"""

from __future__ import annotations

import random
import re
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from rich.console import Console
from sqlalchemy import delete, insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.platform.helpers import add_decisions

from benchmarks._harness import arguments, percentiles, row, scratch_postgres, write_results
from finbrain.core.decision import new_id, utcnow
from finbrain.core.settings import Settings
from finbrain.platform import bootstrap, registry, tenancy
from finbrain.platform.api.app import create_app
from finbrain.platform.credit.tables import CreditFeatureDay
from finbrain.platform.identity.tables import ScreenedCustomer
from finbrain.platform.risk.tables import RiskAlert, RiskCase, RiskEvent
from finbrain.platform.store.database import Database
from finbrain.platform.store.migrate import upgrade
from finbrain.platform.store.models import DecisionRow

console = Console()
PAGES = {
    "decisions list": "/console/decisions",
    "credit": "/console/credit",
    "risk": "/console/risk",
    "screening": "/console/screening",
    "applications": "/console/applications",
    "ledger": "/console/ledger",
}
BASE = "decisions list"
DAYS = 30
STEPS = ("verify", "screen", "application_check", "score", "limit")


def _reason(code: str, feature: str | None = None, value: Any = None) -> dict[str, Any]:
    return {
        "code": code,
        "text": {"zh": code, "en": code},
        "feature": feature,
        "value": value,
        "contribution": round(random.uniform(-30, 0), 1),
    }


def _decision(tenant_id: str, at: Any, **fields: Any) -> dict[str, Any]:
    return {
        "id": new_id(),
        "tenant_id": tenant_id,
        "subject_type": "customer",
        "subject_id": f"S{random.randrange(10**6)}",
        "model_id": None,
        "model_version": None,
        "model_digest": None,
        "score": None,
        "grade": None,
        "reasons": [],
        "input_digest": "0" * 64,
        "created_at": at,
        "receipt": None,
        "key_id": None,
        "request_id": None,
        **fields,
    }


def _rows(tenant_id: str, n: int, champion: str) -> dict[Any, list[dict[str, Any]]]:
    """About ``n`` decisions over the last month, and the risk and screening rows behind them."""
    random.seed(7)
    now = utcnow()
    out: dict[Any, list[dict[str, Any]]] = {
        DecisionRow: [],
        RiskEvent: [],
        RiskAlert: [],
        RiskCase: [],
        ScreenedCustomer: [],
    }
    d = out[DecisionRow]
    while len(d) < n:
        at = now - timedelta(seconds=random.uniform(0, DAYS * 86400))
        kind = random.random()
        if kind < 0.35:
            pd_outcome = random.choice(("approve", "approve", "refer", "decline"))
            d.append(_decision(tenant_id, at, capability="credit", action="score",
                               model_id="german-scorecard", model_version="1",
                               model_digest=champion,
                               outcome=pd_outcome, score=random.gauss(600, 40),
                               grade=random.choice("ABCDEF"),
                               reasons=[_reason("CR-DURATION", "duration_in_month", 24)],
                               ))  # fmt: skip
        elif kind < 0.55:
            hit = random.random() < 0.05
            outcome = random.choice(("potential_match", "match")) if hit else "clear"
            reasons = [_reason("SCR-POTENTIAL", f"{random.choice(('ofac_sdn', 'un'))}:{i}")
                       for i in range(2)] if hit else [_reason("SCR-CLEAR")]  # fmt: skip
            d.append(_decision(tenant_id, at, capability="identity", action="screen",
                               outcome=outcome, score=0.9 if hit else 0.0, reasons=reasons,
                               ))  # fmt: skip
            if hit:
                out[ScreenedCustomer].append({
                    "tenant_id": tenant_id, "customer_id": f"C{len(d)}", "name": "x",
                    "kind": "person", "birth_date": None, "nationality": None,
                    "list_version": "v1", "outcome": outcome, "best_score": 0.9,
                    "hits": [], "updated_at": at,
                })  # fmt: skip
        elif kind < 0.62:
            final = random.choice(("approve", "approve", "refer", "decline"))
            for step in STEPS:
                d.append(_decision(tenant_id, at, capability="journey", action=step,
                                   subject_type="application", outcome="approve"))  # fmt: skip
            d.append(_decision(tenant_id, at, capability="journey", action="card_application",
                               subject_type="application", outcome=final,
                               reasons=[_reason("APP-REFERRED"),
                                        _reason("AF-DEVICE-SHARED", "device")]))  # fmt: skip
        else:
            outcome = "allow" if random.random() < 0.97 else random.choice(("review", "block"))
            decision = _decision(tenant_id, at, capability="risk", action="score",
                                 outcome=outcome, score=random.uniform(0, 1000))  # fmt: skip
            d.append(decision)
            event_id = f"E{len(d)}"
            out[RiskEvent].append({
                "tenant_id": tenant_id, "event_id": event_id, "occurred_at": at,
                "body": {"event": {"merchant_id": f"M{random.randrange(300)}",
                                   "terminal_id": f"T{random.randrange(900)}"},
                         "features": {}},
                "decision_id": decision["id"], "outcome": outcome,
                "score": decision["score"], "created_at": at,
            })  # fmt: skip
            if outcome != "allow":
                case_id = new_id()
                out[RiskCase].append({
                    "id": case_id, "tenant_id": tenant_id, "entity_type": "card",
                    "entity_id": event_id, "status": random.choice(("open", "closed")),
                    "assignee": None, "disposition": None, "alert_count": 1,
                    "max_score": decision["score"], "opened_at": at, "updated_at": at,
                    "closed_at": None,
                })  # fmt: skip
                out[RiskAlert].append({
                    "id": new_id(), "tenant_id": tenant_id, "case_id": case_id,
                    "event_id": event_id, "decision_id": decision["id"], "action": outcome,
                    "score": decision["score"], "rules": ["R-LARGE"], "created_at": at,
                })  # fmt: skip
    return out


def _feature_days(
    tenant_id: str, digest: str, reference: list[dict[str, Any]], decisions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """What scoring would have counted for the credit decisions: per day, each feature's
    applicants spread over its development bins (the credit dashboard's CSI chart reads these)."""
    import numpy as np

    rng = np.random.default_rng(7)
    per_day: dict[str, int] = {}
    for d in decisions:
        if d["capability"] == "credit":
            day = d["created_at"].strftime("%Y-%m-%d")
            per_day[day] = per_day.get(day, 0) + 1
    out = []
    for day, applicants in per_day.items():
        for entry in reference:
            shares = np.asarray(entry["counts"], dtype=float) / sum(entry["counts"])
            for index, count in enumerate(rng.multinomial(applicants, shares)):
                if count:
                    out.append({"tenant_id": tenant_id, "model_digest": digest, "day": day,
                                "feature": entry["name"], "bin": index,
                                "applicants": int(count)})  # fmt: skip
    return out


def _fill(db: Database, tenant_id: str, n: int) -> int:
    """The demo's credit champion (its scores are what the PSI chart reads), then the rows."""
    bootstrap.ensure_demo_credit(db, tenant_id)
    with db.tenant(tenant_id, write=False) as session:
        model = registry.champion(session, "credit")
        champion, reference = model.digest, model.metrics["feature_reference"]
    rows = _rows(tenant_id, n, champion)
    rows[CreditFeatureDay] = _feature_days(tenant_id, champion, reference, rows[DecisionRow])
    with db.tenant(tenant_id) as session:
        # The synthetic month replaces the demo's own few hundred counts (same days and bins).
        session.execute(delete(CreditFeatureDay).where(CreditFeatureDay.tenant_id == tenant_id))
        for table, values in rows.items():
            for start in range(0, len(values), 5000):
                session.execute(insert(table.__table__), values[start : start + 5000])
    # Real ledger entries and signed checkpoints for the ledger page (the bulk rows above carry
    # no receipts: hashing 100,000 entries is the ledger benchmark's business, not this one's).
    add_decisions(db, tenant_id, 200)
    return len(rows[DecisionRow]) + 200 + bootstrap.DEMO_DECISIONS


def _signed_in(client: TestClient, key: str) -> None:
    page = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no CSRF token on the sign-in page"
    r = client.post(
        "/console/login",
        data={"api_key": key, "csrf_token": token.group(1)},
        headers={"Sec-Fetch-Site": "same-origin"},
        follow_redirects=False,
    )
    assert r.status_code in (302, 303), r.text[:300]


def bench(backend: str, settings: Settings, n: int, rounds: int) -> list[dict[str, Any]]:
    upgrade(settings)
    db = Database(settings)
    with db.platform() as session:
        tenant = tenancy.create_tenant(session, "Load Bank")
        key = tenancy.create_key(session, tenant.id, label="b", scopes=["admin"], created_by="b")
    started = time.perf_counter()
    made = _fill(db, tenant.id, n)
    console.print(f"{backend}: {made:,} decisions stored in {time.perf_counter() - started:.0f} s")
    samples: dict[str, list[float]] = {name: [] for name in PAGES}
    with TestClient(create_app(settings, db)) as client:
        _signed_in(client, key.secret)
        for name, path in PAGES.items():  # warm-up, and each page must render
            r = client.get(path)
            assert r.status_code == 200, (name, r.status_code, r.text[:300])
        for _ in range(rounds):
            for name, path in PAGES.items():
                t0 = time.perf_counter()
                client.get(path)
                samples[name].append((time.perf_counter() - t0) * 1000)
    base = percentiles(samples[BASE])["p95_ms"]
    out = []
    for name, times in samples.items():
        p = percentiles(times)
        out.append(row(f"console page, {made:,} decisions", f"{name} ({backend})", "p95_ms",
                       p["p95_ms"], len(times), p50_ms=round(p["p50_ms"], 1)))  # fmt: skip
        if name != BASE:
            out.append(row(f"console page p95 / decisions list p95, {made:,} decisions",
                           f"{name} ({backend})", "ratio", p["p95_ms"] / base, len(times),
                           goal="<= 3"))  # fmt: skip
        console.print(f"  {name:14s} p50 {p['p50_ms']:7.1f} ms  p95 {p['p95_ms']:7.1f} ms"
                      f"  ({p['p95_ms'] / base:.2f}x the list)")  # fmt: skip
    db.dispose()
    return out


def main() -> None:
    args = arguments(__doc__ or "")
    n, rounds = (20_000, 8) if args.quick else (100_000, 30)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as home:
        results += bench("SQLite", Settings(home=Path(home)), n, rounds)
    with scratch_postgres() as url, tempfile.TemporaryDirectory() as home:
        if url:
            results += bench("PostgreSQL", Settings(home=Path(home), database_url=url), n, rounds)
    path = write_results("console", args.quick, results)
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
