"""Chart specifications the console's one chart script draws (static/charts.js, ECharts).

A page's context carries ``chart(...)`` JSON; the template puts it in ``data-chart``. Outcomes
are drawn by family, so a colour means the same everywhere: favourable (approve, allow, clear,
pass) one green, to review (refer, review, potential match) one amber, adverse (decline, block,
match, fail) one red. Every chart has a title and named axes with their units, in the page's
language.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from finbrain.core.i18n import Language, message

Family = Literal["good", "review", "bad", "neutral"]
FAMILIES: tuple[Family, ...] = ("good", "review", "bad", "neutral")
_FAMILY: dict[str, Family] = {
    **dict.fromkeys(("approve", "allow", "clear", "pass", "answer", "assigned", "offer"), "good"),
    **dict.fromkeys(("refer", "review", "potential_match", "handoff", "pending"), "review"),
    **dict.fromkeys(("decline", "block", "match", "fail", "none"), "bad"),
}


def family(outcome: str) -> Family:
    """The colour family of an outcome (``neutral`` for one no family claims)."""
    return _FAMILY.get(outcome, "neutral")


def by_family(counts: Mapping[str, int]) -> dict[Family, int]:
    """Outcome counts summed per family, in the families' order."""
    out: dict[Family, int] = dict.fromkeys(FAMILIES, 0)
    for outcome, count in counts.items():
        out[family(outcome)] += count
    return out


def family_label(name: Family, lang: Language) -> str:
    return message(f"ui.family.{name}", lang)


def chart(
    kind: Literal["bar", "hbar", "line"],
    title: str,
    x_name: str,
    y_name: str,
    categories: Sequence[str],
    series: Sequence[Mapping[str, Any]],
    *,
    marks: Sequence[Mapping[str, Any]] = (),
    counts: bool = True,
) -> str:
    """One chart (``hbar``: bars drawn sideways, the categories down the side): ``series``
    items have ``name``, ``data`` and optionally ``family`` (its colour), ``stack`` and
    ``type``; a ``band`` series is drawn as a filled area stacked on the one before it (a
    fan's band), a ``base`` series is its invisible floor, and ``tip`` holds the values the
    tooltip shows instead of ``data`` (a band's top, not its width). ``marks`` are lines at an
    x category (``x``) or a y value (``y``), each with a ``label`` (a policy's cut-off, a
    goal). ``counts``: the value axis counts things (whole ticks from 0); False for values
    such as a portfolio's worth (the axis fits the data)."""
    return json.dumps(
        {
            "kind": kind,
            "title": title,
            "x": {"name": x_name, "data": list(categories)},
            "y": {"name": y_name, "counts": counts},
            "series": [dict(s) for s in series],
            "marks": [dict(m) for m in marks],
        },
        ensure_ascii=False,
    )


def keyed(
    kind: Literal["bar", "hbar", "line"],
    lang: Language,
    keys: tuple[str, str, str],
    categories: Sequence[str],
    series: Sequence[Mapping[str, Any]],
    *,
    marks: Sequence[Mapping[str, Any]] = (),
) -> str:
    """:func:`chart` with its title and axis names given as message keys (title, x, y)."""
    title, x_name, y_name = (message(key, lang) for key in keys)
    return chart(kind, title, x_name, y_name, categories, series, marks=marks)


def one(name: str, values: Sequence[float], family: Family = "neutral") -> dict[str, Any]:
    """A chart's only series."""
    return {"name": name, "family": family, "data": list(values)}


def family_series(
    per_category: Mapping[str, Mapping[str, int]],
    categories: Sequence[str],
    lang: Language,
    *,
    stack: str | None = "outcome",
    share: bool = False,
) -> list[dict[str, Any]]:
    """Outcome counts per category as one series per colour family (stacked), leaving out the
    families with nothing; ``share``: each category's percentages instead of counts."""
    families = {c: by_family(per_category.get(c, {})) for c in categories}
    totals = {c: sum(families[c].values()) or 1 for c in categories}
    out = []
    for name in FAMILIES:
        if not any(families[c][name] for c in categories):
            continue
        data = [
            round(100 * families[c][name] / totals[c], 1) if share else families[c][name]
            for c in categories
        ]
        item: dict[str, Any] = {"name": family_label(name, lang), "family": name, "data": data}
        if stack:
            item["stack"] = stack
        out.append(item)
    return out


def donut(title: str, slices: Sequence[tuple[str, float]], *, unit: str = "%") -> str:
    """A ring of shares (an allocation): ``slices`` are (name, value) pairs."""
    return json.dumps(
        {
            "kind": "pie",
            "title": title,
            "unit": unit,
            "series": [{"name": title, "data": [{"name": n, "value": v} for n, v in slices]}],
        },
        ensure_ascii=False,
    )
