"""The zh/en texts of risk reasons (``data/risk_reasons.json``): the model's feature reasons
and the engine's own ones, kept as data beside each other."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=1)
def reason_catalogue() -> dict[str, Any]:
    text = resources.files("finbrain.risk").joinpath("data/risk_reasons.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data
