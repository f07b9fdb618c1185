"""Text normalisation for names: NFKC, traditional→simplified, folding, titles, legal forms."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_T2S = opencc.OpenCC("t2s")

# Letters that NFKD does not decompose into a base letter plus marks.
_SPECIAL_FOLD = {
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "ı": "i",
    "þ": "th", "ħ": "h", "ŋ": "ng", "ſ": "s", "ĸ": "k", "ŧ": "t",
}  # fmt: skip

# Romanisation of Cyrillic (Russian/Ukrainian/Belarusian/Serbian/Kazakh letters, close to the
# ICAO 9303 passport table) and Greek (ELOT 743 basics): written here because no installed
# dependency transliterates; other scripts (Arabic, Hebrew, Thai, ...) are compared as written.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ў": "u", "ф": "f",
    "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "iu", "я": "ia", "ђ": "dj", "ј": "j", "љ": "lj", "њ": "nj", "ћ": "c",
    "џ": "dz", "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h",
}  # fmt: skip
_GREEK = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i",
    "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s",
    "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
}  # fmt: skip
_TRANSLIT = {**_CYRILLIC, **_GREEK}

# Personal titles and honorifics (dropped where they stand before or after the name).
TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "professor",
        "sir",
        "dame",
        "madam",
        "madame",
        "mme",
        "mlle",
        "monsieur",
        "herr",
        "frau",
        "srta",
        "president",
        "praesident",
        "prasident",
        "general",
        "colonel",
        "capt",
        "captain",
        "shaikh",
        "sheikh",
        "sheik",
        "hajji",
        "haji",
        "mullah",
        "maulana",
        "mawlawi",
        "honourable",
        "honorable",
        "rev",
        "reverend",
        "lord",
        "lady",
        "excellency",
        "h.e.",
        "jr",
    ]
)
HAN_TITLES = (
    "先生",
    "女士",
    "小姐",
    "太太",
    "夫人",
    "博士",
    "教授",
    "同志",
    "老师",
    "医生",
    "律师",
)

# Legal forms: surface form -> canonical family. Multi-word forms are matched as token runs.
_LEGAL_FORMS: dict[str, str] = {
    "ltd": "ltd", "limited": "ltd", "plc": "plc", "public limited company": "plc",
    "llc": "llc", "l l c": "llc", "limited liability company": "llc", "ooo": "llc", "o o o": "llc",
    "obshchestvo s ogranichennoi otvetstvennostiu": "llc",
    "inc": "inc", "incorporated": "inc", "corp": "corp", "co": "co",
    "gmbh": "gmbh", "g m b h": "gmbh", "gesellschaft mit beschrankter haftung": "gmbh",
    "ag": "ag", "aktiengesellschaft": "ag", "akg": "ag",
    "sa": "sa", "s a": "sa", "sas": "sas", "sarl": "sarl", "s a r l": "sarl", "srl": "srl",
    "s r l": "srl", "societatea cu raspundere limitata": "srl", "spa": "spa", "s p a": "spa",
    "bv": "bv", "b v": "bv", "nv": "nv", "n v": "nv", "bvba": "bvba", "b v b a": "bvba",
    "ab": "ab", "as": "as", "a s": "as", "oy": "oy", "kg": "kg", "gbr": "gbr",
    "jsc": "jsc", "ojsc": "jsc", "pjsc": "jsc", "cjsc": "jsc", "oao": "jsc", "pao": "jsc",
    "zao": "jsc", "ao": "jsc", "joint stock company": "jsc", "open joint stock company": "jsc",
    "closed joint stock company": "jsc", "public joint stock company": "jsc",
    "lp": "lp", "l p": "lp", "llp": "llp", "l l p": "llp", "pte": "pte", "pty": "pty",
    "sp z o o": "spzoo", "sp zoo": "spzoo", "s l": "sl", "sl": "sl", "s a de c v": "sadecv",
    "na": "na", "n a": "na",
    "pt": "pt", "p t": "pt", "kk": "kk", "kabushiki kaisha": "kk",
}  # fmt: skip
# Longest runs first so that "open joint stock company" wins over "company"-free "jsc" parts.
_LEGAL_RUNS = sorted(
    ((tuple(k.split()), v) for k, v in _LEGAL_FORMS.items()), key=lambda kv: -len(kv[0])
)
# The same runs filed under their first word, longest first (strip_legal_forms tries only
# those that can start at a token).
_LEGAL_RUNS_BY_FIRST: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _run, _family in _LEGAL_RUNS:
    _LEGAL_RUNS_BY_FIRST.setdefault(_run[0], []).append((_run, _family))
HAN_LEGAL_FORMS = (
    "股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "股份公司", "公司",
)  # fmt: skip

_PUNCT_DROP = re.compile(r"[\u0027\u2018\u2019\u02bc\u02bb\u0060\u00b4]")  # apostrophes
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "9": "g"})
_TONED = re.compile(r"^(?:[a-z]+[1-5])+$")


def is_han(char: str) -> bool:
    return bool(_HAN_RE.match(char))


@lru_cache(maxsize=65536)
def _fold_char(char: str) -> str:
    """ASCII-fold a Latin letter; transliterate Cyrillic/Greek; keep other scripts."""
    if char.isascii():
        return char
    if char in _SPECIAL_FOLD:
        return _SPECIAL_FOLD[char]
    if char in _TRANSLIT:
        return _TRANSLIT[char]
    try:
        name = unicodedata.name(char)
    except ValueError:
        return char
    if name.startswith(("LATIN", "GREEK")):
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        base = "".join(_TRANSLIT.get(c, c) for c in base)
        return base if base.isascii() else char
    if name.startswith("CYRILLIC"):
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        return "".join(_TRANSLIT.get(c, c) for c in base)
    return char


def script_of(char: str) -> str:
    """'han', 'latin' (incl. transliterable Cyrillic/Greek), 'kana_hangul' or 'other'."""
    if is_han(char):
        return "han"
    if char.isascii():
        return "latin"
    name = unicodedata.name(char, "")
    if name.startswith("LATIN"):
        return "latin"
    if name.startswith(("CYRILLIC", "GREEK")):
        return "translit"
    if name.startswith(("HANGUL", "HIRAGANA", "KATAKANA")):
        return "kana_hangul"
    return "other"


def base_clean(text: str) -> str:
    """NFKC (full-width → ASCII), traditional → simplified, case folding, punctuation → space."""
    text = unicodedata.normalize("NFKC", text)
    if _HAN_RE.search(text):
        text = _T2S.convert(text)
    text = text.casefold()
    text = _PUNCT_DROP.sub("", text)
    text = text.replace("&", " and ").replace("%", " percent ")
    out = []
    for char in text:
        if char.isalnum() or unicodedata.category(char) in ("Mn", "Mc"):
            out.append(char)
        else:
            out.append(" ")
    return " ".join("".join(out).split())


def fold_token(token: str) -> str:
    """A Latin-script token in lower ASCII; tone digits of pinyin and leetspeak digits folded."""
    folded = "".join(_fold_char(c) for c in token)
    if folded.isascii() and any(c.isdigit() for c in folded) and any(c.isalpha() for c in folded):
        # "xiao3ming2" carries pinyin tones; "ig0r" swaps letters for look-alike digits.
        folded = re.sub(r"[1-5]", "", folded) if _TONED.match(folded) else folded.translate(_LEET)
    return folded


def strip_titles(tokens: list[str]) -> list[str]:
    """Drop titles at the start or end, never the whole name."""
    while len(tokens) > 1 and tokens[0] in TITLES:
        tokens = tokens[1:]
    while len(tokens) > 1 and tokens[-1] in TITLES:
        tokens = tokens[:-1]
    return tokens


# Legal forms that are also ordinary name syllables (Wang Na, Pan Ao, Ko Sa, Lung-pao): only removed
# from names that are known to be organisations or that carry an organisation word.
_AMBIGUOUS_FORMS = frozenset(
    ["na", "ao", "as", "sa", "ab", "co", "pt", "sl", "oy", "kk", "kg", "lp", "ag", "pao", "zao"]
)
ORG_WORDS = frozenset(
    [
        "company",
        "corporation",
        "group",
        "holding",
        "holdings",
        "bank",
        "trust",
        "fund",
        "partners",
        "international",
        "industries",
        "industry",
        "enterprises",
        "solutions",
        "systems",
        "services",
        "capital",
        "investment",
        "investments",
        "management",
        "organisation",
        "organization",
        "foundation",
        "association",
        "society",
        "institute",
        "university",
        "ministry",
        "government",
        "department",
        "agency",
        "committee",
        "council",
        "union",
        "army",
        "brigade",
        "front",
        "party",
        "motor",
        "motors",
        "energy",
        "oil",
        "gas",
        "petroleum",
        "trading",
        "shipping",
        "airlines",
        "logistics",
        "technology",
        "technologies",
        "electronics",
        "securities",
        "insurance",
        "finance",
        "financial",
    ]
)


def strip_legal_forms(
    tokens: list[str], *, entity: bool = False
) -> tuple[list[str], frozenset[str]]:
    """Remove legal-form runs, keeping at least one token; return them as canonical families."""
    entity = entity or any(t in ORG_WORDS for t in tokens)
    found: set[str] = set()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for run, family in _LEGAL_RUNS_BY_FIRST.get(tokens[i], ()):
            n = len(run)
            if (
                tuple(tokens[i : i + n]) == run
                and len(tokens) - n >= 1
                and (entity or run[0] not in _AMBIGUOUS_FORMS)
            ):
                found.add(family)
                i += n
                break
        else:
            out.append(tokens[i])
            i += 1
    if not out:  # the name is nothing but a legal form ("AG"): keep it as written
        return tokens, frozenset()
    return out, frozenset(found)


def merge_initials(tokens: list[str]) -> list[str]:
    """'a b c company' → 'abc company': runs of two or more single letters are one initialism."""
    out: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if len(token) == 1 and token.isascii() and token.isalpha():
            run.append(token)
            continue
        if len(run) >= 2:
            out.append("".join(run))
        else:
            out.extend(run)
        run = []
        if token:
            out.append(token)
    return out
