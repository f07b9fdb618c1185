"""The marketing reason catalogue (data, in ``data/reasons.json``): every code with its zh and
en template, and the zh/en names of the columns a propensity reason talks about.

``reason`` makes one :class:`~finbrain.core.decision.Reason`; ``texts`` fills one template for a
whole column of customers at once (a batch selection writes 10^5 reasons: no per-row calls).
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from finbrain.core.decision import BilingualText, JsonScalar, Reason

__all__ = ["catalogue", "feature_name", "reason", "text", "texts"]

LANGUAGES = ("zh", "en")


@cache
def _data() -> dict[str, Any]:
    raw = resources.files("finbrain.marketing").joinpath("data/reasons.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(raw)
    return data


def catalogue() -> dict[str, dict[str, str]]:
    """Code -> ``{"zh": template, "en": template}``."""
    codes: dict[str, dict[str, str]] = _data()["codes"]
    return codes


def feature_name(feature: str) -> BilingualText:
    """A column's name in zh and en (the column itself where the catalogue does not know it)."""
    known = _data()["features"].get(feature)
    if known:
        return BilingualText(zh=known["zh"], en=known["en"])
    return BilingualText(zh=feature, en=feature)


def feature_code(feature: str) -> str:
    """A stable code for a column: ``MK-F-`` and the column in capitals."""
    return "MK-F-" + (re.sub(r"[^A-Z0-9]+", "-", feature.upper()).strip("-")[:40] or "X")


class _Keep(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _in(value: Any, lang: str) -> Any:
    if isinstance(value, BilingualText):
        return getattr(value, lang)
    if isinstance(value, Mapping) and set(value) == set(LANGUAGES):
        return value[lang]
    return value


def text(code: str, /, **params: Any) -> BilingualText:
    """The zh/en text of ``code`` with its placeholders filled."""
    entry = catalogue()[code]
    out = {}
    for lang in LANGUAGES:
        values = {name: _in(value, lang) for name, value in params.items()}
        out[lang] = string.Formatter().vformat(entry[lang], (), _Keep(values))
    return BilingualText(**out)


def reason(
    code: str,
    /,
    *,
    feature: str | None = None,
    value: JsonScalar = None,
    contribution: float = 0.0,
    **params: Any,
) -> Reason:
    """A decision reason for ``code`` (its text from the catalogue)."""
    return Reason(
        code=code,
        text=text(code, **params),
        feature=feature,
        value=value,
        contribution=contribution,
    )


def texts(code: str, lang: str, columns: Mapping[str, Any], n: int) -> np.ndarray:
    """The ``lang`` text of ``code`` for ``n`` rows: each placeholder filled from the array
    of strings (or one string for every row) of the same name in ``columns``, vectorised."""
    out = np.full(n, "", dtype=object)
    for literal, name, _, _ in string.Formatter().parse(catalogue()[code][lang]):
        if literal:
            out = out + literal
        if name is not None:
            value = columns[name]
            out = out + (value if isinstance(value, str) else np.asarray(value, dtype=object))
    return out
