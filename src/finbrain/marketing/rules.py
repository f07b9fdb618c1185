"""Eligibility and suitability rules evaluated on customers: vectorised over a table for a
batch selection (:func:`mask`), one value at a time for an independent audit (:func:`holds`).
A missing value never passes a rule; a rule naming a column the customers do not have is an
error naming the rule's place in the campaign."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from finbrain.core.errors import ValidationError
from finbrain.marketing.campaign import Campaign, Rule

__all__ = ["check_columns", "failing_rule", "holds", "mask"]


def check_columns(campaign: Campaign, columns: Any) -> None:
    """Every rule's column must be in ``columns`` (else the error names the rule)."""
    known = set(columns)
    for i, offer in enumerate(campaign.offers):
        for kind in ("eligibility", "suitability"):
            for j, rule in enumerate(getattr(offer, kind)):
                if rule.column not in known:
                    raise ValidationError(
                        f"customers have no column {rule.column!r}",
                        field=f"offers.{i}.{kind}.{j}.column",
                        rule="known_column",
                    )


def mask(rule: Rule, series: pd.Series, field: str = "rule") -> np.ndarray:
    """Where ``rule`` holds on ``series`` (missing: never)."""
    present = series.notna().to_numpy()
    out: Any
    try:
        if rule.op in ("is_true", "is_false"):
            flags = series.astype("boolean").fillna(rule.op == "is_false").to_numpy(dtype=bool)
            out = flags if rule.op == "is_true" else ~flags
        elif rule.op in ("in", "not_in"):
            inside = series.astype(object).isin(list(rule.value or [])).to_numpy()  # type: ignore[arg-type]
            out = inside if rule.op == "in" else ~inside
        else:
            values: pd.Series = series if rule.op in ("eq", "ne") else pd.to_numeric(series)
            compare = {"eq": values.eq, "ne": values.ne, "lt": values.lt, "le": values.le,
                       "gt": values.gt, "ge": values.ge}[rule.op]  # fmt: skip
            bound: Any = rule.value
            out = compare(bound).to_numpy(dtype=bool)
    except (TypeError, ValueError):
        raise ValidationError(field=field, rule="comparable_type", column=rule.column) from None
    return np.asarray(out & present, dtype=bool)


def holds(rule: Rule, value: Any) -> bool:
    """``rule`` on one value, written plainly (the audit's independent check)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return False
    target: Any = rule.value
    if rule.op == "is_true":
        return bool(value) is True
    if rule.op == "is_false":
        return bool(value) is False
    if rule.op == "in":
        return value in (target or [])
    if rule.op == "not_in":
        return value not in (target or [])
    if rule.op == "eq":
        return bool(value == target)
    if rule.op == "ne":
        return bool(value != target)
    number, bound = float(value), float(target)
    return {"lt": number < bound, "le": number <= bound, "gt": number > bound,
            "ge": number >= bound}[rule.op]  # fmt: skip


def failing_rule(
    rules: tuple[Rule, ...], frame: pd.DataFrame, field: str
) -> tuple[np.ndarray, np.ndarray]:
    """Whether all ``rules`` hold per row, and the index of the first failing rule (-1: none)."""
    first = np.full(len(frame), -1, dtype=np.int64)
    for j, rule in enumerate(rules):
        ok = mask(rule, frame[rule.column], f"{field}.{j}")
        first = np.where((first < 0) & ~ok, j, first)
    return first < 0, first
