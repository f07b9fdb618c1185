"""The selection as a table and a summary, with each customer's reason in zh and en filled
for the whole column at once (10^5 customers: no per-row Python on the hot path)."""

from __future__ import annotations

import string
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from finbrain.marketing.arbitration import OUTCOMES, Arbitration
from finbrain.marketing.campaign import Campaign
from finbrain.marketing.reasons import LANGUAGES, catalogue

TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default text dtype


def _fixed(values: np.ndarray, percent: bool = False) -> pa.Array:
    """``f"{v:.2f}"`` (``f"{v:.2%}"`` when ``percent``) of every value, as Python writes it,
    formatting each distinct rounded value once: a row-by-row f-string costs more than the
    whole arbitration. A value near a rounding tie, or huge, is written by Python itself."""
    x = np.asarray(values, dtype=np.float64) * (100.0 if percent else 1.0)
    scaled = np.abs(x) * 100.0
    cents = np.rint(scaled)
    exact = (np.abs(scaled - cents) < 0.5 - 1e-6) & (scaled < 1e9)
    # key: cents and the sign (Python writes -0.00 for a small negative value)
    keys = np.where(exact, cents, 0).astype(np.int64) * 2 + np.signbit(x)
    unique, inverse = np.unique(keys, return_inverse=True)
    suffix = "%" if percent else ""
    words = [f"{'-' if k & 1 else ''}{(k >> 1) // 100}.{(k >> 1) % 100:02d}{suffix}"
             for k in unique.tolist()]  # fmt: skip
    out = np.asarray(words, dtype=object)[inverse.ravel()]
    for i in np.flatnonzero(~exact).tolist():
        out[i] = f"{values[i]:.2%}" if percent else f"{values[i]:.2f}"
    return pa.array(out, type=pa.string())


def _join(template: str, columns: dict[str, Any], n: int) -> pa.Array:
    """``template`` filled for ``n`` rows from arrays (or one string) named as its
    placeholders, concatenated by Arrow."""
    pieces: list[Any] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        if literal:
            pieces.append(literal)
        if name is not None:
            pieces.append(columns[name])
    if not any(isinstance(p, pa.Array) for p in pieces):
        return pc.take(pa.array(["".join(pieces)], type=pa.string()), np.zeros(n, np.int64))
    return pc.binary_join_element_wise(*pieces, "")


def _strings(values: list[str], index: np.ndarray) -> pa.Array:
    return pc.take(pa.array(values, type=pa.string()), index)


def _best(result: Arbitration) -> tuple[np.ndarray, np.ndarray]:
    """The offer each customer got, else their best allowed one (-1 when none is allowed)."""
    finite = np.isfinite(result.net)
    best = np.argmax(np.where(finite, result.net, -np.inf), axis=1)
    best = np.where(finite.any(axis=1), best, -1)
    return np.where(result.choice >= 0, result.choice, best), finite.any(axis=1)


def _rule_detail(campaign: Campaign, result: Arbitration, lang: str) -> np.ndarray:
    """For customers no offer is allowed to: the first offer's first failing rule."""
    n = len(result.ids)
    detail = np.full(n, "", dtype=object)
    done = np.zeros(n, dtype=bool)
    for k, offer in enumerate(campaign.offers):
        rules = (*offer.eligibility, *offer.suitability)
        described = np.array(
            [f"{getattr(offer.name, lang)}: {getattr(r.describe(), lang)}" for r in rules] + [""],
            dtype=object,
        )
        failing = result.first_failing[k]
        take = ~done & (failing >= 0)
        detail[take] = described[failing[take]]
        done |= take
    return detail


CODES = ("MK-OPTED-OUT", "MK-CAP-REACHED", "MK-CONTROL", "MK-SELECTED", "MK-BUDGET-EXHAUSTED",
         "MK-NO-ELIGIBLE-OFFER", "MK-NO-POSITIVE-VALUE")  # fmt: skip
OUTCOME_OF_CODE = ("excluded", "excluded", "control", "offer", "no_offer", "no_offer", "no_offer")


def _code_index(result: Arbitration, allowed_any: np.ndarray) -> np.ndarray:
    """Index into ``CODES`` per customer (the first condition that holds)."""
    chosen = result.choice >= 0
    conditions = [result.opted_out, result.capped, chosen & result.control, chosen,
                  result.budget_cut, ~allowed_any]  # fmt: skip
    return np.asarray(np.select(conditions, np.arange(6), len(CODES) - 1), dtype=np.int64)


def table(campaign: Campaign, result: Arbitration) -> pd.DataFrame:
    n = len(result.ids)
    offer_index, allowed_any = _best(result)
    code = _code_index(result, allowed_any)
    outcome = np.asarray(OUTCOME_OF_CODE, dtype=object)[code]
    rows = np.arange(n)
    safe = np.maximum(offer_index, 0)
    shown = (offer_index >= 0) & ~result.opted_out & ~result.capped
    uplift = np.where(shown, result.uplift[rows, safe], np.nan) if n else np.zeros(0)
    net = np.where(shown, result.net[rows, safe], np.nan) if n else np.zeros(0)
    costs = np.array([float(o.cost) for o in campaign.offers])
    offer = pc.take(pa.array([o.code for o in campaign.offers], type=pa.string()),
                    pa.array(safe, mask=~shown))  # fmt: skip
    ids = result.id_column if result.id_column is not None else pa.array(result.ids, pa.string())
    frame = pd.DataFrame(
        {
            "customer_id": _text_column(ids),
            "outcome": pd.Categorical(outcome, categories=OUTCOMES),
            "offer": _text_column(offer),
            "uplift": uplift,
            "expected_value": net,
            "cost": np.where(shown & (outcome == "offer"), costs[safe], 0.0) if n else [],
            "reason_code": pd.Categorical.from_codes(code, dtype=pd.CategoricalDtype(list(CODES))),
        }
    )
    zh, en = _texts(campaign, result, code, offer_index, uplift, net)
    frame["reason_zh"], frame["reason_en"] = _text_column(zh), _text_column(en)
    return frame


def _text_column(values: Any) -> Any:
    """Arrow strings as pandas' own text column, without a copy through Python objects."""
    return pd.array(values, dtype=TEXT)


def _texts(
    campaign: Campaign, result: Arbitration, code: np.ndarray, offer_index: np.ndarray,
    uplift: np.ndarray, net: np.ndarray,
) -> tuple[pa.Array, pa.Array]:  # fmt: skip
    """Each customer's reason text in zh and en, filled per reason code for its rows only."""
    n = len(code)
    safe = np.maximum(offer_index, 0)
    cap = campaign.contact_cap
    constants = {
        "share": f"{campaign.control_share:.0%}",
        "budget": f"{campaign.budget} {campaign.currency}",
        "window_days": str(cap.window_days if cap else 0),
        "max_contacts": str(cap.max_contacts if cap else 0),
    }
    offers = campaign.offers
    values = [f"{float(o.value):.2f}" for o in offers]
    costs = [f"{float(o.cost):.2f}" for o in offers]
    order = np.argsort(code, kind="stable")  # rows grouped by reason code
    parts: dict[str, list[pa.Array]] = {lang: [] for lang in LANGUAGES}
    for c in np.unique(code):
        rows = order[np.searchsorted(code[order], c) : np.searchsorted(code[order], c, "right")]
        template = catalogue()[CODES[c]]
        used = {name for lang in LANGUAGES
                for _, name, _, _ in string.Formatter().parse(template[lang]) if name}  # fmt: skip
        numbers: dict[str, Any] = {}  # only the placeholders this code's text has
        if "uplift" in used:
            numbers["uplift"] = _fixed(np.nan_to_num(uplift[rows]), percent=True)
        if "net" in used:
            numbers["net"] = _fixed(np.nan_to_num(net[rows]))
        if "value" in used:
            numbers["value"] = _strings(values, safe[rows])
        if "cost" in used:
            numbers["cost"] = _strings(costs, safe[rows])
        if "contacts" in used:
            numbers["contacts"] = pa.array(result.contacts[rows]).cast(pa.string())
        for lang in LANGUAGES:
            part: dict[str, Any] = {**numbers, **constants}
            if "offer" in used:
                part["offer"] = _strings([getattr(o.name, lang) for o in offers], safe[rows])
            if "detail" in used:
                detail = _rule_detail(campaign, result, lang)[rows]
                part["detail"] = pa.array(detail, type=pa.string())
            parts[lang].append(_join(template[lang], part, len(rows)))
    back = np.empty(n, dtype=np.int64)
    back[order] = np.arange(n)  # from grouped order back to the customers' order
    out = []
    for lang in LANGUAGES:
        joined = pa.concat_arrays(parts[lang]) if parts[lang] else pa.array([], pa.string())
        out.append(pc.take(joined, back))
    return out[0], out[1]


def summary(campaign: Campaign, result: Arbitration) -> dict[str, Any]:
    chosen = result.choice >= 0
    contacted = chosen & ~result.control
    rows = np.flatnonzero(contacted)
    per_offer = {
        o.code: {
            "eligible": result.eligible_counts[k],
            "offered": int(np.sum(result.choice[contacted] == k)),
            "control": int(np.sum(result.choice[chosen & result.control] == k)),
        }
        for k, o in enumerate(campaign.offers)
    }
    expected = float(result.net[rows, result.choice[rows]].sum()) if len(rows) else 0.0
    return {
        "campaign": campaign.id,
        "customers": len(result.ids),
        "offered": int(contacted.sum()),
        "control": int((chosen & result.control).sum()),
        "no_offer": int((~chosen & ~result.opted_out & ~result.capped).sum()),
        "opted_out": int(result.opted_out.sum()),
        "capped": int(result.capped.sum()),
        "budget": campaign.budget,
        "spend": Decimal(result.spend_minor) / 100,
        "available": Decimal(max(result.remaining_minor, 0)) / 100,
        "expected_incremental_value": round(expected, 2),
        "control_share": campaign.control_share,
        "offers": per_offer,
        "offers_without_eligible": [c for c, v in per_offer.items() if v["eligible"] == 0],
    }
