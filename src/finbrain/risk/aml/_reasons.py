"""Bilingual alert texts: one template per typology, filled with the alert's own numbers.

The templates are kept together here as data so an analyst can reword them in one place; both
languages take the same placeholders (a test checks it).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

TEMPLATES: dict[str, dict[str, str]] = {
    "structuring": {
        "zh": "账户 {account} {span_zh}有 {count} 笔{direction_zh}，金额 {low}–{high}，"
        "均略低于 {threshold} 的报告阈值（合计 {total}）",
        "en": "{count} {direction_en} of {low}–{high} at account {account} {span_en}, "
        "each just below the {threshold} reporting threshold (total {total})",
    },
    "rapid_movement": {
        "zh": "账户 {account} 收到 {inflow}，{delay_zh}转出 {moved}（{ratio}），资金快进快出",
        "en": "account {account} received {inflow}; {moved} ({ratio}) left again {delay_en}: "
        "funds passed straight through",
    },
    "fan_in": {
        "zh": "{senders} 个不同账户{span_zh}向账户 {account} 转入 {count} 笔，"
        "金额 {low}–{high}（合计 {total}）",
        "en": "{senders} different accounts sent {count} transfers of {low}–{high} to account "
        "{account} {span_en} (total {total})",
    },
    "fan_out": {
        "zh": "账户 {account} {span_zh}向 {senders} 个不同账户转出 {count} 笔，"
        "金额 {low}–{high}（合计 {total}）",
        "en": "account {account} sent {count} transfers of {low}–{high} to {senders} different "
        "accounts {span_en} (total {total})",
    },
    "cycle": {
        "zh": "资金{span_zh}经 {length} 个账户回流：{path}，{count} 笔转账金额 {low}–{high}",
        "en": "funds went round {length} accounts {span_en}: {path}, {count} transfers "
        "of {low}–{high}",
    },
}


def money(value: Decimal | float) -> str:
    return f"{Decimal(str(value)):,.2f}"


def plain(value: float) -> str:
    """A threshold as a banker writes it: 10,000 rather than 10,000.00."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def span(seconds: float) -> tuple[str, str]:
    """(zh, en) "within <duration>", rounded up: minutes, hours under two days, else days."""
    if seconds <= 0:
        # Day-stamped data (AMLSim) often books every leg at the same instant.
        return "同一时间", "at the same time"
    if seconds < 3600:
        minutes = -(-int(seconds) // 60)
        return f"{minutes} 分钟内", f"within {minutes} minute{'s' if minutes > 1 else ''}"
    if seconds < 2 * 86400:
        hours = -(-int(seconds) // 3600)
        return f"{hours} 小时内", f"within {hours} hour{'s' if hours > 1 else ''}"
    days = -(-int(seconds) // 86400)
    return f"{days} 天内", f"within {days} days"


def render(typology: str, **params: Any) -> dict[str, str]:
    template = TEMPLATES[typology]
    return {"zh": template["zh"].format(**params), "en": template["en"].format(**params)}
