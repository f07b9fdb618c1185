"""Uyghur names in Uyghur Latin spellings and in their Chinese transcription, linked.

The lists write one Uyghur person as MEMETI, Memetiming, as MAIMAITI, Maimaitiming (the pinyin
of the Chinese transcription 买买提明) and as 阿不都·哈克 / Abudu Hake / ABDUL HAQ. Chinese writes
each Uyghur syllable with one character and a syllable-closing consonant with a character of its
own (Memet 买买提 mai-mai-ti), so the vowels of the pinyin reading are Chinese, not Uyghur: two
spellings are compared by their consonants, each taken to the sound class the transcription
writes it with (``names_uyghur.tsv``: Memet and Maimaiti are both M-M-T, Erkin and Aierken R-K-N),
plus a few name elements whose spellings come from different forms of one name (Muhammad /
Memet, Abdul / Abudu).

Consonants alone are weak evidence, so the link is narrow: one side must look Uyghur (a
transcription: a token that reads as three pinyin syllables or more, one of them a syllable the
transcription writes a closing consonant with, such as 提 ti or 尔 er, or Han characters split
by a middle dot; or a listed name element), both names have the same number of tokens, every
token pairs, and when neither name is a transcription two spellings link only when they are
also alike (Haq / Heq). A link is a hit to review, named step by step.
"""

from __future__ import annotations

import itertools
from functools import cache, lru_cache
from importlib import resources

from pypinyin import Style, lazy_pinyin
from rapidfuzz.distance import Levenshtein

MIN_TRANSCRIPTION_SYLLABLES = 3
MIN_MARK_CONSONANTS = 3  # a transcribed token that marks a name as Uyghur (not Maria: M-R)
MIN_LINK_CONSONANTS = 2
LATIN_ALIKE = 0.65  # two Latin spellings (not transcriptions) must also look alike (Haq / Heq)
MAX_TOKENS = 4
_VOWELS = frozenset("aeiouy")
MIDDLE_DOTS = "·•・‧∙"  # Chinese transcriptions of foreign names separate the parts with one


@cache
def _table() -> tuple[
    dict[str, str], dict[str, str], dict[str, str], dict[str, str], dict[str, str]
]:
    """(Latin letter group -> class, pinyin initial -> class, spelling -> element,
    element -> its Chinese transcriptions, closing syllable -> why)."""
    text = resources.files("finbrain.identity").joinpath("data/names_uyghur.tsv")
    latin: dict[str, str] = {}
    pinyin: dict[str, str] = {}
    elements: dict[str, str] = {}
    written: dict[str, str] = {}
    closing: dict[str, str] = {}
    for line in text.read_text("utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        section, spelling, value, why = [*line.split("\t"), ""][:4]
        if section == "latin":
            latin[spelling] = value
        elif section == "pinyin":
            pinyin[spelling] = value
        elif section == "closing":
            closing[spelling] = why
        elif section == "element":
            written[spelling] = value.replace("|", "、")
            for form in why.split():
                elements[form] = spelling
    return latin, pinyin, elements, written, closing


@cache
def _pinyin_syllables() -> frozenset[str]:
    """Every toneless Hanyu Pinyin syllable (names_romanisation.tsv, system pinyin)."""
    text = resources.files("finbrain.identity").joinpath("data/names_romanisation.tsv")
    out = set()
    for line in text.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            spelling, system = line.split("\t")[:2]
            if system == "pinyin":
                out.add(spelling)
    return frozenset(out)


@lru_cache(maxsize=131072)
def pinyin_reading(token: str) -> tuple[str, ...]:
    """The token as pinyin syllables (fewest syllables), or () when it is none."""
    syllables = _pinyin_syllables()
    best: list[tuple[str, ...]] = []

    def walk(pos: int, path: tuple[str, ...]) -> None:
        if best and len(path) >= len(best[0]):
            return
        if pos == len(token):
            best[:] = [path]
            return
        for end in range(min(len(token), pos + 6), pos, -1):
            if token[pos:end] in syllables:
                walk(end, (*path, token[pos:end]))

    walk(0, ())
    return best[0] if best else ()


def _pinyin_classes(syllables: tuple[str, ...]) -> str:
    table = _table()[1]
    out = []
    for syllable in syllables:
        if syllable == "er":
            out.append(table["er"])
            continue
        initial = syllable[:2] if syllable[:2] in ("zh", "ch", "sh") else syllable[:1]
        if initial in table:
            out.append(table[initial])
        if syllable.endswith("ng"):
            out.append(table["-ng"])
        elif syllable.endswith("n"):
            out.append(table["-n"])
    return "".join(out)


def _latin_classes(token: str) -> str:
    table = _table()[0]
    # Double letters are one sound (Muhemmed); an h that closes a syllable is dropped (Mehmet).
    squeezed = "".join(c for i, c in enumerate(token) if i == 0 or c != token[i - 1])
    out = []
    i = 0
    while i < len(squeezed):
        pair = squeezed[i : i + 2]
        if len(pair) == 2 and pair in table:
            out.append(table[pair])
            i += 2
            continue
        char = squeezed[i]
        following = squeezed[i + 1 : i + 2]
        if char == "h" and i > 0 and following not in _VOWELS:
            i += 1
            continue
        if char in table:
            out.append(table[char])
        i += 1
    return "".join(out)


def _transcribed(syllables: tuple[str, ...]) -> bool:
    """Three pinyin syllables or more, one of them writing a closing consonant, and three
    consonants or more."""
    if len(syllables) < MIN_TRANSCRIPTION_SYLLABLES:
        return False
    closing = _table()[4]
    return any(s in closing for s in syllables) and (
        len(_pinyin_classes(syllables)) >= MIN_MARK_CONSONANTS
    )


@lru_cache(maxsize=131072)
def reading(token: str) -> tuple[str, str, bool]:
    """(element or "", consonant classes, read as a transcription) of one token. A listed
    element spelling that reads as pinyin (Abudu, Maimaiti) is a transcription too."""
    element = _table()[2].get(token, "")
    syllables = pinyin_reading(token)
    transcribed = _transcribed(syllables) or bool(element and len(syllables) >= 2)
    classes = _pinyin_classes(syllables) if transcribed else _latin_classes(token)
    return element, classes, transcribed and len(classes) >= MIN_LINK_CONSONANTS


def marks(token: str) -> bool:
    """A token that makes a name look Uyghur: a Chinese transcription (Maimaiti, Abudu)."""
    return reading(token)[2]


def _join_article(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """'Abd Al-Haq: the Arabic article written apart joins the word before (abdal haq)."""
    out: list[str] = []
    for token in tokens:
        if out and token in ("al", "el", "ul") and out[-1] in ("abd", "abdel", "abdul"):
            out[-1] = out[-1] + token if out[-1] == "abd" else out[-1]
            continue
        out.append(token)
    return tuple(out)


def tokens_of(latin: tuple[str, ...]) -> tuple[str, ...]:
    """The tokens a Latin name is compared by: () when it cannot be a Uyghur name here."""
    joined = _join_article(latin)
    if not 2 <= len(joined) <= MAX_TOKENS or not all(t.isalpha() for t in joined):
        return ()
    return joined


def transcription_of(original: str, han: str) -> tuple[str, ...]:
    """A Han name written as a transcription of a foreign name (阿不都·哈克): the pinyin of each
    part between middle dots, as tokens (abudu, hake); () otherwise."""
    if not han or not any(dot in original for dot in MIDDLE_DOTS):
        return ()
    parts = [original]
    for dot in MIDDLE_DOTS:
        parts = [piece for part in parts for piece in part.split(dot)]
    by_han = {han: element for element, forms in _table()[3].items() for han in forms.split("、")}
    words = []
    for part in parts:
        chars = "".join(c for c in part if "\u3400" <= c <= "\u9fff")
        if chars in by_han:
            words.append(by_han[chars])  # 阿不都 is Abdu, whatever pypinyin reads 都 as
        elif chars:
            words.append("".join(lazy_pinyin(chars, style=Style.NORMAL)).replace("ü", "v"))
    return tuple(words) if 2 <= len(words) <= MAX_TOKENS else ()


def _token_link(a: str, b: str, anchored: bool) -> str | None:
    """How two tokens spell one Uyghur name part: "same", "element", "consonants" or None.
    ``anchored``: one of them is a transcription (from Han, or read as one)."""
    if a == b:
        return "same"
    ea, ca, _ = reading(a)
    eb, cb, _ = reading(b)
    if ea and ea == eb:
        return "element"
    if ea or eb or ca != cb or len(ca) < MIN_LINK_CONSONANTS:
        return None
    if (a[0] in _VOWELS) != (b[0] in _VOWELS):
        return None  # the transcription keeps a name's first sound (Iman is no Mann)
    if not anchored and Levenshtein.normalized_similarity(a, b) < LATIN_ALIKE:
        return None
    return "consonants"


@lru_cache(maxsize=65536)
def link(
    a: tuple[str, ...], b: tuple[str, ...], han_a: bool = False, han_b: bool = False
) -> tuple[tuple[str, str, str], ...] | None:
    """(token a, token b, how) for every token, when two names spell one Uyghur name in some
    order of b's tokens; None otherwise. ``han_a`` / ``han_b``: that side was transcribed from
    Han (阿不都·哈克), so each of its tokens is a transcription."""
    if not a or not b or len(a) != len(b) or a == b:
        return None
    if not (han_a or han_b or any(marks(t) for t in (*a, *b))):
        return None
    # A name is transcribed as a whole: one transcription token makes every token of its side
    # one (Abudu Hake: hake is 哈克, Haq).
    anchored = han_a or han_b or any(reading(t)[2] for t in a) or any(reading(t)[2] for t in b)
    for order in itertools.permutations(b):
        found = [(x, y, _token_link(x, y, anchored)) for x, y in zip(a, order, strict=True)]
        if all(how for _, _, how in found) and any(how != "same" for _, _, how in found):
            return tuple((x, y, str(how)) for x, y, how in found)
    return None


def describe(
    pairs: tuple[tuple[str, str, str], ...], han_a: bool = False, han_b: bool = False
) -> tuple[str, str]:
    """Each differing token pair named, in en and zh: "Uyghur Latin memet ↔ transcription
    maimaiti (consonants M-M-T)". A side is a transcription as a whole (link())."""
    written = _table()[3]
    side_a = han_a or any(reading(a)[2] for a, _, _ in pairs)
    side_b = han_b or any(reading(b)[2] for _, b, _ in pairs)
    labels = {True: ("transcription", "汉字音译"), False: ("Uyghur Latin", "维吾尔拉丁字母")}
    en: list[str] = []
    zh: list[str] = []
    for a, b, how in pairs:
        if how == "same":
            continue
        element = reading(a)[0] or reading(b)[0]
        if element:
            en.append(f"{a} ↔ {b}: one name ({written[element]})")
            zh.append(f"{a} ↔ {b}：同一人名（{written[element]}）")
            continue
        sound = "-".join(reading(a)[1])
        (en_a, zh_a), (en_b, zh_b) = labels[side_a], labels[side_b]
        en.append(f"{en_a} {a} ↔ {en_b} {b} (consonants {sound})")
        zh.append(f"{zh_a} {a} ↔ {zh_b} {b}（辅音 {sound}）")
    return "; ".join(en), "；".join(zh)


def blocking_keys(tokens: tuple[str, ...]) -> set[str]:
    """The one key a Uyghur twin also gets: the consonants (or element) of every token, sorted.
    link() pairs every token with equal consonants, the same element or the same spelling, so
    two names it links share this key, and few other names do. Only names with a part of three
    consonants or an element get one: a transcription has such a part, and so does what it
    links with; a key of short parts (Li Na: N|R) would be shared by thousands."""
    if not tokens:
        return set()
    parts = sorted(reading(token)[0] or reading(token)[1] for token in tokens)
    if not any(reading(t)[0] or len(reading(t)[1]) >= MIN_MARK_CONSONANTS for t in tokens):
        return set()
    return {"u:" + "|".join(parts)}
