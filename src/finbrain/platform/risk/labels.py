"""Readable names of the risk engine's features (zh/en), built from the feature spec and the
capability's texts: the case page and the decision page show these, never the identifiers."""

from __future__ import annotations

from functools import cache

from finbrain.core.i18n import Language, message
from finbrain.risk.features import extended_feature_spec


def label(lang: Language, kind: str, value: str) -> str:
    """``ui.<kind>.<value>`` in ``lang``, or the value itself."""
    key = f"ui.{kind}.{value}"
    text = message(key, lang)
    return value if text == key else text


@cache
def feature_texts(lang: Language) -> dict[str, str]:
    """A readable name for every feature the engine computes, built from its spec."""
    spec = extended_feature_spec()
    out: dict[str, str] = {}
    for w in spec["windows"]:
        who = label(lang, "risk_key", "+".join(w["key"]))
        if w.get("label"):
            what = "fraud_rate" if w["agg"] == "avg" else "frauds"
        elif w["agg"] in ("sum", "avg", "max"):
            what = f"{w['agg']}_{w.get('field', '')}"
        else:
            what = w["agg"]
        text = message(f"ui.risk_agg.{what}", lang, who=who, span=w["span"])
        if w.get("delay"):
            text += message("ui.risk_delay", lang, delay=w["delay"])
        out[w["name"]] = text
    for d in spec["derived"]:
        out[d["name"]] = label(lang, "risk_derived", d["name"])
    return out
