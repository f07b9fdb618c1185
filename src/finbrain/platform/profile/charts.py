"""The profile pages' charts: the segments' sizes, what sets each segment apart (each
feature's effect against the other customers, in standard deviations), the customers per tag,
and one segment's own effects. Titles, axes (with their units) and names in the page's
language."""

from __future__ import annotations

from typing import Any

from finbrain.core.i18n import Language, message
from finbrain.platform.console import charts


def _segment_names(personas: list[dict[str, Any]], lang: Language) -> list[str]:
    return [message("ui.profile_segment_n", lang, n=p["segment"] + 1) for p in personas]


def sizes(segments: dict[str, Any], lang: Language) -> str:
    personas = segments["personas"]
    return charts.keyed(
        "bar",
        lang,
        ("ui.chart.profile_sizes", "ui.axis.segment", "ui.axis.customers"),
        _segment_names(personas, lang),
        [charts.one(message("ui.axis.customers", lang), [p["size"] for p in personas])],
    )


def effects(segments: dict[str, Any], lang: Language) -> str:
    """One bar per feature and segment: how far the segment's mean lies from the other
    customers', in standard deviations (what the personas' traits are chosen by)."""
    features = segments["features"]
    names = _segment_names(segments["personas"], lang)
    series = [
        {"name": name, "data": [f["effects"][s] for f in features]} for s, name in enumerate(names)
    ]
    return charts.chart(
        "hbar",
        message("ui.chart.profile_effects", lang),
        message("ui.axis.feature", lang),
        message("ui.axis.effect_sd", lang),
        [f["label"][lang] for f in features],
        series,
        counts=False,
    )


def segment_effects(segments: dict[str, Any], segment: int, lang: Language) -> str:
    features = segments["features"]
    return charts.chart(
        "hbar",
        message("ui.chart.profile_segment_effects", lang, n=segment + 1),
        message("ui.axis.feature", lang),
        message("ui.axis.effect_sd", lang),
        [f["label"][lang] for f in features],
        [
            charts.one(
                message("ui.profile_segment_n", lang, n=segment + 1),
                [f["effects"][segment] for f in features],
            )
        ],
        counts=False,
    )


def tags(counts: list[dict[str, Any]], lang: Language) -> str:
    return charts.keyed(
        "hbar",
        lang,
        ("ui.chart.profile_tags", "ui.axis.tag", "ui.axis.customers"),
        [t["name"][lang] for t in counts],
        [charts.one(message("ui.axis.customers", lang), [t["customers"] for t in counts])],
    )
