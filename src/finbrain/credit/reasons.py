"""Reason codes for adverse credit decisions, from a catalogue kept as data (zh + en).

Each feature has a stable code (``CR-DURATION``) and a name in both languages; the text of a
reason says which factor cost the applicant points and why (the bin it fell in). A feature the
catalogue does not know gets ``CR-<FEATURE>`` and its column name, so no reason is ever lost.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from finbrain.core.decision import BilingualText, Reason


@dataclass(frozen=True)
class FeatureInfo:
    code: str
    zh: str
    en: str


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, Any]:
    text = resources.files("finbrain.credit").joinpath("reason_catalogue.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def feature_info(feature: str) -> FeatureInfo:
    known = _catalogue()["features"].get(feature)
    if known:
        return FeatureInfo(known["code"], known["zh"], known["en"])
    code = "CR-" + re.sub(r"[^A-Z0-9]+", "-", feature.upper()).strip("-")[:40]
    return FeatureInfo(code or "CR-FEATURE", feature, feature)


def level_text(feature: str, level: str, language: str) -> str:
    """A category level as people read it in ``language``: the catalogue's Chinese for the
    built-in datasets' levels (``... < 0 DM`` → ``支票账户余额 < 0 马克``), else the level."""
    if language != "zh":
        return level
    known = _catalogue().get("levels", {}).get(feature, {}).get(level)
    return str(known["zh"]) if known else level


def label_text(feature: str, label: str, language: str) -> str:
    """A bin's label (``{a, b}``, ``missing``, ``special -1``) in ``language``: each known
    level of ``feature`` in it translated (longest first, so a level inside another is not
    cut), and the words ``missing`` and ``special``."""
    if language != "zh":
        return label
    catalogue = _catalogue()
    words = catalogue.get("words", {})
    if label in words:
        return str(words[label]["zh"])
    if label.startswith("special ") and "special" in words:
        return str(words["special"]["zh"]) + label[len("special") :]
    for level, zh in _levels_longest_first(feature):
        label = label.replace(level, zh)
    return label


@lru_cache(maxsize=256)
def _levels_longest_first(feature: str) -> tuple[tuple[str, str], ...]:
    """A feature's known levels and their Chinese, longest first (worked out once: reasons
    are made on the scoring path)."""
    levels = _catalogue().get("levels", {}).get(feature, {})
    return tuple(
        (level, str(levels[level]["zh"])) for level in sorted(levels, key=len, reverse=True)
    )


def reason(
    feature: str, kind: str, contribution: float, *, bin_label: str = "", value: Any = None
) -> Reason:
    """A bilingual reason: ``kind`` is adverse, missing or unseen (templates in the catalogue)."""
    info = feature_info(feature)
    template = _catalogue()["templates"][kind]
    shown = value if value is None or isinstance(value, str | int | float | bool) else str(value)
    suffix = {"missing": "-MISSING", "unseen": "-UNSEEN"}.get(kind, "")
    return Reason(
        code=info.code + suffix,
        text=BilingualText(
            zh=template["zh"].format(
                name=info.zh,
                bin=label_text(feature, bin_label, "zh"),
                value=level_text(feature, shown, "zh") if isinstance(shown, str) else shown,
            ),
            en=template["en"].format(name=info.en, bin=bin_label, value=shown),
        ),
        feature=feature,
        value=shown,
        contribution=float(contribution),
    )
