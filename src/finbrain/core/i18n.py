"""zh/en message catalogue and ``Accept-Language`` negotiation.

The catalogue is data (``messages/{zh,en}.json``), keyed by the stable error codes and ``ui.*``
keys. Every key exists in both languages with the same placeholders (a test enforces it).

Core holds its own texts (the error codes). Each capability keeps its texts beside its code, in
a ``messages/`` folder of its own, and adds it with :func:`add_catalogues` (the platform adds
every such folder under it when it is imported); a key may be defined in one folder only.
"""

from __future__ import annotations

import json
import string
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, Literal

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")


_FOLDERS: list[Traversable] = [resources.files("finbrain.core") / "messages"]


def add_catalogues(*folders: Traversable) -> None:
    """Add ``messages/`` folders (each with ``zh.json`` and ``en.json``) to the catalogue."""
    for folder in folders:
        if str(folder) not in {str(f) for f in _FOLDERS}:
            _FOLDERS.append(folder)
    catalogue.cache_clear()


@cache
def catalogue(language: Language) -> dict[str, str]:
    merged: dict[str, str] = {}
    for folder in _FOLDERS:
        data: dict[str, str] = json.loads(folder.joinpath(f"{language}.json").read_text("utf-8"))
        clash = merged.keys() & data.keys()
        if clash:
            raise ValueError(f"message keys defined twice ({folder}): {sorted(clash)[:5]}")
        merged.update(data)
    return merged


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def message(key: str, language: Language = "en", /, **params: Any) -> str:
    """The text for ``key`` in ``language``; unknown keys fall back to the key itself."""
    template = catalogue(language).get(key) or catalogue("en").get(key) or key
    return template.format_map(_Missing(params))


def both(key: str, /, **params: Any) -> dict[str, str]:
    """``{"zh": ..., "en": ...}``: the shape of every bilingual text in a Decision."""
    return {lang: message(key, lang, **params) for lang in LANGUAGES}


def negotiate(accept_language: str | None, default: Language = "zh") -> Language:
    """Pick zh or en from an RFC 9110 ``Accept-Language`` header, honouring q-values.

    ``zh``, ``zh-CN``, ``zh-Hans``, ``zh-TW`` … map to zh; ``en-*`` to en; ``*`` to the default.
    Malformed parts are ignored rather than failing the request.
    """
    if not accept_language:
        return default
    best: tuple[float, int, Language] | None = None
    for position, part in enumerate(accept_language.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        tag = pieces[0].lower()
        quality = 1.0
        for param in pieces[1:]:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = -1.0
        if not 0.0 < quality <= 1.0:
            continue
        primary = tag.split("-")[0]
        lang: Language | None
        if primary == "*":
            lang = default
        elif primary in LANGUAGES:
            lang = primary
        else:
            lang = None
        if lang is None:
            continue
        # Higher quality wins; on a tie the earlier tag wins (the client's order).
        candidate = (quality, -position, lang)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return best[2] if best else default
