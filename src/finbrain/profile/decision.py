"""The churn decision of one customer: the calibrated propensity, its band and the reasons.

Tenant-less like every capability's decision (the platform stamps the tenant and records it on
the ledger). The input digest covers the customer id and every feature sent, known to the model
or not; a missing value (None or NaN) is recorded as null.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Final

from finbrain.core.canonical import check_canonical
from finbrain.core.decision import Decision, ModelRef, Subject
from finbrain.core.errors import ValidationError
from finbrain.profile.churn import ChurnModel
from finbrain.profile.errors import ProfileInputError

__all__ = ["CUSTOMER_ID", "band_of", "decide_churn"]

CUSTOMER_ID: Final = re.compile(r"[A-Za-z0-9._:\-]{1,128}")  # the bank's own reference


def band_of(probability: float, threshold: float) -> str:
    """``high`` from the threshold, ``medium`` from half of it, else ``low``."""
    if probability >= threshold:
        return "high"
    return "medium" if probability >= threshold / 2 else "low"


def _plain(features: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in features.items():
        if isinstance(value, float) and math.isnan(value):
            value = None
        elif hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
            value = value.item()
            if isinstance(value, float) and math.isnan(value):
                value = None
        out[str(name)] = value
    return out


def decide_churn(
    model: ChurnModel,
    features: Mapping[str, Any],
    *,
    customer_id: str,
    model_ref: ModelRef | None = None,
    threshold: float = 0.5,
) -> Decision:
    """One customer's churn decision: outcome ``likely_churn`` when P(churn) >= ``threshold``
    else ``likely_stay``; score P(churn); grade ``high`` / ``medium`` / ``low``; the reasons
    that raise the propensity, zh and en, most important first."""
    if not isinstance(customer_id, str) or not CUSTOMER_ID.fullmatch(customer_id):
        raise ProfileInputError(
            "customer_id: the bank's reference, 1-128 of A-Z a-z 0-9 . _ : -",
            field="customer_id",
            rule="bank_reference_1_to_128",
        )
    if isinstance(threshold, bool) or not 0 < threshold < 1:
        raise ProfileInputError("threshold: in (0, 1)", field="threshold", rule="between_0_and_1")
    inputs = _plain(features)
    try:
        check_canonical(inputs, "features")  # refused before scoring: an integer beyond 2^53
        probability, reasons = model.explain_record(inputs)
    except ValidationError as exc:  # name the field as the caller sent it
        field = exc.field if str(exc.field).startswith("features") else f"features.{exc.field}"
        raise ProfileInputError(exc.detail, field=field, rule=exc.rule) from None
    return Decision.for_input(
        {"customer_id": customer_id, "features": inputs},
        capability="profile",
        action="churn",
        subject=Subject(type="customer", id=customer_id),
        model=model_ref,
        outcome="likely_churn" if probability >= threshold else "likely_stay",
        score=round(probability, 6),
        grade=band_of(probability, threshold),
        reasons=reasons,
    )
