"""Advisory on the platform: what the API adds to the library's proposal, recommendation and
outlook calls.

Tasks (one process; the platform in-process through Starlette's test client on SQLite and,
when a server answers, PostgreSQL; sequential requests):

- ``proposal_api_50``: ``POST /v1/advisory/proposals`` for one C5 client on the 50-product
  shelf of ``benchmarks/advisory.py`` (48 FTSE 100 stocks rated R1-R5 by volatility, a deposit
  and a money fund; three years of daily prices) put on the platform through its own API;
  beside it ``finbrain.advisory.propose`` called directly with the same profile, shelf and
  prices (what the route wraps) and skfolio's bare ``MeanRisk`` fit of the same problem (the
  issue's anchor). p50/p95 and the ratios API/library, API/skfolio. The API's time includes
  authentication, the tenant's transaction, the cached shelf, the decision on the ledger
  (checkpoint signature, inclusion proof) and the proposal row.
- ``recommend_api``: ``GET /v1/match/recommendations`` (the unrecorded preview; 2,000
  interactions of 400 simulated customers) with the fitted model cached, ``POST`` (the list
  recorded on the ledger), and the first call after new feedback (the fit).
- ``outlook_api``: ``GET /v1/advisory/proposals/{id}/outlook``: the first call (walk-forward
  backtest, refits every quarter) and a repeat (backtest cached, the goal's 5,000 paths redone).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.platform.advisory_shelf import ANSWERS

from benchmarks._harness import arguments, percentiles, row, write_results
from benchmarks.advisory import ftse_shelf
from finbrain.advisory import preset, propose
from finbrain.advisory.portfolio import VOL_BUDGETS, expected_returns, given_mu
from finbrain.core.decision import utcnow
from finbrain.core.money import Money

REPEATS = {True: 15, False: 60}


def _samples(fn: Callable[[], Any], repeats: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _interleaved(fns: dict[str, Callable[[], Any]], repeats: int) -> dict[str, dict[str, float]]:
    """Percentiles of each function, run in turn (the order rotating each round) so that the
    shared machine's load falls on all of them alike."""
    names = list(fns)
    for name in names:  # warm-up
        fns[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for i in range(repeats):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            start = time.perf_counter()
            fns[name]()
            samples[name].append((time.perf_counter() - start) * 1000)
    return {name: percentiles(values) for name, values in samples.items()}


def _platform(backend: str, home: Path) -> Any:
    from tests.conftest import PG_ADMIN_URL, make_platform

    url = None
    if backend == "postgres":
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        admin = make_url(PG_ADMIN_URL)
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text('DROP DATABASE IF EXISTS "finbrain_bench_adv" WITH (FORCE)'))
                conn.execute(text('CREATE DATABASE "finbrain_bench_adv"'))
        except Exception as exc:  # no server: this backend is skipped, said so in the output
            print(f"PostgreSQL unreachable ({type(exc).__name__}): skipped")
            return None
        url = admin.set(database="finbrain_bench_adv").render_as_string(hide_password=False)
    return make_platform(backend, home, url)


def _shelf_rows(shelf: Any, prices: Any) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    products = [p.to_dict() for p in shelf]
    rows = [
        {"code": code, "day": stamp.date().isoformat(), "price": f"{value:.6f}"}
        for code in prices.columns
        for stamp, value in prices[code].dropna().items()
    ]
    return products, rows


def run(backend: str, quick: bool, results: list[dict[str, Any]]) -> None:
    from skfolio.moments import LedoitWolf
    from skfolio.optimization import MeanRisk, ObjectiveFunction
    from skfolio.prior import EmpiricalPrior

    from finbrain.platform.advisory import queries

    platform = _platform(backend, Path(tempfile.mkdtemp()))
    if platform is None:
        return
    try:
        _, key = platform.new_tenant("Bench Bank")
        headers = {"Authorization": f"Bearer {key}"}
        client = platform.client
        shelf, prices = ftse_shelf()
        products, price_rows = _shelf_rows(shelf, prices)
        assert client.post("/v1/advisory/products", json={"products": products},
                           headers=headers).status_code == 200  # fmt: skip
        for start in range(0, len(price_rows), 10_000):
            chunk = price_rows[start : start + 10_000]
            assert client.post("/v1/advisory/prices", json={"prices": chunk},
                               headers=headers).status_code == 200  # fmt: skip
        body = {"client_id": "BENCH-C5", "answers": ANSWERS["C5"]}
        assert client.post("/v1/advisory/assessments", json=body, headers=headers).is_success
        cash = {"amount": "100000", "currency": "GBP"}
        request = {"client_id": "BENCH-C5", "cash": cash}
        made: list[str] = []

        def api() -> None:
            answer = client.post("/v1/advisory/proposals", json=request, headers=headers)
            assert answer.status_code == 201, answer.text
            made.append(answer.json()["id"])

        tenant = platform.tenants[0][0]
        with platform.db.tenant(tenant) as session:
            profile = queries.profile_of(queries.client(session, "BENCH-C5"))
            loaded = queries.loaded_shelf(session)
        rules = preset("cn")

        def library() -> None:
            propose(profile, loaded.shelf, loaded.prices, rules=rules,
                    cash=Money("100000", "GBP"), at=utcnow())  # fmt: skip

        returns = loaded.shelf.returns(loaded.prices).returns
        mu, _ = expected_returns(loaded.shelf, returns)

        # the same problem: the rule set's per-product cap bounds skfolio's weights too
        caps = rules.constraints(profile, loaded.shelf).for_codes(list(returns.columns))

        def skfolio() -> None:
            MeanRisk(
                objective_function=ObjectiveFunction.MAXIMIZE_RETURN,
                prior_estimator=EmpiricalPrior(
                    mu_estimator=given_mu(mu / 252), covariance_estimator=LedoitWolf()
                ),
                max_standard_deviation=VOL_BUDGETS[profile.category] / np.sqrt(252),
                max_weights=caps["max_weights"],
            ).fit(returns)

        n = REPEATS[quick]
        timed = _interleaved({"api": api, "library": library, "skfolio": skfolio}, n)
        task = f"proposal_api_50_{backend}"
        for name, system in (("api", "finbrain-api"), ("library", "finbrain"),
                             ("skfolio", "skfolio")):  # fmt: skip
            for metric in ("p50_ms", "p95_ms"):
                results.append(row(task, system, metric, timed[name][metric], n))
        results.append(row(f"proposal_api_over_library_{backend}", "finbrain-api", "ratio",
                           timed["api"]["p50_ms"] / timed["library"]["p50_ms"], n,
                           what="API p50 / library propose p50"))  # fmt: skip
        results.append(row(f"proposal_api_over_skfolio_{backend}", "finbrain-api", "ratio",
                           timed["api"]["p50_ms"] / timed["skfolio"]["p50_ms"], n,
                           what="API p50 / skfolio MeanRisk p50 (issue goal <= 2)"))  # fmt: skip
        results.append(row(f"proposal_library_over_skfolio_{backend}", "finbrain", "ratio",
                           timed["library"]["p50_ms"] / timed["skfolio"]["p50_ms"], n,
                           what="library propose p50 / skfolio MeanRisk p50"))  # fmt: skip
        _recommend(client, headers, loaded.shelf.codes, backend, n, results)
        _outlook(client, headers, made[-1], backend, results)
    finally:
        platform.client.close()
        platform.db.dispose()


def _recommend(
    client: Any, headers: dict[str, str], codes: list[str], backend: str, n: int,
    results: list[dict[str, Any]],
) -> None:  # fmt: skip
    rng = np.random.default_rng(3)
    rows = [{"customer": f"sim-{c}", "product": codes[int(i)], "kind": "purchase"}
            for c in range(400) for i in rng.integers(0, len(codes), 5)]  # fmt: skip
    assert client.post("/v1/match/interactions", json={"interactions": rows},
                       headers=headers).status_code == 200  # fmt: skip
    url = "/v1/match/recommendations?customer=BENCH-C5&k=10"

    def cached() -> None:
        assert client.get(url, headers=headers).status_code == 200

    timed = percentiles(_samples(cached, n))

    def recorded() -> None:
        body = {"customer": "BENCH-C5", "k": 10}
        assert client.post(url.split("?")[0], json=body, headers=headers).status_code == 201

    on_ledger = percentiles(_samples(recorded, n))
    fits = []
    for i in range(5 if n < 30 else 10):
        extra = {"interactions": [{"customer": f"new-{i}", "product": codes[i], "kind": "view"}]}
        client.post("/v1/match/interactions", json=extra, headers=headers)
        start = time.perf_counter()
        cached()
        fits.append((time.perf_counter() - start) * 1000)
    task = f"recommend_api_cached_{backend}"
    results.append(row(task, "finbrain-api", "p50_ms", timed["p50_ms"], n, what="model cached"))
    results.append(row(task, "finbrain-api", "p95_ms", timed["p95_ms"], n, what="model cached"))
    task = f"recommend_api_recorded_{backend}"
    what = "POST: the list recorded on the ledger, model cached"
    results.append(row(task, "finbrain-api", "p50_ms", on_ledger["p50_ms"], n, what=what))
    results.append(row(task, "finbrain-api", "p95_ms", on_ledger["p95_ms"], n, what=what))
    results.append(row(f"recommend_api_refit_{backend}", "finbrain-api", "p50_ms",
                       statistics.median(fits), len(fits),
                       what="first call after new feedback: fits 2,000+ interactions"))  # fmt: skip


def _outlook(
    client: Any, headers: dict[str, str], proposal: str, backend: str,
    results: list[dict[str, Any]],
) -> None:  # fmt: skip
    url = f"/v1/advisory/proposals/{proposal}/outlook"
    start = time.perf_counter()
    assert client.get(url, headers=headers).status_code == 200
    first = (time.perf_counter() - start) * 1000
    again = percentiles(_samples(lambda: client.get(url, headers=headers), 5, warmup=0))
    results.append(row(f"outlook_api_first_{backend}", "finbrain-api", "p50_ms", first, 1,
                       what="first call: walk-forward backtest (refit each quarter)"))  # fmt: skip
    results.append(row(f"outlook_api_repeat_{backend}", "finbrain-api", "p50_ms",
                       again["p50_ms"], 5,
                       what="repeat: backtest cached, goal's 5,000 paths redone"))  # fmt: skip


def main() -> None:
    args = arguments(__doc__ or "")
    quick = bool(args.quick)
    results: list[dict[str, Any]] = []
    for backend in ("sqlite", "postgres"):
        run(backend, quick, results)
    path = write_results("advisory_platform", quick, results)
    for r in results:
        print(f"{r['task']:28} {r['system']:14} {r['metric']:7} {r['value']:10.2f}  "
              f"{r.get('what', '')}")  # fmt: skip
    print(f"written to {path}")


if __name__ == "__main__":
    main()
