"""The campaign-selection part of benchmarks/marketing.py alone (issue #17's speed goal), when
the whole area cannot be run: ``select_100k`` (propensity scoring, arbitration, end to end and
the cost model's parts, interleaved), the arbitration's quality and audit, and the Hillstrom
uplift check of the early-stopped arms beside scikit-uplift (causalml, which needs its own
environment, is left to the full run). Writes benchmarks/results/marketing_select.json."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import marketing
from benchmarks._harness import arguments, write_results


def main() -> None:
    args = arguments(__doc__ or "")
    marketing.anchor_python = lambda name, requirements: None  # no causalml here
    results: list[dict[str, Any]] = []
    for step in (marketing.run_speed, marketing.run_arbitration, marketing.run_hillstrom):
        step(args.quick, results)
        path = write_results("marketing_select", args.quick, results)  # each step kept
    marketing.console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
