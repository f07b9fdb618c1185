"""Regenerate ``identity/data/names_cantonese.tsv`` from the cantonese-romanisation wheel.

Source: PyPI ``cantonese-romanisation`` 1.0.5 (MIT, by Chun Law), whose ``charToRoman.json``
maps traditional characters to Hong Kong Government Cantonese Romanisation spellings (the
spellings on HKID cards, e.g. 陳 Chan, 張 Cheung) and ``charToLshk.json`` to LSHK Jyutping.
finbrain does not depend on the package at run time: the table is stored as data, keyed by the
simplified form (OpenCC t2s) because names are compared after traditional→simplified folding.

    pip download --no-deps cantonese-romanisation==1.0.5 -d /tmp/cr
    unzip /tmp/cr/*.whl -d /tmp/cr
    python -m finbrain.identity.names._build_tables /tmp/cr/cantoroman/data
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import opencc

OUT = Path(__file__).resolve().parent.parent / "data" / "names_cantonese.tsv"
HEADER = """\
# Cantonese readings per character (simplified key), for name romanisation.
# columns: char<TAB>hk_government (space-separated)<TAB>jyutping without tones (space-separated)
# source: PyPI cantonese-romanisation 1.0.5 (MIT licence, Chun Law), data/charToRoman.json and
#   data/charToLshk.json, keys folded with OpenCC t2s; regenerate with
#   python -m finbrain.identity.names._build_tables <unpacked cantoroman/data>
"""


def _merge(target: dict[str, list[str]], key: str, values: list[str]) -> None:
    bucket = target.setdefault(key, [])
    for value in values:
        if value not in bucket:
            bucket.append(value)


def build(data_dir: Path) -> str:
    roman: dict[str, list[str]] = json.loads((data_dir / "charToRoman.json").read_text("utf-8"))
    lshk: dict[str, list[str]] = json.loads((data_dir / "charToLshk.json").read_text("utf-8"))
    t2s = opencc.OpenCC("t2s")
    hk: dict[str, list[str]] = {}
    jp: dict[str, list[str]] = {}
    for char, spellings in roman.items():
        for key in {char, t2s.convert(char)}:
            _merge(hk, key, [re.sub(r"[^a-z]", "", s.lower()) for s in spellings])
    for char, readings in lshk.items():
        # one source reading carries a stray NUL byte: keep letters only.
        toneless = [re.sub(r"[^a-z]", "", r) for r in readings]
        for key in {char, t2s.convert(char)}:
            _merge(jp, key, toneless)
    lines = [HEADER.rstrip("\n")]
    for char in sorted(set(hk) | set(jp)):
        if len(char) != 1:
            continue
        lines.append(f"{char}\t{' '.join(hk.get(char, []))}\t{' '.join(jp.get(char, []))}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    OUT.write_text(build(Path(sys.argv[1])), encoding="utf-8")
    print(f"wrote {OUT}")
