"""Han names: surname split and romanisation sets (Hanyu Pinyin, Wade-Giles, Cantonese).

Pinyin readings come from pypinyin (every reading of a character, since a given name may use
any); the surname uses its surname reading from ``surnames.tsv`` (单 Shan, not Dan). Wade-Giles
is pypinyin's own pinyin→Wade-Giles table, written without apostrophes and umlauts as passports
and sanctions lists do (Ch'en → Chen). Cantonese is the Hong Kong Government romanisation (the
spelling on HKID cards) plus Jyutping, from ``names_cantonese.tsv``.
"""

from __future__ import annotations

from functools import cache, lru_cache
from importlib import resources

from pypinyin import Style, pinyin
from pypinyin.style.wadegiles import to_wade_glides

SYSTEMS = ("pinyin", "wade_giles", "cantonese")

# pypinyin 0.55's Wade-Giles table departs from Wade-Giles for these syllables: it writes the
# final -ai as -ei (mai -> mei, so Mai met Mei), tie as t'oeh, huo and shuo as ho and sho (ho is
# Wade-Giles for he), and chua with a backtick. Wade-Giles keeps -ai, writes -ie as -ieh and
# keeps -uo after h and sh (Wade-Giles tables, e.g. the Library of Congress pinyin conversion
# table). Found by comparing with an independent table (benchmarks/identity_probes.py);
# _build_tables writes the same into names_romanisation.tsv.
WADE_GILES_FIXES = {
    "ai": "ai", "hai": "hai", "lai": "lai", "mai": "mai", "nai": "nai", "sai": "sai",
    "shai": "shai", "wai": "wai", "yai": "yai", "tie": "t'ieh", "huo": "huo", "shuo": "shuo",
    "chua": "ch'ua",
}  # fmt: skip


def _data(name: str) -> str:
    return resources.files("finbrain.identity").joinpath(f"data/{name}").read_text("utf-8")


@cache
def surnames() -> dict[str, tuple[int | None, tuple[str, ...]]]:
    """Surname → (frequency rank or None, surname readings in toneless pinyin)."""
    table: dict[str, tuple[int | None, tuple[str, ...]]] = {}
    for line in _data("surnames.tsv").splitlines():
        if not line or line.startswith("#") or line.startswith("surname\t"):
            continue
        surname, rank, readings = line.split("\t")
        table[surname] = (int(rank) if rank else None, tuple(readings.split()))
    return table


@cache
def _cantonese() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for line in _data("names_cantonese.tsv").splitlines():
        if not line or line.startswith("#"):
            continue
        char, hk, jyutping = line.split("\t")
        table[char] = tuple(dict.fromkeys([*hk.split(), *jyutping.split()]))
    return table


def _plain(syllable: str) -> str:
    """Lower ASCII as names are written: no tones, apostrophes or umlauts (ü → u)."""
    return syllable.replace("'", "").replace("ü", "u").replace("v", "u")


@lru_cache(maxsize=32768)
def pinyin_readings(char: str) -> tuple[str, ...]:
    """Every toneless pinyin reading of a character, the most common first."""
    readings = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    found = readings[0] if readings else []
    return tuple(dict.fromkeys(r.replace("ü", "v") for r in found if r.isalpha()))


def _spellings(pinyin_syllable: str) -> list[str]:
    """The written forms of one pinyin syllable: lü is written lu, lv or lyu."""
    if "v" in pinyin_syllable:
        return [
            pinyin_syllable.replace("v", "u"),
            pinyin_syllable,
            pinyin_syllable.replace("v", "yu"),
        ]
    return [pinyin_syllable]


@lru_cache(maxsize=32768)
def wade_giles(pinyin_syllable: str) -> str:
    return _plain(WADE_GILES_FIXES.get(pinyin_syllable) or to_wade_glides(pinyin_syllable))


def split_surname(chars: str) -> tuple[str, str]:
    """(surname, given name): compound surnames first, and only when a given name remains."""
    table = surnames()
    if len(chars) >= 3 and chars[:2] in table:
        return chars[:2], chars[2:]
    if len(chars) >= 2:
        return chars[:1], chars[1:]
    return chars, ""


@lru_cache(maxsize=32768)
def syllable_sets(chars: str, surname_length: int) -> dict[str, tuple[frozenset[str], ...]]:
    """Per system, one set of acceptable written syllables per character."""
    table = surnames()
    surname = chars[:surname_length]
    surname_readings = table.get(surname, (None, ()))[1]
    result: dict[str, list[frozenset[str]]] = {system: [] for system in SYSTEMS}
    for index, char in enumerate(chars):
        if index < surname_length and surname_readings:
            # A compound surname's reading is one word (尉迟 yuchi): split it per character
            # by the character's own readings that it starts with.
            if surname_length == 1:
                readings: tuple[str, ...] = surname_readings
            else:
                readings = _compound_part(surname, surname_readings[0], index)
        else:
            readings = pinyin_readings(char)
        spelled = [s for r in readings for s in _spellings(r)]
        result["pinyin"].append(frozenset(spelled))
        result["wade_giles"].append(frozenset(wade_giles(r) for r in readings))
        result["cantonese"].append(frozenset(_cantonese().get(char, ())))
    return {system: tuple(sets) for system, sets in result.items()}


def _compound_part(surname: str, reading: str, index: int) -> tuple[str, ...]:
    first = surname[0]
    for candidate in pinyin_readings(first) or ("",):
        if reading.startswith(candidate) and len(candidate) < len(reading):
            return (candidate,) if index == 0 else (reading[len(candidate) :],)
    return pinyin_readings(surname[index])


def primary(chars: str, system: str, surname_length: int) -> tuple[str, ...]:
    """The usual spelling of each character (first reading) in a system, for display and keys."""
    out: list[str] = []
    table = surnames()
    for index, char in enumerate(chars):
        if system == "cantonese":
            readings = _cantonese().get(char, ())
            out.append(readings[0] if readings else "")
            continue
        surname_readings = table.get(chars[:surname_length], (None, ()))[1]
        if index < surname_length and surname_readings:
            reading = (
                surname_readings[0]
                if surname_length == 1
                else _compound_part(chars[:surname_length], surname_readings[0], index)[0]
            )
        else:
            readings = pinyin_readings(char)
            reading = readings[0] if readings else ""
        reading = reading.replace("v", "u") if system == "pinyin" else wade_giles(reading)
        out.append(reading)
    return tuple(out)
