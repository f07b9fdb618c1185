"""Organisations named in Chinese on one side and in English on the other.

``translations(han)`` renders a Chinese organisation name (its legal form already stripped) in
English: known business words and legal forms through ``names_org_terms.csv`` (技术 Technologies,
集团 Group, 控股 Holdings, 有限公司 Co., Ltd.), everything else (the brand) through pinyin
(华为 Huawei, 阿里巴巴 Alibaba), plus the curated English names of well-known firms whose English
name is neither (``names_org_aliases.csv``: 中兴通讯 ZTE, 联想 Lenovo). The matcher then scores
each rendering against the English name token by token, legal-form and business words weighing
less than the distinctive ones.
"""

from __future__ import annotations

import csv
import io
import itertools
from functools import cache, lru_cache
from importlib import resources

from pypinyin import lazy_pinyin

MAX_RENDERINGS = 8


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("finbrain.identity").joinpath(f"data/{name}").read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


@cache
def terms() -> tuple[tuple[str, tuple[str, ...], str], ...]:
    """(Chinese, English renderings, kind), longest Chinese first; a curated firm name is a
    term too, so that 腾讯控股 reads as Tencent Holdings."""
    rows = [
        (r["zh"], tuple(r["english"].split("|")), r["kind"]) for r in _rows("names_org_terms.csv")
    ]
    rows += [(zh, english, "alias") for zh, english in aliases().items()]
    # Longest first; at equal length a firm's own name before the generic words.
    return tuple(sorted(rows, key=lambda r: (-len(r[0]), r[2] != "alias")))


@cache
def aliases() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for row in _rows("names_org_aliases.csv"):
        out.setdefault(row["zh"], []).append(row["english"])
    return {k: tuple(v) for k, v in out.items()}


def has_org_word(han: str) -> bool:
    return any(zh in han for zh, _, kind in terms() if kind == "word" and len(zh) >= 2)


def _brand(run: str) -> tuple[str, ...]:
    """A run of characters no table knows: its pinyin as one word (华为 huawei) or syllables,
    read as a phrase (长安 chang an, not zhang an)."""
    spelled = [s.replace("ü", "u") for s in lazy_pinyin(run, errors="ignore") if s.isalpha()]
    if not spelled:
        return ()
    joined = "".join(spelled)
    return (joined, " ".join(spelled)) if len(spelled) > 1 else (joined,)


@lru_cache(maxsize=16384)
def translations(han: str) -> tuple[str, ...]:
    """English renderings of a Chinese organisation name, the curated ones first."""
    out: list[str] = list(aliases().get(han, ()))
    pieces: list[tuple[str, ...]] = []
    run = ""
    i = 0
    while i < len(han):
        for zh, english, _kind in terms():
            if han.startswith(zh, i):
                if run:
                    pieces.append(_brand(run))
                    run = ""
                pieces.append(english)
                i += len(zh)
                break
        else:
            run += han[i]
            i += 1
    if run:
        pieces.append(_brand(run))
    pieces = [p for p in pieces if p]
    if pieces and any(len(p) for p in pieces):
        for combination in itertools.islice(itertools.product(*pieces), MAX_RENDERINGS):
            out.append(" ".join(combination))
    return tuple(dict.fromkeys(out))[:MAX_RENDERINGS]
