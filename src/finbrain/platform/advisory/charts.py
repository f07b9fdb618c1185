"""The proposal page's charts (specifications for the console's chart script): the allocation
as a ring, the walk-forward backtest against equal weight, and the goal's Monte Carlo fan.
Titles, axes and series in the page's language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finbrain.advisory.shelf import Product, Shelf
from finbrain.core.i18n import Language, message
from finbrain.platform.advisory.outlook import Outlook
from finbrain.platform.advisory.tables import AdvisoryProposal
from finbrain.platform.console import charts


def proposal_charts(
    row: AdvisoryProposal, shelf: Shelf, seen: Outlook, lang: Language
) -> dict[str, Any]:
    """``allocation_chart``, ``backtest_chart`` (None without one) and ``goal_chart`` (None
    without one)."""
    return {
        "allocation_chart": allocation(row, shelf, lang),
        "backtest_chart": backtest(seen, lang),
        "goal_chart": goal(seen, lang),
    }


def _name(shelf: Shelf, code: str, lang: Language) -> str:
    if not shelf.has(code):
        return code
    product: Product = shelf[code]
    return product.name.zh if lang == "zh" else product.name.en


def allocation(row: AdvisoryProposal, shelf: Shelf, lang: Language) -> str:
    """The target weights by product, and what stays in cash, in percent."""
    weights = sorted(row.weights.items(), key=lambda kv: -kv[1])
    slices = [(_name(shelf, code, lang), round(100 * w, 1)) for code, w in weights]
    rest = 1.0 - sum(row.weights.values())
    if rest > 0.0005:
        slices.append((message("ui.advisory_cash_left", lang), round(100 * rest, 1)))
    return charts.donut(message("ui.chart.advisory_allocation", lang), slices)


def backtest(seen: Outlook, lang: Language) -> str | None:
    test = seen.backtest
    if test is None:
        return None
    method = message(f"ui.advisory_method.{seen.proposal.method}", lang)
    return charts.chart(
        "line",
        message("ui.chart.advisory_backtest", lang),
        message("ui.axis.day", lang),
        message("ui.axis.value_of_1", lang),
        [d.isoformat() for d in test.days],
        [
            {"name": method, "data": test.proposal_values},
            {
                "name": message("ui.advisory_equal_weight", lang),
                "data": test.equal_values,
                "family": "neutral",
            },
        ],
        counts=False,
    )


def goal(seen: Outlook, lang: Language) -> str | None:
    """The fan: the middle 90% and 50% of the simulated values at each year's end, the median
    path, and the target as a line."""
    made = seen.goal
    if made is None:
        return None
    fan = made.fan
    p: dict[int, list[float]] = {int(q): [round(float(v), 0) for v in fan[q]] for q in fan.columns}

    def width(top: int, bottom: int) -> list[float]:
        return [round(a - b, 0) for a, b in zip(p[top], p[bottom], strict=True)]

    def band(low: int, high: int) -> str:
        return message("ui.advisory_band", lang, low=low, high=high)

    series: list[dict[str, Any]] = [
        {"name": "p5", "data": p[5], "base": True, "stack": "fan"},
        {"name": band(5, 25), "data": width(25, 5), "band": True,
         "stack": "fan", "tip": p[25], "opacity": 0.15},
        {"name": band(25, 75), "data": width(75, 25), "band": True,
         "stack": "fan", "tip": p[75], "opacity": 0.35},
        {"name": band(75, 95), "data": width(95, 75), "band": True,
         "stack": "fan", "tip": p[95], "opacity": 0.15},
        {"name": message("ui.advisory_median", lang), "data": p[50]},
    ]  # fmt: skip
    target = float(Decimal(made.target.amount))
    return charts.chart(
        "line",
        message("ui.chart.advisory_goal", lang, p=f"{made.probability:.0%}"),
        message("ui.axis.year", lang),
        message("ui.axis.value", lang, currency=made.target.currency),
        [str(y) for y in fan.index],
        series,
        marks=[{"y": round(target, 0), "label": message("ui.advisory_target", lang)}],
        counts=False,
    )
