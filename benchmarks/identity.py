"""Name matching: finbrain.identity.names vs OpenSanctions logic-v2 and a rapidfuzz baseline.

Tasks:
- ``name_bench``: OpenSanctions' 826 labelled name pairs (persons, companies, many scripts).
  finbrain and rapidfuzz (token_sort_ratio) are scored at their best single threshold;
  logic-v2 is read from OpenSanctions' committed frozen run (812 of the pairs) at its best
  threshold and at its own 0.7.
- ``zh_name_pairs``: ``benchmarks/data/zh_name_pairs.csv`` from scripts/build_zh_name_pairs.py
  (Han ↔ Han, Han ↔ pinyin/Wade-Giles/Cantonese, homophones, same-surname non-matches), at the
  threshold chosen on name_bench and at finbrain's fixed screening threshold ``THRESHOLD``.
- ``compare_latency``: p50 of one compare() on prepared names, in microseconds (as ms).
"""

from __future__ import annotations

import csv
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._harness import arguments, row, write_results
from finbrain.datasets.identity import load_name_bench
from finbrain.identity.names import compare, prepare

console = Console()
THRESHOLD = 0.7  # the screening threshold finbrain documents; zh pairs are judged at it too
ZH_PAIRS = Path(__file__).parent / "data" / "zh_name_pairs.csv"


def prf(scores: list[float], labels: list[bool], threshold: float) -> tuple[float, float, float]:
    tp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and y)
    fp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and not y)
    fn = sum(1 for s, y in zip(scores, labels, strict=True) if s < threshold and y)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def best_threshold(scores: list[float], labels: list[bool]) -> tuple[float, tuple[float, ...]]:
    best: tuple[float, tuple[float, ...]] = (0.0, (0.0, 0.0, 0.0))
    for threshold in sorted(set(scores)):
        p, r, f = prf(scores, labels, threshold)
        if f > best[1][2]:
            best = (threshold, (p, r, f))
    return best


def kind_of(schema: str) -> str:
    return "person" if schema == "Person" else "entity"


def metric_rows(task: str, system: str, n: int, threshold: float, p: float, r: float, f: float,
                **extra: Any) -> list[dict[str, Any]]:  # fmt: skip
    return [
        row(task, system, metric, value, n, threshold=round(threshold, 4), **extra)
        for metric, value in (("f1", f), ("precision", p), ("recall", r))
    ]


def name_bench(rows: list[dict[str, Any]]) -> float:
    bench = load_name_bench()
    cases = bench["cases"]
    labels = [bool(v) for v in cases["is_match"]]
    ours = [
        compare(prepare(a, kind=kind_of(s)), prepare(b, kind=kind_of(s))).score
        for a, b, s in zip(cases["name1"], cases["name2"], cases["schema"], strict=True)
    ]
    threshold, (p, r, f) = best_threshold(ours, labels)
    rows += metric_rows("name_bench", "finbrain", len(labels), threshold, p, r, f)
    console.print(
        f"finbrain name_bench: best threshold {threshold:.3f} P {p:.3f} R {r:.3f} F1 {f:.3f}"
    )
    p7, r7, f7 = prf(ours, labels, THRESHOLD)
    rows += metric_rows("name_bench", "finbrain", len(labels), THRESHOLD, p7, r7, f7, fixed=True)
    console.print(f"finbrain name_bench at {THRESHOLD}: P {p7:.3f} R {r7:.3f} F1 {f7:.3f}")

    frozen = bench["logicv2"]
    lv_labels = [bool(v) for v in frozen["is_match"]]
    lv_scores = [float(v) for v in frozen["score"]]
    t, (p, r, f) = best_threshold(lv_scores, lv_labels)
    rows += metric_rows("name_bench", "opensanctions-logic-v2", len(lv_labels), t, p, r, f)
    p, r, f = prf(lv_scores, lv_labels, 0.7)
    rows += metric_rows(
        "name_bench", "opensanctions-logic-v2", len(lv_labels), 0.7, p, r, f, fixed=True
    )
    console.print(f"logic-v2 at 0.7: P {p:.3f} R {r:.3f} F1 {f:.3f} (n={len(lv_labels)})")

    baseline = [
        fuzz.token_sort_ratio(a, b, processor=str.lower) / 100.0
        for a, b in zip(cases["name1"], cases["name2"], strict=True)
    ]
    t, (p, r, f) = best_threshold(baseline, labels)
    rows += metric_rows(
        "name_bench", "rapidfuzz", len(labels), t, p, r, f, scorer="token_sort_ratio"
    )
    console.print(f"rapidfuzz token_sort_ratio best {t:.3f}: P {p:.3f} R {r:.3f} F1 {f:.3f}")
    return threshold


def zh_pairs(rows: list[dict[str, Any]], bench_threshold: float) -> None:
    with ZH_PAIRS.open(encoding="utf-8") as handle:
        records = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    labels = [r["is_match"] == "1" for r in records]
    ours = [compare(prepare(r["name1"]), prepare(r["name2"])).score for r in records]
    for threshold, fixed in ((THRESHOLD, True), (bench_threshold, False)):
        p, r, f = prf(ours, labels, threshold)
        rows += metric_rows(
            "zh_name_pairs", "finbrain", len(labels), threshold, p, r, f, fixed=fixed
        )
        console.print(f"finbrain zh pairs at {threshold:.3f}: P {p:.3f} R {r:.3f} F1 {f:.3f}")
    baseline = [fuzz.token_sort_ratio(r["name1"], r["name2"]) / 100.0 for r in records]
    t, (p, r, f) = best_threshold(baseline, labels)
    rows += metric_rows(
        "zh_name_pairs", "rapidfuzz", len(labels), t, p, r, f, scorer="token_sort_ratio"
    )
    errors: dict[str, int] = {}
    for record, score, label in zip(records, ours, labels, strict=True):
        if (score >= THRESHOLD) != label:
            errors[record["category"]] = errors.get(record["category"], 0) + 1
    console.print(f"zh errors by category at {THRESHOLD}: {errors}")


def latency(rows: list[dict[str, Any]], quick: bool) -> None:
    bench = load_name_bench()["cases"]
    pairs = [(prepare(a), prepare(b)) for a, b in zip(bench["name1"], bench["name2"], strict=True)]
    pairs += [(prepare("王小明"), prepare("Wang Xiaoming")), (prepare("张伟"), prepare("張偉"))]
    repeats = 3 if quick else 15
    samples: list[float] = []
    for _ in range(repeats):
        for q, c in pairs:
            start = time.perf_counter_ns()
            compare(q, c)
            samples.append((time.perf_counter_ns() - start) / 1e6)
    p50 = statistics.median(samples)
    ordered = sorted(samples)
    rows.append(row("compare_latency", "finbrain", "p50_ms", p50, len(samples)))
    rows.append(
        row(
            "compare_latency", "finbrain", "p99_ms", ordered[int(0.99 * len(ordered))], len(samples)
        )
    )
    console.print(
        f"compare p50 {p50 * 1000:.1f} µs, p99 {ordered[int(0.99 * len(ordered))] * 1000:.1f} µs"
    )


def main() -> None:
    args = arguments(__doc__ or "identity benchmark")
    rows: list[dict[str, Any]] = []
    threshold = name_bench(rows)
    zh_pairs(rows, threshold)
    latency(rows, args.quick)
    path = write_results("identity", args.quick, rows)
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
