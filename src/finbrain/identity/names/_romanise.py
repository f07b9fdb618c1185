"""Chinese and Korean names in any Latin spelling, linked through syllable keys.

A Latin name is split into syllables of a romanisation (every segmentation a token allows, the
fewest syllables first), and each syllable stands for the set of *keys* it can spell:

* Chinese (``zh``): the Hanyu Pinyin syllables (``names_romanisation.tsv``: pinyin, Wade-Giles,
  Tongyong, MPS2, Hong Kong Government Cantonese and Jyutping spellings). ``hsiao`` (Wade-Giles),
  ``xiao`` (pinyin) and ``siu`` (Cantonese) all stand for ``xiao``, so Ma Hsiao-hung,
  Ma Xiaohong and Ma Siu-hung meet without Han characters on either side.
* Korean (``ko``): the Hangul syllables (``names_korean.json``: Revised Romanization and
  McCune-Reischauer with common passport variants). ``cheol`` (RR) and ``chol`` (MR) both stand
  for 철; a Hangul name is its own key.

Two names link when, in some order (family name first, or moved there from the end), they have
the same number of syllables, every aligned pair shares a key, and each starts with a family
name of that language. Each step is named for the explanation: "Wade-Giles hsiao ↔ pinyin xiao".
"""

from __future__ import annotations

import itertools
import json
from functools import cache, lru_cache
from importlib import resources

from finbrain.identity.names._han import pinyin_readings

FAMILIES = ("zh", "ko")
MAX_SEGMENTATIONS = 6  # per token
MAX_COMBINATIONS = 16  # per name order
MAX_KEYS = 256  # blocking keys per name and family
MIN_HANJA = 3  # characters a Han name needs to be read in Korean (link_hanja)
_MAX_SPELLING = 7
SYSTEM_LABELS = {
    "pinyin": ("Hanyu Pinyin", "汉语拼音"),
    "wade_giles": ("Wade-Giles", "威妥玛拼音"),
    "tongyong": ("Tongyong Pinyin", "通用拼音"),
    "mps2": ("MPS II", "注音二式"),
    "cantonese": ("Cantonese", "粤语拼音"),
    "korean": ("Korean", "韩文罗马字"),
}
_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_FINALS = ("", "ㄱ", "ㄲ", "ㄳ", "ㄴ", "ㄵ", "ㄶ", "ㄷ", "ㄹ", "ㄺ", "ㄻ", "ㄼ", "ㄽ", "ㄾ",
           "ㄿ", "ㅀ", "ㅁ", "ㅂ", "ㅄ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ",
           "ㅎ")  # fmt: skip

Parse = tuple[tuple[tuple[str, ...], ...], ...]  # per token, its segmentations


def _data(name: str) -> str:
    return resources.files("finbrain.identity").joinpath(f"data/{name}").read_text("utf-8")


def is_hangul(char: str) -> bool:
    return _HANGUL_FIRST <= ord(char) <= _HANGUL_LAST


@cache
def _zh_table() -> tuple[
    dict[str, dict[str, frozenset[str]]], dict[str, dict[str, frozenset[str]]]
]:
    """Spelling -> system -> (the pinyin syllables, the characters) it spells in that system."""
    pinyin: dict[str, dict[str, frozenset[str]]] = {}
    chars: dict[str, dict[str, frozenset[str]]] = {}
    for line in _data("names_romanisation.tsv").splitlines():
        if not line or line.startswith("#"):
            continue
        spelling, system, syllables, written = line.split("\t")
        pinyin.setdefault(spelling, {})[system] = frozenset(syllables.split())
        chars.setdefault(spelling, {})[system] = frozenset(written)
    return pinyin, chars


def _zh_systems() -> dict[str, dict[str, frozenset[str]]]:
    return _zh_table()[1]


@cache
def _zh_keys() -> dict[str, frozenset[str]]:
    """Spelling -> the pinyin syllables it can stand for (blocking keys, Han readings)."""
    return {s: frozenset().union(*systems.values()) for s, systems in _zh_table()[0].items()}


@cache
def _zh_chars() -> dict[str, frozenset[str]]:
    """Spelling -> the characters it can write (two spellings link through a shared one)."""
    return {s: frozenset().union(*systems.values()) for s, systems in _zh_table()[1].items()}


@cache
def _zh_family_chars() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """Spelling -> (characters it writes in a Mandarin system, in Cantonese)."""
    out: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
    for spelling, systems in _zh_table()[1].items():
        mandarin = frozenset().union(*(v for k, v in systems.items() if k != "cantonese"))
        out[spelling] = (mandarin, systems.get("cantonese", frozenset()))
    return out


@cache
def _zh_mandarin_keys() -> dict[str, frozenset[str]]:
    """Spelling -> the pinyin syllables it stands for in the Mandarin systems only."""
    return {
        s: frozenset().union(*(v for k, v in systems.items() if k != "cantonese"))
        for s, systems in _zh_table()[0].items()
    }


def _consistent(pairs: list[tuple[str, str]]) -> bool:
    """Given-name syllables read in one family per side (Mandarin or Cantonese), not mixed
    syllable by syllable: Hao-peng is no spelling of 皓屏 (Mandarin hao, Cantonese peng)."""
    if not pairs:
        return True
    table = _zh_family_chars()
    for fa in (0, 1):
        for fb in (0, 1):
            if all(table[x][fa] & table[y][fb] for x, y in pairs):
                return True
    return False


@cache
def _zh_surnames() -> frozenset[str]:
    """Pinyin of every family name in surnames.tsv (compound ones joined: ouyang)."""
    out: set[str] = set()
    for line in _data("surnames.tsv").splitlines():
        if not line or line.startswith("#") or line.startswith("surname\t"):
            continue
        _surname, _rank, readings = line.split("\t")
        out.update(r.replace("ü", "v") for r in readings.split())
    return frozenset(out)


@cache
def _korean() -> dict[str, object]:
    data: dict[str, object] = json.loads(_data("names_korean.json"))
    return data


@cache
def _ko_keys() -> dict[str, frozenset[str]]:
    """Spelling -> the Hangul syllables it can spell (a Hangul syllable spells itself)."""
    data = _korean()
    initials: dict[str, list[str]] = data["initials"]  # type: ignore[assignment]
    vowels: dict[str, list[str]] = data["vowels"]  # type: ignore[assignment]
    finals: dict[str, list[str]] = data["finals"]  # type: ignore[assignment]
    # Every precomposed syllable spells itself, also those whose final the spelling data leaves
    # out (궡 has ㄾ): a Hangul name of rare syllables must parse, not fail on a missing key.
    table: dict[str, set[str]] = {chr(c): {chr(c)} for c in range(_HANGUL_FIRST, _HANGUL_LAST + 1)}
    for i, initial in enumerate(_INITIALS):
        for v, vowel in enumerate(_VOWELS):
            for final, final_spellings in finals.items():
                f = _FINALS.index(final)
                syllable = chr(_HANGUL_FIRST + (i * 21 + v) * 28 + f)
                table.setdefault(syllable, set()).add(syllable)
                for a, b, c in itertools.product(initials[initial], vowels[vowel], final_spellings):
                    table.setdefault(a + b + c, set()).add(syllable)
    surnames: dict[str, list[str]] = data["surnames"]  # type: ignore[assignment]
    for hangul, spellings in surnames.items():
        if len(hangul) == 1:
            for spelling in spellings:
                table.setdefault(spelling, set()).add(hangul)
    return {k: frozenset(v) for k, v in table.items()}


@cache
def _ko_surnames() -> frozenset[str]:
    surnames: dict[str, list[str]] = _korean()["surnames"]  # type: ignore[assignment]
    return frozenset(surnames)


def zh_syllable_spellings() -> dict[str, frozenset[str]]:
    """Every Latin spelling of one Chinese syllable (any system) -> its pinyin syllables."""
    return _zh_keys()


def _keys(family: str) -> dict[str, frozenset[str]]:
    return _zh_keys() if family == "zh" else _ko_keys()


def _link_keys(family: str) -> dict[str, frozenset[str]]:
    return _zh_chars() if family == "zh" else _ko_keys()


@lru_cache(maxsize=131072)
def segmentations(token: str, family: str) -> tuple[tuple[str, ...], ...]:
    """Every way to spell ``token`` as syllables of the family, fewest syllables first."""
    if family == "ko" and token and all(is_hangul(c) for c in token):
        return (tuple(token),)
    table = _keys(family)
    found: list[tuple[str, ...]] = []

    def walk(pos: int, path: tuple[str, ...]) -> None:
        if len(found) >= 4 * MAX_SEGMENTATIONS:
            return
        if pos == len(token):
            found.append(path)
            return
        for end in range(min(len(token), pos + _MAX_SPELLING), pos, -1):
            piece = token[pos:end]
            if piece in table:
                walk(end, (*path, piece))

    walk(0, ())
    found.sort(key=len)
    return tuple(found[:MAX_SEGMENTATIONS])


def parse(tokens: tuple[str, ...], family: str) -> Parse:
    """Per token, its segmentations; () when a token is no name in this family."""
    if not tokens or len(tokens) > 4:
        return ()
    if family == "ko" and len(tokens) == 1 and all(is_hangul(c) for c in tokens[0]):
        hangul = tokens[0]  # 김정은: family name first, written without a space
        cut = 2 if len(hangul) >= 3 and hangul[:2] in _ko_surnames() else 1
        tokens = (hangul[:cut], hangul[cut:]) if len(hangul) > cut else (hangul,)
    out = []
    for token in tokens:
        if not token.isalpha():
            return ()
        found = segmentations(token, family)
        if not found:
            return ()
        out.append(found)
    shortest = sum(len(options[0]) for options in out)
    if not 2 <= shortest <= 5:
        return ()
    return tuple(out)


def _orders(parsed: Parse) -> list[Parse]:
    orders = [parsed]
    if len(parsed) > 1:
        orders.append((parsed[-1], *parsed[:-1]))
    return orders


def _surname_ok(first: tuple[str, ...], family: str) -> bool:
    """The first token of an order must be a family name: one syllable, or a compound one."""
    keys = _keys(family)
    if family == "zh":
        if len(first) == 1:
            return bool(keys[first[0]] & _zh_surnames())
        if len(first) == 2:
            return any(a + b in _zh_surnames() for a in keys[first[0]] for b in keys[first[1]])
        return False
    if len(first) == 1:
        return bool(keys[first[0]] & _ko_surnames())
    if len(first) == 2:
        return any(a + b in _ko_surnames() for a in keys[first[0]] for b in keys[first[1]])
    return False


@lru_cache(maxsize=65536)
def _flat(order: Parse, family: str) -> tuple[tuple[str, ...], ...]:
    """The order's syllable sequences whose first token is a family name (capped)."""
    out = []
    for combination in itertools.product(*order):
        if _surname_ok(combination[0], family):
            out.append(tuple(s for token in combination for s in token))
            if len(out) >= MAX_COMBINATIONS:
                break
    return tuple(out)


@lru_cache(maxsize=65536)
def link(a: Parse, b: Parse, family: str) -> tuple[tuple[str, str], ...] | None:
    """The aligned syllables of two parsed names, when every pair shares a key."""
    keys = _link_keys(family)
    for order_a in _orders(a):
        seqs_a = _flat(order_a, family)
        if not seqs_a:
            continue
        for order_b in _orders(b):
            for seq_b in _flat(order_b, family):
                for seq_a in seqs_a:
                    if len(seq_a) == len(seq_b) and all(
                        keys[x] & keys[y] for x, y in zip(seq_a, seq_b, strict=True)
                    ):
                        pairs = list(zip(seq_a, seq_b, strict=True))
                        if family == "zh" and not _consistent(pairs[1:]):
                            continue
                        if not _family_names_meet(*pairs[0], family):
                            continue
                        return tuple(pairs)
    return None


def link_han(
    han_sets: tuple[frozenset[str], ...], surname_length: int, latin: Parse, han: str = ""
) -> tuple[str, ...] | None:
    """The Latin syllables, one per Han character, when each spells one of its readings."""
    table = _zh_family_chars()
    mandarin_keys = _zh_mandarin_keys()
    for order in _orders(latin):
        for seq in _flat(order, "zh"):
            if len(seq) != len(han_sets) or len(seq) != len(han):
                continue
            # The family name keeps its Mandarin (surname) readings: 繁 is Po, never Fan.
            if not all(
                mandarin_keys.get(s, frozenset()) & readings
                for s, readings in zip(seq[:surname_length], han_sets, strict=False)
            ):
                continue
            given = list(zip(seq[surname_length:], han[surname_length:], strict=True))
            for family in (0, 1):
                if all(
                    char in table[s][family]
                    or (family == 0 and mandarin_keys.get(s, frozenset()) & {_usual(char)})
                    for s, char in given
                ):
                    return seq
    return None


def _usual(char: str) -> str:
    readings = pinyin_readings(char)
    return readings[0] if readings else ""


def blocking_keys(parsed: Parse, family: str) -> set[str]:
    """Keys a cross-romanisation twin also gets: syllable count, family name, first given."""
    keys = _keys(family)
    surnames = _zh_surnames() if family == "zh" else _ko_surnames()
    out: set[str] = set()
    for order in _orders(parsed):
        for seq in _flat(order, family):
            if len(seq) < 2:
                continue
            first = keys[seq[0]] & surnames or keys[seq[0]]
            for s, g in itertools.product(sorted(first), sorted(keys[seq[1]])):
                out.add(f"r{family}:{len(seq)}:{s}|{g}")
                if len(out) >= MAX_KEYS:
                    return out
    return out


def han_blocking_keys(han_sets: tuple[frozenset[str], ...]) -> set[str]:
    """The same keys for a Han name, from its pinyin readings (surname reading first)."""
    if len(han_sets) < 2:
        return set()
    out: set[str] = set()
    known = _zh_keys()
    first = [s for s in han_sets[0] if s in known]
    second = [s for s in han_sets[1] if s in known]
    for s, g in itertools.product(sorted(first), sorted(second)):
        for a, b in itertools.product(known[s], known[g]):
            out.add(f"rzh:{len(han_sets)}:{a}|{b}")
            if len(out) >= MAX_KEYS:
                return out
    return out


def systems_of(spelling: str, key: frozenset[str], *, chars: bool = False) -> list[str]:
    """The Chinese romanisation systems in which ``spelling`` spells one of ``key`` (pinyin
    syllables, or characters with ``chars``)."""
    table = _zh_table()[1 if chars else 0]
    return [s for s, v in table.get(spelling, {}).items() if v & key]


def describe(pairs: tuple[tuple[str, str], ...], family: str) -> tuple[str, str]:
    """Each differing syllable pair named by its systems, in en and zh."""
    keys = _link_keys(family)
    en: list[str] = []
    zh: list[str] = []
    for a, b in pairs:
        if a == b:
            continue
        shared = keys[a] & keys[b]
        if family == "ko":
            hangul = "/".join(sorted(shared)[:3])
            en.append(f"{a} ↔ {b} ({hangul})")
            zh.append(f"{a} ↔ {b}（{hangul}）")
            continue
        # The pair of systems under which the two spellings write the most characters in
        # common (chou is pinyin for 抽 and Wade-Giles for 周; next to jhou it is the latter).
        table = _zh_table()[1]
        ranked = sorted(
            (
                (len(ca & cb), sa == sb, sa, sb)
                for sa, ca in table.get(a, {}).items()
                for sb, cb in table.get(b, {}).items()
            ),
            key=lambda t: (-t[0], t[1]),
        )
        _n, _same, best_a, best_b = ranked[0] if ranked else (0, True, "pinyin", "pinyin")
        la, lb = SYSTEM_LABELS[best_a], SYSTEM_LABELS[best_b]
        common = table[a][best_a] & table[b][best_b] if ranked else shared
        example = "".join(sorted(common)[:2])
        en.append(f"{la[0]} {a} ↔ {lb[0]} {b} ({example})")
        zh.append(f"{la[1]} {a} ↔ {lb[1]} {b}（{example}）")
    return "; ".join(en), "；".join(zh)


def describe_han(
    seq: tuple[str, ...], han: str, han_sets: tuple[frozenset[str], ...]
) -> tuple[str, str]:
    """Each Latin syllable named by its system against its Han character, in en and zh."""
    en: list[str] = []
    zh: list[str] = []
    for spelling, char, readings in zip(seq, han, han_sets, strict=True):
        shared = _zh_keys()[spelling] & readings
        # The character's most common reading among those the spelling stands for.
        reading = next((r for r in pinyin_readings(char) if r in shared), min(shared, default="?"))
        systems = systems_of(spelling, frozenset([reading])) or ["pinyin"]
        label = SYSTEM_LABELS[systems[0]]
        en.append(f"{label[0]} {spelling} ↔ {char} ({reading})")
        zh.append(f"{label[1]} {spelling} ↔ {char}（{reading}）")
    return "; ".join(en), "；".join(zh)


@cache
def _zh_surname_chars() -> dict[str, int]:
    """The one-character family names of surnames.tsv (simplified) -> their rank."""
    from finbrain.identity.names._han import surnames

    return {s: rank or 9999 for s, (rank, _) in surnames().items() if len(s) == 1}


def _family_names_meet(x: str, y: str, family: str) -> bool:
    """Two spellings of the family name write one character, at least one of them in a Mandarin
    romanisation (Hung / Hong: 洪; Faan / Po: 繁), or write one family name's character in any
    (Lau / Liu: 刘). Not: two Cantonese spellings that only share rare characters (Mai / Mei:
    眯, never 麦 or 梅)."""
    if x == y:
        return True
    if family == "zh":
        table = _zh_family_chars()
        (mx, cx), (my, cy) = table[x], table[y]
        if mx & (my | cy) or cx & my:
            return True
    keys = _link_keys(family)
    return bool(keys[x] & keys[y] & _family_name_firsts(family))


@cache
def _family_name_firsts(family: str) -> frozenset[str]:
    """The characters (zh) or Hangul syllables (ko) a family name starts with."""
    if family == "zh":
        from finbrain.identity.names._han import surnames

        return frozenset(s[0] for s in surnames())
    return frozenset(h[0] for h in _ko_surnames())


@lru_cache(maxsize=131072)
def token_link(a: str, b: str) -> tuple[str, str] | None:
    """(family, the family name) when two one-syllable tokens spell one family name in two
    romanisations (Liu / Lau: 刘; Li / Lee: 李; Jo / Cho: 조; Chong / Jeong: 정), else None.

    Only family names: a syllable key alone stands for dozens of characters, but the family
    names that two spellings can share are few, so the link is evidence."""
    if a == b or not (a.isalpha() and b.isalpha()):
        return None
    zh = _zh_chars()
    if a in zh and b in zh:
        ranks = _zh_surname_chars()
        shared = [c for c in zh[a] & zh[b] if c in ranks]
        if shared:
            return ("zh", min(shared, key=lambda c: (ranks[c], c)))
    ko = _ko_keys()
    if a in ko and b in ko:
        surnames: dict[str, list[str]] = _korean()["surnames"]  # type: ignore[assignment]
        order = {h: i for i, h in enumerate(surnames)}
        shared = [h for h in ko[a] & ko[b] if h in order]
        if shared:
            return ("ko", min(shared, key=lambda h: order[h]))
    return None


def describe_family_name(a: str, b: str) -> tuple[str, str]:
    """A token_link pair named, in en and zh: "Hanyu Pinyin liu ↔ Cantonese lau (刘)"."""
    link = token_link(a, b)
    if link is None:
        return "", ""
    family, name = link
    if family == "ko":
        return f"{a} ↔ {b} ({name})", f"{a} ↔ {b}（{name}）"
    table = _zh_table()[1]
    sa = next((k for k, v in table.get(a, {}).items() if name in v), "pinyin")
    sb = next((k for k, v in table.get(b, {}).items() if name in v), "pinyin")
    la, lb = SYSTEM_LABELS[sa], SYSTEM_LABELS[sb]
    return f"{la[0]} {a} ↔ {lb[0]} {b} ({name})", f"{la[1]} {a} ↔ {lb[1]} {b}（{name}）"


@lru_cache(maxsize=131072)
def family_names(token: str) -> tuple[str, ...]:
    """The family names (Han or Hangul) a one-syllable token can spell, in any romanisation
    (lau: 刘 …; lee: 李 …; jo: 조 …): blocking keys for token_link."""
    out: list[str] = []
    ranks = _zh_surname_chars()
    out += sorted(c for c in _zh_chars().get(token, ()) if c in ranks)
    surnames = _ko_surnames()
    out += sorted(h for h in _ko_keys().get(token, ()) if h in surnames and len(h) == 1)
    return tuple(out)


@cache
def _hanja() -> dict[str, frozenset[str]]:
    """Han character (simplified) -> its Korean readings (names_hanja.tsv, from Unihan)."""
    out: dict[str, frozenset[str]] = {}
    for line in _data("names_hanja.tsv").splitlines():
        if line and not line.startswith("#"):
            char, readings = line.split("\t")
            out[char] = frozenset(readings.split())
    return out


def hanja_readings(char: str) -> frozenset[str]:
    return _hanja().get(char, frozenset())


@lru_cache(maxsize=65536)
def link_hanja(han: str, latin: Parse) -> tuple[tuple[str, str], ...] | None:
    """(Latin syllable, Hangul reading) per Han character when a Korean name (romanised or in
    Hangul, family name first or last) reads each character in Korean: 金正恩 / Kim Jong Un.

    Three characters or more: Korean readings collapse many characters into one syllable, and
    two-character Chinese names read in Korean meet listed Korean names by chance (丽陈 would
    read Ryu Jin: one in 10,000 of yente's synthetic negatives)."""
    if len(han) < MIN_HANJA:
        return None
    keys = _ko_keys()
    readings = [hanja_readings(char) for char in han]
    if not all(readings):
        return None
    for order in _orders(latin):
        for seq in _flat(order, "ko"):
            if len(seq) != len(han):
                continue
            shared = [keys[s] & r for s, r in zip(seq, readings, strict=True)]
            if all(shared):
                return tuple((s, min(r)) for s, r in zip(seq, shared, strict=True))
    return None


def hanja_blocking_keys(han: str) -> set[str]:
    """The Korean keys (blocking_keys) of a Han name read in Korean: rko:3:김|정."""
    if len(han) < MIN_HANJA:
        return set()
    first, second = hanja_readings(han[0]), hanja_readings(han[1])
    return {f"rko:{len(han)}:{a}|{b}" for a in sorted(first) for b in sorted(second)}
