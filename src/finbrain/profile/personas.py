"""Personas: what sets each segment apart, in numbers a banker reads (zh + en).

For each segment the features whose segment mean differs most from the other customers', in
standard deviations of the model's (log-)scaled space, become its traits (at most three, each
at least a quarter of a standard deviation away, and only when the figures shown point the same
way: a trait never reads "low" beside a number above the median). A trait is said in the
feature's own units:

* a share (0-1): "Digital share of transactions: 81% vs 34% overall";
* an amount, count or number of days whose overall median is positive: the ratio of medians,
  "Spend on travel, last 365 days: 3.2× the median (4,100 vs 1,280)";
* otherwise (a median of 0, a signed trend): the means, "Balance trend per day: average -35.20
  vs 1.10 overall".

The persona's name is its two strongest traits ("high spend on travel, low recency").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from finbrain.core.decision import BilingualText
from finbrain.profile.expressions import fmt

__all__ = ["MIN_EFFECT", "Persona", "Trait", "describe_segments"]

MIN_EFFECT = 0.25  # standard deviations: smaller differences are not a trait
TOP = 3


@dataclass(frozen=True)
class Trait:
    """One way a segment differs: its value against everyone's, and the effect in SDs."""

    feature: str
    label: BilingualText
    higher: bool
    segment_value: float
    overall_value: float
    ratio: float | None
    effect: float
    text: BilingualText


@dataclass(frozen=True)
class Persona:
    """A segment in words: its size, name and traits."""

    segment: int
    size: int
    share: float
    name: BilingualText
    traits: tuple[Trait, ...]

    @property
    def summary(self) -> BilingualText:
        zh = f"{self.name.zh}（占客户 {self.share:.0%}）：" + "；".join(
            t.text.zh for t in self.traits
        )
        en = f"{self.name.en} ({self.share:.0%} of customers): " + "; ".join(
            t.text.en for t in self.traits
        )
        return BilingualText(zh=zh, en=en)

    def to_dict(self) -> dict[str, Any]:
        return {
            "segment": self.segment,
            "size": self.size,
            "share": round(self.share, 6),
            "name": self.name.model_dump(),
            "summary": self.summary.model_dump(),
            "traits": [
                {
                    "feature": t.feature,
                    "higher": t.higher,
                    "segment_value": _json(t.segment_value),
                    "overall_value": _json(t.overall_value),
                    "ratio": None if t.ratio is None else round(t.ratio, 4),
                    "effect": round(t.effect, 4),
                    "text": t.text.model_dump(),
                }
                for t in self.traits
            ],
        }


def _json(value: float) -> float | None:
    return None if not np.isfinite(value) else round(float(value), 6)


def _trait(
    feature: str,
    label: BilingualText,
    kind: str | None,
    effect: float,
    segment: pd.Series,
    overall: pd.Series,
) -> Trait | None:
    higher = effect > 0
    seg_med, all_med = float(segment.median()), float(overall.median())
    is_share = kind == "share" or (kind is None and overall.between(0, 1).all())
    ratio = None
    if is_share:
        seg_v, all_v = float(segment.mean()), float(overall.mean())
        zh = f"{label.zh} {seg_v:.0%}（整体 {all_v:.0%}）"
        en = f"{label.en}: {seg_v:.0%} vs {all_v:.0%} overall"
    elif all_med > 0 and seg_med >= 0:
        seg_v, all_v, ratio = seg_med, all_med, seg_med / all_med
        zh = f"{label.zh}为整体中位数的 {_times(ratio)} 倍（{fmt(seg_v)} 对 {fmt(all_v)}）"
        en = f"{label.en}: {_times(ratio)}× the median ({fmt(seg_v)} vs {fmt(all_v)})"
    else:
        seg_v, all_v = float(segment.mean()), float(overall.mean())
        zh = f"{label.zh}平均 {fmt(seg_v)}（整体 {fmt(all_v)}）"
        en = f"{label.en}: average {fmt(seg_v)} vs {fmt(all_v)} overall"
    if seg_v == all_v or (seg_v > all_v) != higher:
        return None  # the figures would contradict the trait
    return Trait(feature, label, higher, seg_v, all_v, ratio, effect, BilingualText(zh=zh, en=en))


def _word(trait: Trait) -> str:
    """The English label inside a sentence: "Spend, last 365 days" -> "spend, last 365 days";
    a column name (PURCHASES_TRX) stays as it is."""
    label = trait.label.en
    first = label.split(" ")[0]
    return label[:1].lower() + label[1:] if first[1:] == first[1:].lower() else label


def _times(ratio: float) -> str:
    return "0" if ratio == 0 else f"{ratio:.2f}" if ratio < 0.1 else f"{ratio:.1f}"


def describe_segments(
    X: pd.DataFrame,  # noqa: N803
    scaled: np.ndarray,
    labels: Sequence[int] | np.ndarray,
    *,
    label_of: Callable[[str], BilingualText],
    kinds: Mapping[str, str | None],
) -> list[Persona]:
    """One persona per segment (0, 1, ... in order): ``X`` the features as given, ``scaled``
    the same rows in the model's space (columns as ``X``), ``labels`` each row's segment."""
    seg = np.asarray(labels)
    columns = list(X.columns)
    overall_sd = scaled.std(axis=0)
    overall_sd[overall_sd == 0] = 1.0
    personas = []
    for s in range(int(seg.max()) + 1 if len(seg) else 0):
        rows = seg == s
        rest = scaled[~rows].mean(axis=0) if (~rows).any() else scaled.mean(axis=0)
        effects = (scaled[rows].mean(axis=0) - rest) / overall_sd
        order = sorted(range(len(columns)), key=lambda j: (-abs(effects[j]), columns[j]))
        found = (
            _trait(
                columns[j],
                label_of(columns[j]),
                kinds.get(columns[j]),
                float(effects[j]),
                X.loc[rows, columns[j]].dropna(),
                X[columns[j]].dropna(),
            )
            for j in order
            if abs(effects[j]) >= MIN_EFFECT
        )
        traits = tuple(t for t in found if t is not None)[:TOP]
        words = [
            (
                f"{t.label.zh}{'高' if t.higher else '低'}",
                f"{'high' if t.higher else 'low'} {_word(t)}",
            )
            for t in traits[:2]
        ]
        name = BilingualText(
            zh=f"客群 {s + 1}：" + ("、".join(w[0] for w in words) or "整体均值附近"),
            en=f"Segment {s + 1}: " + (", ".join(w[1] for w in words) or "close to average"),
        )
        personas.append(Persona(s, int(rows.sum()), float(rows.mean()), name, traits))
    return personas
