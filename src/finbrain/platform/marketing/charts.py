"""The campaign page's charts: the expected gain curve (incremental responses as the campaign
contacts more customers, against contacting them at random), the expected incremental
responses per offer, and the real response rates of each offer's arm and its control group.
Titles, axes (with their units) and names in the page's language."""

from __future__ import annotations

from typing import Any

from finbrain.core.i18n import Language, message
from finbrain.marketing.campaign import Campaign
from finbrain.platform.console import charts
from finbrain.platform.marketing.expected import Expected


def _offer_name(campaign: Campaign, code: str, lang: Language) -> str:
    offer = next((o for o in campaign.offers if o.code == code), None)
    return code if offer is None else getattr(offer.name, lang)


def gain(expected: Expected, lang: Language) -> str | None:
    if not expected.curve:
        return None
    return charts.chart(
        "line",
        message("ui.chart.marketing_gain", lang),
        message("ui.axis.customers_contacted", lang),
        message("ui.axis.incremental_responses", lang),
        [str(n) for n, _, _ in expected.curve],
        [
            {
                "name": message("ui.marketing_by_model", lang),
                "family": "good",
                "data": [m for _, m, _ in expected.curve],
            },
            {
                "name": message("ui.marketing_at_random", lang),
                "family": "neutral",
                "data": [r for _, _, r in expected.curve],
            },
        ],
        counts=False,
    )


def per_offer(expected: Expected, campaign: Campaign, lang: Language) -> str | None:
    if not expected.per_offer:
        return None
    codes = [o.code for o in campaign.offers if o.code in expected.per_offer]
    return charts.chart(
        "bar",
        message("ui.chart.marketing_per_offer", lang),
        message("ui.axis.offer", lang),
        message("ui.axis.incremental_responses", lang),
        [_offer_name(campaign, c, lang) for c in codes],
        [
            charts.one(
                message("ui.axis.incremental_responses", lang),
                [expected.per_offer[c]["responses"] for c in codes],
                "good",
            )
        ],
        counts=False,
    )


def measured(lift: dict[str, Any], campaign: Campaign, lang: Language) -> str | None:
    """Response rates (%) of each offer's contacted customers and of its control group."""
    codes = [
        c
        for c in lift
        if any(arm.get("rate") is not None for k, arm in lift[c].items() if k != "lift")
    ]
    if not codes:
        return None

    def rates(arm: str) -> list[float | None]:
        out = []
        for c in codes:
            rate = lift[c].get(arm, {}).get("rate")
            out.append(None if rate is None else round(100 * rate, 1))
        return out

    return charts.chart(
        "bar",
        message("ui.chart.marketing_measured", lang),
        message("ui.axis.offer", lang),
        message("ui.axis.response_rate_pct", lang),
        [_offer_name(campaign, c, lang) for c in codes],
        [
            {
                "name": message("ui.marketing_arm.offer", lang),
                "family": "good",
                "data": rates("offer"),
            },
            {
                "name": message("ui.marketing_arm.control", lang),
                "family": "neutral",
                "data": rates("control"),
            },
        ],
        counts=False,
    )
