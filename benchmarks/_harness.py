"""Shared by every benchmark: the results schema of DESIGN.md, timing helpers, a live server.

Results are medians and percentiles over repeated runs, never a single timing: this machine is
noisy. ``write_results`` validates each row so every area writes the same, comparable JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
METRICS = {
    "auc", "ks", "ap", "cp100", "f1", "precision", "recall", "accuracy", "iv", "qini",
    "uplift_at_30", "per_second", "p50_ms", "p95_ms", "p99_ms", "p999_ms", "seconds", "ratio",
    "violations", "late_sends",
}  # fmt: skip


def arguments(description: str, steps: list[str] | None = None, **flags: str) -> argparse.Namespace:
    """``--quick``; with ``steps``, also ``--only STEP …`` (a partial run, see ``merged``); and
    an area's own on/off ``flags`` (name -> help)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="reduced run, under a minute")
    if steps:
        parser.add_argument("--only", nargs="+", choices=steps, help="run only these steps")
    for name, text in flags.items():
        parser.add_argument(f"--{name.replace('_', '-')}", action="store_true", help=text)
    return parser.parse_args()


def merged(area: str, quick: bool, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``results`` and, from the area's results file of the same kind (quick or not), the rows
    of every task this partial run did not measure (so a partial run never drops them)."""
    path = RESULTS / f"{area}.json"
    if not path.exists():
        return results
    previous = json.loads(path.read_text())
    if previous.get("quick") != quick:
        return results
    done = {r["task"] for r in results}
    return [*[r for r in previous["results"] if r["task"] not in done], *results]


def row(
    task: str,
    system: str,
    metric: str,
    value: float,
    n: int,
    spread: float | None = None,
    **extra: Any,
) -> dict[str, Any]:
    if metric not in METRICS:
        raise ValueError(f"metric {metric!r} is not one of {sorted(METRICS)}")
    out: dict[str, Any] = {
        "task": task,
        "system": system,
        "metric": metric,
        "value": round(float(value), 6),
        "n": int(n),
    }
    if spread is not None:
        out["spread"] = round(float(spread), 6)
    out.update(extra)
    return out


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)

    def q(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return {
        "p50_ms": statistics.median(ordered),
        "p95_ms": q(0.95),
        "p99_ms": q(0.99),
        "p999_ms": q(0.999),
    }


def cpu_calibration_ms(repeats: int = 7) -> float:
    """The median time of a fixed pure-Python loop on this machine, in ms (lower is faster).

    Results written on different machines are only comparable through it: the development
    machines here differ by more than 2x per core from one session to the next (measured).
    """
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        total = 0
        for i in range(3_000_000):
            total += i * i
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


def write_results(area: str, quick: bool, results: list[dict[str, Any]]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{area}.json"
    payload = {
        "area": area,
        "quick": quick,
        "python": platform.python_version(),
        "machine": f"{platform.machine()} {platform.system()}",
        "cpu_calibration_ms": cpu_calibration_ms(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "results": results,
    }
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    return path


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port for the duration of the block."""
    import socket

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


PG_ADMIN = "postgresql+psycopg://127.0.0.1:5432/test"


@contextmanager
def scratch_postgres() -> Iterator[str | None]:
    """A throw-away database on the local PostgreSQL for one run (None if none answers)."""
    import secrets

    from rich.console import Console
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        name = f"finbrain_bench_{secrets.token_hex(3)}"
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        Console().print(f"[yellow]PostgreSQL skipped: {type(exc).__name__}[/yellow]")
        yield None
        return
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
