"""Risk rules: how fast fifty compiled rules decide one event.

The rule set is the 17 starter rules three times over under new ids, cut at 50 (active and
shadow in the starters' proportions); the events are a calm one (nothing fires) and a hot one
(several rules fire, so reasons are filled in). The floor is the same fifty conditions' compiled
closures called alone: the ratio is what ``evaluate`` adds to them (the loop, the hits' reasons,
score, action and tags). Per-event times are this process's CPU time (``process_time``, so
other work on a shared machine does not inflate them), medians over interleaved batches.

    python benchmarks/risk_rules.py [--quick]   ->   benchmarks/results/risk_rules.json
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._harness import arguments, row, write_results
from finbrain.risk.rules import Rule, RuleSet, compile_rules, load_default_rules

CALM: dict[str, Any] = {
    "amount": 40.0,
    "channel": "pos",
    "mcc": "5411",
    "country": "CN",
    "home_country": "CN",
    "hour": 14,
    "is_weekend": False,
    "account_age_days": 900,
    "cust_count_1h": 1,
    "cust_count_1d": 3,
    "cust_sum_amount_1d": 120.0,
    "cust_avg_amount_30d": 45.0,
    "cust_terminals_1d": 2,
    "cust_distinct_countries_1d": 1,
    "secs_since_cust_prev": 5000.0,
    "term_count_1d": 30,
    "term_risk_7d": 0.0,
}
HOT = CALM | {"term_risk_7d": 0.6, "amount": 900.0, "hour": 3, "cust_count_1h": 9}


def fifty_rules() -> RuleSet:
    base = load_default_rules()
    rules = [Rule(**{**r.__dict__, "id": f"{r.id}-{k}"}) for k in range(3) for r in base.rules]
    return RuleSet(1, tuple(rules[:50]), base.schema)


def per_event_us(call: Callable[[dict[str, Any]], object], event: dict[str, Any], n: int) -> float:
    started = time.process_time()
    for _ in range(n):
        call(event)
    return (time.process_time() - started) / n * 1e6


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    repeats, n = (3, 5_000) if args.quick else (9, 40_000)
    compiled = compile_rules(fifty_rules())
    conditions = tuple(c.expression.fn for c in compiled.compiled)

    def conditions_only(event: dict[str, Any]) -> None:
        for fn in conditions:
            fn(event)

    results: list[dict[str, Any]] = []
    for name, event in (("calm", CALM), ("hot", HOT)):
        hits = len(compiled.evaluate(event).hits)
        task = f"rules_50_{name}_event"
        full: list[float] = []
        floor: list[float] = []
        for _ in range(repeats):  # interleaved, so drift hits both alike
            full.append(per_event_us(compiled.evaluate, event, n))
            floor.append(per_event_us(conditions_only, event, n))
        median, base = statistics.median(full), statistics.median(floor)
        spread = (max(full) - min(full)) / 1000
        results += [
            row(task, "finbrain", "p50_ms", median / 1000, repeats, spread, hits=hits),
            row(task, "finbrain", "per_second", 1e6 / median, repeats),
            row(task, "conditions_only", "p50_ms", base / 1000, repeats),
            row(task, "finbrain", "ratio", median / base, repeats, note="vs conditions only"),
        ]
        print(f"{task}: {median:.1f} us/event ({hits} hits), conditions alone {base:.1f} us")
    print(write_results("risk_rules", args.quick, results))


if __name__ == "__main__":
    main()
