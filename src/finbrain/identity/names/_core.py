"""Prepared names and the explaining matcher."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Literal

from rapidfuzz.distance import Levenshtein

from finbrain.core.errors import ValidationError
from finbrain.identity.names import _han, _orgs, _romanise, _uyghur
from finbrain.identity.names._text import (
    HAN_LEGAL_FORMS,
    HAN_TITLES,
    ORG_WORDS,
    base_clean,
    fold_token,
    is_han,
    merge_initials,
    script_of,
    strip_legal_forms,
    strip_titles,
)

MAX_LENGTH = 500
CROSS_SCRIPT_CAP = 0.85  # Han ↔ Latin without corroboration is weaker evidence than Han ↔ Han
# Two Latin spellings of one Chinese / Korean name in different romanisations: every syllable
# agrees, but a syllable key stands for several characters, so it is a hit to review.
ROMANISATION_SCORE = 0.88
# A Chinese organisation name translated into English and matched: a hit to review at most.
TRANSLATION_CAP = 0.9
Script = Literal["han", "latin", "mixed", "other"]
Kind = Literal["person", "entity", "any"]

# Particles and connectives carry little identity; organisation words a little more.
_PARTICLES = frozenset(
    [
        "al",
        "el",
        "bin",
        "ben",
        "ibn",
        "bint",
        "abu",
        "abd",
        "ul",
        "ur",
        "ud",
        "de",
        "del",
        "della",
        "der",
        "den",
        "di",
        "da",
        "dos",
        "das",
        "du",
        "la",
        "le",
        "van",
        "von",
        "y",
        "e",
        "the",
        "of",
        "and",
        "for",
        "in",
        "on",
        "at",
    ]
)


@cache
def _messages() -> dict[str, dict[str, str]]:
    text = resources.files("finbrain.identity").joinpath("data/names_messages.json")
    data: dict[str, dict[str, str]] = json.loads(text.read_text("utf-8"))
    return data


def _explain(key: str, **params: Any) -> dict[str, str]:
    return {lang: template.format(**params) for lang, template in _messages()[key].items()}


class InvalidNameError(ValidationError):
    """A name that cannot be screened: empty, too long, no letters, control characters."""

    code = "FB-VALIDATION"

    def __init__(self, rule: str, *, field: str = "name", **params: Any) -> None:
        self.messages = _explain(rule, **params)
        super().__init__(self.messages["en"], field=field, rule=rule, **params)


@dataclass(frozen=True)
class PreparedName:
    original: str
    normalised: str
    script: Script
    kind: Kind
    tokens: tuple[str, ...]
    romanisations: tuple[tuple[str, tuple[str, ...]], ...]
    keys: frozenset[str]
    legal_forms: frozenset[str] = frozenset()
    # Precomputed for compare(): Han characters, surname length, per-system syllable sets.
    han: str = field(default="", repr=False)
    surname_length: int = field(default=0, repr=False)
    syllables: tuple[tuple[str, tuple[frozenset[str], ...]], ...] = field(default=(), repr=False)
    latin: tuple[str, ...] = field(default=(), repr=False)
    weights: tuple[float, ...] = field(default=(), repr=False)
    traditional: str = field(default="", repr=False)
    # Latin (or Hangul) tokens read as a Chinese / Korean name: per token, its syllable
    # segmentations (names._romanise); empty when the name is none.
    zh_syllables: tuple[tuple[tuple[str, ...], ...], ...] = field(default=(), repr=False)
    ko_syllables: tuple[tuple[tuple[str, ...], ...], ...] = field(default=(), repr=False)
    # A Chinese organisation name rendered in English (names._orgs), prepared as Latin tokens.
    org_english: tuple[tuple[str, ...], ...] = field(default=(), repr=False)
    # The family names (Han, Hangul) its Latin tokens can spell in any romanisation: two names
    # sharing none cannot link a family name spelled two ways (_romanise.token_link).
    family_names: frozenset[str] = field(default=frozenset(), repr=False)
    # The tokens it is compared by as a Uyghur name (names._uyghur): its Latin tokens, or the
    # pinyin of a Han transcription split by middle dots (阿不都·哈克: abudu hake); and whether
    # one of them marks the name as Uyghur.
    uyghur: tuple[str, ...] = field(default=(), repr=False)
    uyghur_mark: bool = field(default=False, repr=False)


@dataclass(frozen=True)
class NameMatch:
    score: float
    rule: str
    cross_script: bool
    system: str | None
    matched: tuple[tuple[str, str], ...]
    explanation: dict[str, str]


def _weight(token: str) -> float:
    if token in _PARTICLES:
        return 0.2
    if token in ORG_WORDS or token.isdigit():
        return 0.5
    return 1.0


def _skeleton(token: str) -> str:
    """A typo-tolerant key: first letter plus consonants, doubles collapsed, at most 4."""
    out = token[:1]
    for char in token[1:]:
        if char in "aeiouy" or char == out[-1:]:
            continue
        out += char
    return out[:4]


def _latin_keys(tokens: tuple[str, ...]) -> set[str]:
    keys = {"a:" + "".join(sorted("".join(tokens)))}
    strong = [t for t in tokens if _weight(t) >= 1.0 and len(t) >= 2] or list(tokens)
    skeletons = sorted({_skeleton(t) for t in strong})
    if len(skeletons) == 1:
        keys.add("t:" + skeletons[0])
    for i, a in enumerate(skeletons):
        for b in skeletons[i + 1 :]:
            keys.add(f"p:{a}|{b}")
    return keys


def _family_name_keys(tokens: tuple[str, ...]) -> set[str]:
    """A family name in any romanisation with each other token (Lau Emily, Liu Emily: 刘|eml),
    so that a name whose family name is spelled another way is a candidate (_latin_latin)."""
    keys: set[str] = set()
    if len(tokens) < 2:
        return keys
    for i, token in enumerate(tokens):
        for name in _romanise.family_names(token):
            for j, other in enumerate(tokens):
                if j != i and _weight(other) >= 1.0:
                    keys.add(f"f:{name}|{_skeleton(other)}")
    return keys


def _validate(name: str, field_name: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise InvalidNameError("empty", field=field_name)
    if len(name) > MAX_LENGTH:
        raise InvalidNameError("too_long", field=field_name, limit=MAX_LENGTH)
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in name):
        raise InvalidNameError("control_characters", field=field_name)


def prepare(name: str, *, kind: str = "any", field: str = "name") -> PreparedName:
    """Normalise a name once, so that compare() is cheap. Raises InvalidNameError."""
    _validate(name, field)
    if kind not in ("person", "entity", "any"):
        raise ValidationError(f"unknown name kind {kind!r}", field="kind", rule="enum")
    return _prepare(name, kind, field)


@lru_cache(maxsize=65536)
def _prepare(name: str, kind: Kind, field_name: str) -> PreparedName:
    cleaned = base_clean(name)
    if not any(c.isalpha() for c in cleaned):
        raise InvalidNameError("no_letters", field=field_name)
    # Han characters are one token each; everything else splits on spaces.
    han_chars = "".join(c for c in cleaned if is_han(c))
    other_words = "".join(" " if is_han(c) else c for c in cleaned).split()
    scripts = {script_of(c) for c in cleaned if c.isalpha()}
    legal: frozenset[str] = frozenset()
    if han_chars:
        for suffix in HAN_LEGAL_FORMS:
            if han_chars.endswith(suffix) and len(han_chars) > len(suffix):
                han_chars = han_chars[: -len(suffix)]
                legal = legal | {"han_" + suffix}
                break
        for title in HAN_TITLES:
            if han_chars.endswith(title) and len(han_chars) > len(title):
                han_chars = han_chars[: -len(title)]
                break
    latin_tokens = [fold_token(w) for w in other_words]
    latin_tokens = strip_titles(merge_initials(latin_tokens))
    if kind == "person":
        latin_legal: frozenset[str] = frozenset()  # a person has no legal form (Lung-Pao)
    else:
        latin_tokens, latin_legal = strip_legal_forms(latin_tokens, entity=kind == "entity")
    legal = legal | latin_legal
    if han_chars and not (scripts - {"han"}):
        script: Script = "han"
    elif han_chars:
        script = "mixed"
    elif scripts <= {"latin"}:
        script = "latin"
    else:
        script = "other"
    romanisations: list[tuple[str, tuple[str, ...]]] = []
    syllables: tuple[tuple[str, tuple[frozenset[str], ...]], ...] = ()
    surname_length = 0
    keys: set[str] = set()
    if han_chars:
        surname, _given = _han.split_surname(han_chars)
        surname_length = len(surname)
        sets = _han.syllable_sets(han_chars, surname_length)
        syllables = tuple((system, sets[system]) for system in _han.SYSTEMS)
        for system in _han.SYSTEMS:
            spelled = _han.primary(han_chars, system, surname_length)
            if all(spelled):
                # One romanised token per Han token: a compound surname is one word (ouyang).
                grouped = ("".join(spelled[:surname_length]), *spelled[surname_length:])
                romanisations.append((system, grouped))
                given = "".join(spelled[surname_length:])
                surname_word = "".join(spelled[:surname_length])
                keys |= _latin_keys(tuple(t for t in (surname_word, given) if t))
        # Polyphonic surnames: a key for every surname reading (单 shan / dan).
        for reading in _han.surnames().get(surname, (None, ()))[1][1:]:
            keys |= _latin_keys(
                (
                    reading,
                    "".join(_han.primary(han_chars, "pinyin", surname_length)[surname_length:]),
                )
            )
        keys.add("h:" + han_chars)
    tokens_out: tuple[str, ...]
    if han_chars:
        tokens_out = (han_chars[:surname_length], *han_chars[surname_length:], *latin_tokens)
    else:
        tokens_out = tuple(latin_tokens)
    if latin_tokens:
        keys |= _latin_keys(tuple(latin_tokens))
        if kind != "entity":
            keys |= _family_name_keys(tuple(latin_tokens))
    zh_parse: _romanise.Parse = ()
    ko_parse: _romanise.Parse = ()
    if kind != "entity" and latin_tokens and not han_chars:
        zh_parse = _romanise.parse(tuple(latin_tokens), "zh")
        ko_parse = _romanise.parse(tuple(latin_tokens), "ko")
        keys |= _romanise.blocking_keys(zh_parse, "zh") if zh_parse else set()
        keys |= _romanise.blocking_keys(ko_parse, "ko") if ko_parse else set()
    if syllables and kind != "entity":
        keys |= _romanise.han_blocking_keys(dict(syllables)["pinyin"])
        keys |= _romanise.hanja_blocking_keys(han_chars)
    org_english: list[tuple[str, ...]] = []
    if (
        han_chars
        and kind != "person"
        and (kind == "entity" or legal or _orgs.has_org_word(han_chars))
    ):
        for rendering in _orgs.translations(han_chars):
            folded = [fold_token(w) for w in base_clean(rendering).split()]
            words = strip_legal_forms(folded, entity=True)[0]
            if words:
                org_english.append(tuple(words))
                keys |= _latin_keys(tuple(words))
    uyghur: tuple[str, ...] = ()
    if kind != "entity":
        if latin_tokens and not han_chars:
            uyghur = _uyghur.tokens_of(tuple(latin_tokens))
        elif han_chars and not latin_tokens:
            uyghur = _uyghur.transcription_of(unicodedata.normalize("NFKC", name), han_chars)
        keys |= _uyghur.blocking_keys(uyghur)
    normalised = " ".join(part for part in (han_chars, " ".join(latin_tokens)) if part)
    original_han = "".join(c for c in unicodedata.normalize("NFKC", name) if is_han(c))
    return PreparedName(
        original=name,
        normalised=normalised,
        script=script,
        kind=kind,
        tokens=tokens_out,
        romanisations=tuple(romanisations),
        keys=frozenset(keys),
        legal_forms=legal,
        han=han_chars,
        surname_length=surname_length,
        syllables=syllables,
        latin=tuple(latin_tokens),
        weights=tuple(_weight(t) for t in latin_tokens),
        traditional=original_han,
        zh_syllables=zh_parse,
        ko_syllables=ko_parse,
        org_english=tuple(org_english),
        family_names=frozenset(
            name
            for token in (latin_tokens if kind != "entity" else ())
            for name in _romanise.family_names(token)
        ),
        uyghur=uyghur,
        uyghur_mark=bool(uyghur) and (bool(han_chars) or any(map(_uyghur.marks, uyghur))),
    )


# ---------------------------------------------------------------- compare


def _none(cross: bool = False) -> NameMatch:
    return NameMatch(0.0, "none", cross, None, (), _explain("none"))


def compare(query: PreparedName, candidate: PreparedName) -> NameMatch:
    """Score how likely two prepared names name the same party, and say why (0..1).

    Scores are rounded to 6 decimals, so that 0.85 - 0.05 is 0.8, not 0.7999999999999999.
    """
    found = _compare(query, candidate)
    rounded = round(found.score, 6)
    if rounded != found.score:
        return NameMatch(
            rounded, found.rule, found.cross_script, found.system, found.matched, found.explanation
        )
    return found


def _compare(query: PreparedName, candidate: PreparedName) -> NameMatch:
    if query.han and candidate.han:
        return _han_han(query, candidate)
    if query.han and candidate.latin:
        return _han_latin(query, candidate, flipped=False)
    if candidate.han and query.latin:
        return _han_latin(candidate, query, flipped=True)
    if query.latin and candidate.latin:
        found = _latin_latin(query, candidate)
        if found.score < 0.95:
            linked = _romanised(query, candidate)
            if linked is not None and linked.score > found.score:
                found = linked
        if found.score < ROMANISATION_SCORE:
            uyghur = _uyghur_name(query, candidate, cross=False)
            if uyghur is not None:
                return uyghur
        return found
    return _none()


def _uyghur_name(q: PreparedName, c: PreparedName, *, cross: bool) -> NameMatch | None:
    """A Uyghur name in two spellings (Memet / Maimaiti, 阿不都·哈克 / Abdul Haq): names._uyghur."""
    if not (q.uyghur and c.uyghur and (q.uyghur_mark or c.uyghur_mark)):
        return None
    linked = _uyghur.link(q.uyghur, c.uyghur, bool(q.han), bool(c.han))
    if linked is None:
        return None
    steps_en, steps_zh = _uyghur.describe(linked, bool(q.han), bool(c.han))
    text = {
        "en": _explain("romanisation", steps=steps_en)["en"],
        "zh": _explain("romanisation", steps=steps_zh)["zh"],
    }
    pairs = tuple((a, b) for a, b, _how in linked)
    score = CROSS_SCRIPT_CAP - 0.03 if cross else ROMANISATION_SCORE
    return NameMatch(score, "romanisation", cross, "uyghur", pairs, text)


def _romanised(q: PreparedName, c: PreparedName) -> NameMatch | None:
    """Two Latin (or Hangul) spellings of one Chinese or Korean name (names._romanise)."""
    for family, a, b in (
        ("zh", q.zh_syllables, c.zh_syllables),
        ("ko", q.ko_syllables, c.ko_syllables),
    ):
        if not (a and b):
            continue
        pairs = _romanise.link(a, b, family)
        if pairs is None:
            continue
        if all(x == y for x, y in pairs):
            # The same syllables, only split into words differently (Xiaohong / Xiao Hong).
            text = _explain("same_syllables", spelling=" ".join(x for x, _ in pairs))
            return NameMatch(0.97, "same_syllables", False, None, pairs, text)
        steps_en, steps_zh = _romanise.describe(pairs, family)
        cross = q.script != c.script
        system = "korean" if family == "ko" else "chinese"
        text = {
            "en": _explain("romanisation", steps=steps_en)["en"],
            "zh": _explain("romanisation", steps=steps_zh)["zh"],
        }
        return NameMatch(ROMANISATION_SCORE, "romanisation", cross, system, pairs, text)
    return None


def match(a: str, b: str) -> NameMatch:
    """prepare() both names, then compare()."""
    return compare(prepare(a), prepare(b))


def _han_han(q: PreparedName, c: PreparedName) -> NameMatch:
    a, b = q.han, c.han
    if a == b:
        if q.traditional != c.traditional:
            text = _explain("traditional_simplified", query=q.traditional, candidate=c.traditional)
            return NameMatch(1.0, "traditional_simplified", False, None, ((a, b),), text)
        return NameMatch(1.0, "han_exact", False, None, ((a, b),), _explain("han_exact", query=a))
    # Character by character: a different character is a different name, even when it sounds
    # the same (张伟 / 张玮), so partial agreement stays well below any match threshold.
    same = sum(1 for x, y in zip(a, b, strict=False) if x == y)
    total = max(len(a), len(b))
    surname_same = (
        q.surname_length == c.surname_length and a[: q.surname_length] == b[: c.surname_length]
    )
    matched = tuple((x, y) for x, y in zip(a, b, strict=False) if x == y)
    score = 0.5 * same / total
    pa = [_han.pinyin_readings(ch)[:1] for ch in a]
    pb = [_han.pinyin_readings(ch)[:1] for ch in b]
    if len(a) == len(b) and pa == pb:
        spelled = " ".join(r[0] if r else "?" for r in pa)
        text = _explain("homophone", pinyin=spelled, query=a, candidate=b)
        return NameMatch(round(score, 6), "homophone", False, None, matched, text)
    if surname_same and same == q.surname_length:
        text = _explain("surname_only", surname=a[: q.surname_length])
        return NameMatch(round(score, 6), "surname_only", False, None, matched, text)
    text = _explain("han_partial", same=same, total=total)
    return NameMatch(round(score, 6), "han_partial", False, None, matched, text)


def _segments(text: str, sets: tuple[frozenset[str], ...]) -> tuple[str, ...] | None:
    """Split ``text`` into one spelling per character, in order, or None."""

    def walk(pos: int, index: int) -> tuple[str, ...] | None:
        if index == len(sets):
            return () if pos == len(text) else None
        for spelling in sets[index]:
            if spelling and text.startswith(spelling, pos):
                rest = walk(pos + len(spelling), index + 1)
                if rest is not None:
                    return (spelling, *rest)
        return None

    return walk(0, 0)


def _orders(tokens: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The Latin name as written, then with the family name moved to the front."""
    orders = [tokens]
    if len(tokens) > 1:
        orders.append((tokens[-1], *tokens[:-1]))
        orders.append((*tokens[1:], tokens[0]))
    return orders


def _han_latin(h: PreparedName, lat: PreparedName, *, flipped: bool) -> NameMatch:
    found = _han_latin_name(h, lat, flipped=flipped)
    if h.uyghur and found.score < CROSS_SCRIPT_CAP - 0.03:
        pair = (lat, h) if flipped else (h, lat)
        uyghur = _uyghur_name(*pair, cross=True)
        if uyghur is not None:
            return uyghur
    if h.org_english and found.score < TRANSLATION_CAP:
        translated = _translated(h, lat, flipped=flipped)
        if translated is not None and translated.score > found.score:
            return translated
    return found


def _translated(h: PreparedName, lat: PreparedName, *, flipped: bool) -> NameMatch | None:
    """A Chinese organisation name against an English one, after translation (names._orgs)."""
    best: tuple[float, tuple[str, ...], NameMatch] | None = None
    for words in h.org_english:
        rendered = PreparedName(
            original=" ".join(words),
            normalised=" ".join(words),
            script="latin",
            kind="entity",
            tokens=words,
            romanisations=(),
            keys=frozenset(),
            legal_forms=lat.legal_forms,  # the Chinese legal form was translated with the name
            latin=words,
            weights=tuple(_weight(t) for t in words),
        )
        found = _latin_latin(rendered, lat)
        if best is None or found.score > best[0]:
            best = (found.score, words, found)
    if best is None or best[0] <= 0.0:
        return None
    score, words, found = best
    pairs = found.matched
    if flipped:
        pairs = tuple((b, a) for a, b in pairs)
    text = _explain("translation", han=h.han, english=" ".join(words), latin=" ".join(lat.latin))
    return NameMatch(min(score, TRANSLATION_CAP), "translation", True, "translation", pairs, text)


def _han_latin_name(h: PreparedName, lat: PreparedName, *, flipped: bool) -> NameMatch:
    latin_text = " ".join(lat.latin)
    orders = _orders(lat.latin)
    for system, sets in h.syllables:
        for position, order in enumerate(orders):
            found = _segments("".join(order), sets)
            if found is None:
                continue
            rule = system
            score = CROSS_SCRIPT_CAP if system == "pinyin" else CROSS_SCRIPT_CAP - 0.02
            if position and system == "pinyin":
                rule, score = "pinyin_reordered", CROSS_SCRIPT_CAP - 0.01
            # The token the syllables came from, per Han token (surname, then each character).
            pairs = _pairs(h, found)
            if flipped:
                pairs = tuple((b, a) for a, b in pairs)
            text = _explain(rule, latin=latin_text, han=h.han, spelling=" ".join(found))
            return NameMatch(score, rule, True, system, pairs, text)
    # Postal and older spellings mix systems per syllable (蒋介石 Chiang Kai-shek: Wade-Giles
    # surname, Cantonese given name): accepted, a little lower.
    # The surname keeps its Mandarin readings: 繁 is Po, never the Cantonese Fan.
    mixed = _mixed_sets(h.syllables, h.surname_length, len(h.han))
    for order in orders:
        found = _segments("".join(order), mixed)
        if found is not None:
            pairs = _pairs(h, found)
            if flipped:
                pairs = tuple((b, a) for a, b in pairs)
            text = _explain(
                "mixed_romanisation", latin=latin_text, han=h.han, spelling=" ".join(found)
            )
            return NameMatch(
                CROSS_SCRIPT_CAP - 0.05, "mixed_romanisation", True, "mixed", pairs, text
            )
    # Any other romanisation the syllable table knows (Tongyong, MPS II, mixed per syllable).
    if lat.zh_syllables:
        pinyin_sets = dict(h.syllables).get("pinyin", ())
        found = _romanise.link_han(pinyin_sets, h.surname_length, lat.zh_syllables, h.han)
        if found is not None:
            pairs = _pairs(h, found)
            if flipped:
                pairs = tuple((b, a) for a, b in pairs)
            steps_en, steps_zh = _romanise.describe_han(found, h.han, pinyin_sets)
            text = {
                "en": _explain("romanisation", steps=steps_en)["en"],
                "zh": _explain("romanisation", steps=steps_zh)["zh"],
            }
            return NameMatch(CROSS_SCRIPT_CAP - 0.03, "romanisation", True, "chinese", pairs, text)
    # A Korean name written in Hanja on one side, in Hangul or a Korean romanisation on the
    # other (金正恩 / 김정은 / Kim Jong Un): each character read in Korean (Unihan kHangul).
    if lat.ko_syllables:
        read = _romanise.link_hanja(h.han, lat.ko_syllables)
        if read is not None:
            pairs = tuple(zip(h.han, (s for s, _ in read), strict=True))
            if flipped:
                pairs = tuple((b, a) for a, b in pairs)
            steps = "; ".join(
                f"{char} {hangul} {latin}" if latin != hangul else f"{char} {hangul}"
                for char, (latin, hangul) in zip(h.han, read, strict=True)
            )
            text = _explain("hanja", latin=latin_text, han=h.han, steps=steps)
            return NameMatch(CROSS_SCRIPT_CAP - 0.03, "hanja", True, "korean", pairs, text)
    # The given name alone ("Xiao Ming" for 王小明) is not enough to name a person.
    given_sets = dict(h.syllables).get("pinyin", ())[h.surname_length :]
    if given_sets and _segments("".join(lat.latin), given_sets) is not None:
        text = _explain("given_name_only", latin=latin_text, han=h.han)
        return NameMatch(0.45, "given_name_only", True, "pinyin", (), text)
    # Closest spelling, for the explanation only: a near-miss is another name (Xiaoping ≠ Xiaoming).
    best, spelling = 0.0, ""
    for system, spelled in h.romanisations:
        del system
        candidate = "".join(spelled)
        for order in orders:
            similarity = Levenshtein.normalized_similarity("".join(order), candidate)
            if similarity > best:
                best, spelling = similarity, " ".join(spelled)
    text = _explain("romanisation_mismatch", latin=latin_text, han=h.han, spelling=spelling)
    return NameMatch(round(min(0.5, 0.5 * best), 6), "romanisation_mismatch", True, None, (), text)


@lru_cache(maxsize=65536)
def _mixed_sets(
    syllables: tuple[tuple[str, tuple[frozenset[str], ...]], ...], surname_length: int, n: int
) -> tuple[frozenset[str], ...]:
    """Per character, its spellings in every system (the surname in the first two only)."""
    systems = [sets for _, sets in syllables]
    return tuple(
        frozenset().union(*(sets[k] for sets in (systems[:2] if k < surname_length else systems)))
        for k in range(n)
    )


def _pairs(h: PreparedName, found: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    n = h.surname_length
    pairs = [(h.han[:n], "".join(found[:n]))] if n else []
    pairs += list(zip(h.han[n:], found[n:], strict=False))
    return tuple(pairs)


# ---------------------------------------------------------------- Latin ↔ Latin

_ACCEPT = 0.6  # token pairs less similar than this are different tokens


@lru_cache(maxsize=262144)
def _phonetic(token: str) -> str:
    """A rough sound key: common spelling alternations folded, vowels dropped after the first."""
    t = token
    for a, b in (("ph", "f"), ("ck", "k"), ("kh", "h"), ("gh", "g"), ("th", "t"), ("dh", "d"),
                 ("sch", "sh"), ("w", "v"), ("q", "k"), ("c", "k"), ("z", "s"), ("j", "i"),
                 ("y", "i"), ("x", "ks")):  # fmt: skip
        t = t.replace(a, b)
    out = t[:1]
    for char in t[1:]:
        if char in "aeiouh" or char == out[-1:]:
            continue
        out += char
    return out


_SLAVIC_ENDINGS = (("iy", "i"), ("ij", "i"), ("ii", "i"), ("yi", "i"))


@lru_cache(maxsize=262144)
def _slavic(token: str) -> str:
    """Russian transliterations of one name folded together (SOIN Dmitry / SOYIN Dmitriy):
    the endings -iy, -ij, -ii, -y after a consonant, and a y between vowels."""
    for ending, plain in _SLAVIC_ENDINGS:
        if token.endswith(ending):
            token = token[: -len(ending)] + plain
            break
    else:
        if token.endswith("y") and len(token) > 1 and token[-2] not in "aeiou":
            token = token[:-1] + "i"
    return "".join(
        c for i, c in enumerate(token)
        if not (c == "y" and 0 < i < len(token) - 1 and token[i - 1] in "aeiou"
                and token[i + 1] in "aeiou")
    )  # fmt: skip


@lru_cache(maxsize=262144)
def _token_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:
        return 0.8 if a[0] == b[0] else 0.0  # an initial stands for any name it starts
    if a.isdigit() or b.isdigit():
        return 0.0
    similarity = Levenshtein.normalized_similarity(a, b)
    key_a, key_b = _phonetic(a), _phonetic(b)
    if key_a == key_b and len(key_a) >= 3:
        similarity = max(similarity, 0.8)
    if len(a) >= 4 and len(b) >= 4 and _slavic(a) == _slavic(b):
        similarity = max(similarity, 0.9)
    # Short tokens: one edit in four letters is another name (Tim/Tom stays below 0.7).
    return similarity


def _align(
    qa: tuple[str, ...], ca: tuple[str, ...], *, linked: bool = False
) -> tuple[list[tuple[int, int, float]], set[int], set[int]]:
    """Greedy best-first token pairs. With ``linked``, two spellings of one family name
    (_romanise.token_link: Liu / Lau, Cho / Jo) pair as equal tokens."""
    similarity = _linked_similarity if linked else _token_similarity
    scored = sorted(
        ((similarity(x, y), i, j) for i, x in enumerate(qa) for j, y in enumerate(ca)),
        reverse=True,
    )
    used_q: set[int] = set()
    used_c: set[int] = set()
    pairs: list[tuple[int, int, float]] = []
    for sim, i, j in scored:
        if sim < _ACCEPT:
            break
        if i in used_q or j in used_c:
            continue
        used_q.add(i)
        used_c.add(j)
        pairs.append((i, j, sim))
    return pairs, set(range(len(qa))) - used_q, set(range(len(ca))) - used_c


def _syllable_names(q: PreparedName, c: PreparedName) -> bool:
    """Both names read as Chinese names, or both as Korean names (names._romanise.parse)."""
    return bool((q.zh_syllables and c.zh_syllables) or (q.ko_syllables and c.ko_syllables))


def _given_reordered(qa: tuple[str, ...], ca: tuple[str, ...]) -> bool:
    """The family name in the same place, the given-name syllables in another order."""
    if len(qa) < 3:
        return False
    return (qa[0] == ca[0] and qa[1:] != ca[1:]) or (qa[-1] == ca[-1] and qa[:-1] != ca[:-1])


@lru_cache(maxsize=262144)
def _linked_similarity(a: str, b: str) -> float:
    similarity = _token_similarity(a, b)
    if similarity < 1.0 and _romanise.token_link(a, b) is not None:
        return 1.0
    return similarity


def _merge_adjacent(tokens: tuple[str, ...], other: frozenset[str]) -> tuple[str, ...]:
    """Join neighbours that the other name writes as one word (Pol Pot / PolPot)."""
    out = list(tokens)
    i = 0
    while i < len(out) - 1:
        joined = out[i] + out[i + 1]
        if joined in other and out[i] not in other and out[i + 1] not in other:
            out[i : i + 2] = [joined]
        else:
            i += 1
    return tuple(out)


def _initials_cover(short: str, tokens: list[str]) -> list[int] | None:
    """Indices of tokens whose first letters spell ``short`` (JC / Jean Claude), or None."""
    for start in range(len(tokens) - len(short) + 1):
        window = tokens[start : start + len(short)]
        if "".join(t[0] for t in window) == short:
            return list(range(start, start + len(short)))
    return None


def _after_bin(tokens: tuple[str, ...]) -> frozenset[str]:
    """The names that follow bin/ben/ibn/bint: the father's name in Arabic name chains."""
    return frozenset(
        tokens[i + 1] for i, t in enumerate(tokens[:-1]) if t in ("bin", "ben", "ibn", "bint")
    )


def _syllable_runs(tokens: tuple[str, ...], unmatched: set[int]) -> int:
    """How many unmatched tokens continue a run of unmatched Chinese syllables (Kwok Wai: 1)."""
    syllables = _romanise.zh_syllable_spellings()
    return sum(
        1
        for i in unmatched
        if i - 1 in unmatched
        and all(t in syllables and _weight(t) >= 1.0 for t in (tokens[i - 1], tokens[i]))
    )


def _latin_latin(q: PreparedName, c: PreparedName) -> NameMatch:
    qa = _merge_adjacent(q.latin, frozenset(c.latin))
    ca = _merge_adjacent(c.latin, frozenset(qa))
    legal_conflict = bool(q.legal_forms and c.legal_forms and not (q.legal_forms & c.legal_forms))
    syllable_names = _syllable_names(q, c)
    if qa != ca and syllable_names and sorted(qa) == sorted(ca) and _given_reordered(qa, ca):
        # RI Song Un / RI Un Song: a Chinese or Korean given name is its syllables in order.
        text = _explain("syllable_order", query=" ".join(qa), candidate=" ".join(ca))
        return NameMatch(0.5, "syllable_order", False, None, (), text)
    if qa == ca or (sorted(qa) == sorted(ca) and _after_bin(qa) == _after_bin(ca)):
        score = (1.0 if qa == ca else 0.98) * (0.85 if legal_conflict else 1.0)
        text = _explain("exact", tokens=" ".join(qa))
        return NameMatch(score, "exact", False, None, tuple(zip(qa, ca, strict=False)), text)
    found = _aligned(q, c, qa, ca, legal_conflict, linked=False)
    # A family name in another romanisation (Liu / Lau, Lee / Li, Cho / Jo) with every other
    # token the same: the same name, a hit to review (people only: a firm's words are no
    # family names).
    if (
        found.score < ROMANISATION_SCORE
        and not q.family_names.isdisjoint(c.family_names)
        and any(_romanise.token_link(x, y) for x in qa for y in ca if x != y)
    ):
        linked = _aligned(q, c, qa, ca, legal_conflict, linked=True)
        if linked.score > found.score:
            return linked
    return found


def _aligned(
    q: PreparedName,
    c: PreparedName,
    qa: tuple[str, ...],
    ca: tuple[str, ...],
    legal_conflict: bool,
    *,
    linked: bool,
) -> NameMatch:
    pairs, un_q, un_c = _align(qa, ca, linked=linked)
    romanised = [(qa[i], ca[j]) for i, j, sim in pairs if linked and qa[i] != ca[j] and sim >= 1.0]
    if linked and (not romanised or any(sim < 1.0 for _, _, sim in pairs)):
        return _none()  # a linked name agrees on every other token it pairs
    rule = "token_fuzzy"
    matched: list[tuple[str, str]] = [(qa[i], ca[j]) for i, j, _ in pairs]
    numerator = 0.0
    denominator = 0.0
    for i, j, sim in pairs:
        w = max(_weight(qa[i]), _weight(ca[j]))
        numerator += w * (sim if sim >= 1.0 else sim * sim)
        denominator += w
    # Initialisms: "jc" for "jean claude".
    for side_short, side_long, un_s, un_l, flip in (
        (qa, ca, un_q, un_c, False),
        (ca, qa, un_c, un_q, True),
    ):
        for index in sorted(un_s):
            token = side_short[index]
            if not (2 <= len(token) <= 4):
                continue
            free = sorted(un_l)
            cover = _initials_cover(token, [side_long[k] for k in free])
            if cover is None:
                continue
            covered = [free[k] for k in cover]
            un_s.discard(index)
            un_l.difference_update(covered)
            long_text = " ".join(side_long[k] for k in covered)
            matched.append((long_text, token) if flip else (token, long_text))
            numerator += 0.8
            denominator += 1.0
            rule = "initials"
    weight_q = sum(_weight(qa[i]) for i in un_q)
    weight_c = sum(_weight(ca[j]) for j in un_c)
    # A Chinese given name written in syllables (TSANG Erick Kwok-wai, KONG Kelvin Hok Lai) is
    # one name that the other side leaves out, not two.
    if "entity" not in (q.kind, c.kind):
        if not weight_c:
            weight_q -= _syllable_runs(qa, un_q)
        elif not weight_q:
            weight_c -= _syllable_runs(ca, un_c)
    conflict = min(weight_q, weight_c)
    extra = max(weight_q, weight_c) - conflict
    # Tokens missing on both sides contradict each other; tokens only one side has (a middle
    # name, a patronymic, a qualifier) weigh less.
    denominator += conflict + (0.5 if "entity" in (q.kind, c.kind) else 0.35) * extra
    score = numerator / denominator if denominator else 0.0
    # A token that each side has and the other lacks is a different given name, patronymic or
    # clan: strong evidence of another party, however long the rest of the name agrees.
    conflicts = min(
        len([i for i in un_q if _weight(qa[i]) >= 0.5]),
        len([j for j in un_c if _weight(ca[j]) >= 0.5]),
    )
    score *= 0.75**conflicts
    if _after_bin(qa) and _after_bin(ca) and not (_after_bin(qa) & _after_bin(ca)):
        score *= 0.6  # "X bin Y" and "Y bin X" are father and son
    if legal_conflict:
        score *= 0.85
    unmatched = [qa[i] for i in sorted(un_q)] + [ca[j] for j in sorted(un_c)]
    text = _explain(
        rule,
        pairs=", ".join(f"{a}={b}" for a, b in matched) or "-",
        unmatched=", ".join(unmatched) or "-",
    )
    if not matched:
        return NameMatch(0.0, "none", False, None, (), _explain("none"))
    if romanised:
        # Another spelling of a family name is a hit to review at most, like a whole name read
        # in another romanisation (_romanised), and the step is named.
        steps = [_romanise.describe_family_name(a, b) for a, b in romanised]
        links = [_romanise.token_link(a, b) for a, b in romanised]
        family = "zh" if all(link and link[0] == "zh" for link in links) else "ko"
        text = {
            "en": _explain("romanisation", steps="; ".join(en for en, _ in steps))["en"],
            "zh": _explain("romanisation", steps="；".join(zh for _, zh in steps))["zh"],
        }
        system = "korean" if family == "ko" else "chinese"
        score = min(score, ROMANISATION_SCORE)
        return NameMatch(round(score, 6), "romanisation", False, system, tuple(matched), text)
    return NameMatch(round(min(1.0, score), 6), rule, False, None, tuple(matched), text)
