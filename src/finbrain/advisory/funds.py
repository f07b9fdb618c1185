"""Shelves from public fund lists: a stated convention from fund type to kind and risk level.

No public file carries R1-R5 ratings; ``data/fund_types_cn.json`` keeps the convention (money
market R1, bond R2, mixed R3, equity and index R4, leveraged R5) and each kind's default
dealing terms, as data. A distributor's own rating of a product overrides it: pass
``overrides`` (code -> field -> value).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from finbrain.advisory.reasons import reason
from finbrain.advisory.shelf import Product
from finbrain.core.decision import Reason
from finbrain.core.errors import ValidationError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["fund_convention", "products_from_funds"]


@cache
def fund_convention() -> dict[str, Any]:
    """The convention: ``{"types": {type: {kind, risk, …} | None}, "terms": {kind: {…}}}``."""
    raw = resources.files("finbrain.advisory").joinpath("data/fund_types_cn.json")
    data: dict[str, Any] = json.loads(raw.read_text("utf-8"))
    return data


def products_from_funds(
    funds: pd.DataFrame,
    *,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[list[Product], dict[str, Reason]]:
    """Products from a fund list with ``code``, ``name`` and ``type`` columns (the layout of
    :func:`finbrain.datasets.wealth.load_eastmoney_funds`); the second value holds the funds
    left out, each with a reason (a type the convention does not map)."""
    for column in ("code", "name", "type"):
        if column not in funds.columns:
            raise ValidationError(field=f"funds.{column}", rule="column_present")
    convention = fund_convention()
    products: list[Product] = []
    skipped: dict[str, Reason] = {}
    overrides = overrides or {}
    for code, name, kind_zh in zip(funds["code"], funds["name"], funds["type"], strict=True):
        code, name, kind_zh = str(code), str(name), str(kind_zh)
        rule = convention["types"].get(kind_zh)
        if rule is None:
            skipped[code] = reason(
                "SHELF-TYPE-UNMAPPED", feature=code, value=kind_zh, code=code, type=kind_zh
            )
            continue
        fields: dict[str, Any] = {**convention["terms"][rule["kind"]], **rule}
        fields.update(overrides.get(code, {}))
        if "sell_fees" in fields:
            fields["sell_fees"] = tuple((int(d), r) for d, r in fields["sell_fees"])
        products.append(Product(
            code=code, name={"zh": name, "en": f"{name} ({code})"},  # type: ignore[arg-type]
            currency="CNY", **fields,
        ))  # fmt: skip
    return products, skipped
