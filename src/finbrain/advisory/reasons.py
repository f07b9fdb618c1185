"""The advisory reason catalogue: every reason code with its zh and en template (data, in
``data/reasons.json``), turned into :class:`~finbrain.core.decision.Reason` objects."""

from __future__ import annotations

import json
import string
from functools import cache
from importlib import resources
from typing import Any

from finbrain.core.decision import BilingualText, JsonScalar, Reason

__all__ = ["catalogue", "reason", "text"]


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Code -> ``{"zh": template, "en": template}``."""
    raw = resources.files("finbrain.advisory").joinpath("data/reasons.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(raw)
    codes: dict[str, dict[str, str]] = data["codes"]
    return codes


class _Keep(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def text(code: str, /, **params: Any) -> BilingualText:
    """The zh/en text of ``code`` with its placeholders filled (a ``{"zh":…, "en":…}`` param
    fills each language with its own part)."""
    entry = catalogue()[code]
    out = {}
    for lang in ("zh", "en"):
        values = {name: _in(value, lang) for name, value in params.items()}
        out[lang] = string.Formatter().vformat(entry[lang], (), _Keep(values))
    return BilingualText(**out)


def _in(value: Any, lang: str) -> Any:
    if isinstance(value, BilingualText):
        return getattr(value, lang)
    if isinstance(value, dict) and set(value) == {"zh", "en"}:
        return value[lang]
    return value


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
