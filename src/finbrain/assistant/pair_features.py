"""Features of a pair of questions (问题对特征) for the question matcher and the FAQ re-ranker.

Both questions are normalised and cut into words (jieba with the bank terms), and each word is
replaced by the first word of its synonym group (``data/synonyms_zh.txt``: 蚂蚁花呗 → 花呗,
帐户 → 账户, 如何 → 怎么), so that a customer's wording and the FAQ's meet. Then, per pair:

- lexical: cosine of character 1–3-gram and of word TF-IDF; Jaccard of characters, character
  bigrams and words; shared words over the shorter and the longer question; the IDF weight of
  the words only one side has; BM25-style coverage of each side by the other;
- edit: rapidfuzz ratio, partial ratio, token-sort ratio, normalised Levenshtein and Indel
  distances, longest common substring over the shorter length;
- shape: both lengths, their ratio and difference; same numbers; number present on one side;
- mismatch: bank terms (花呗 vs 借呗) on one side only; question kinds (why / how / can / how
  long / how much) that differ; negation (不, 没, 无, 未, not) on one side only;
- meaning: per sentence encoder, the cosine of the two embeddings (centring is left to the
  encoder: pairs are compared with each other, not with a corpus).

``PairFeatures`` is fitted on the questions of the training pairs (the TF-IDF vocabularies
and IDF weights) and turns pairs into a dense float matrix; ``names_`` labels its columns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, Levenshtein
from sklearn.feature_extraction.text import TfidfVectorizer

from finbrain.assistant.nlu.encoders import Encoder
from finbrain.assistant.nlu.features import fast_tfidf
from finbrain.assistant.nlu.text import bank_terms, char_ngrams, normalise, words

__all__ = ["MONOTONE", "PairFeatures", "canonical_words", "synonyms"]

_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_NEGATION = re.compile(r"不|没|无|未|别|非|\bnot\b|\bno\b|n't|\bnever\b|\bcannot\b")
_KINDS = {
    "why": re.compile(r"为什么|why|怎么会"),
    "how": re.compile(r"怎么|how\b|流程|步骤|方法"),
    "can": re.compile(r"可以|能否|能不能|\bcan\b|是否|吗$|么$|嘛$"),
    "when": re.compile(r"多久|什么时候|几天|when|how long"),
    "much": re.compile(r"多少|how much|how many|几"),
    "where": re.compile(r"哪里|在哪|where"),
}


@lru_cache(maxsize=1)
def synonyms() -> dict[str, str]:
    """word → the word kept for its group (``data/synonyms_zh.txt``)."""
    raw = resources.files("finbrain.assistant").joinpath("data/synonyms_zh.txt")
    mapping: dict[str, str] = {}
    for line in raw.read_text("utf-8").splitlines():
        group = line.split()
        if not group or group[0].startswith("#"):
            continue
        for word in group:
            mapping.setdefault(word, group[0])
    return mapping


def canonical_words(text: str) -> list[str]:
    """Words of a normalised text, each replaced by its synonym group's first word."""
    table = synonyms()
    return [table.get(w, w) for w in words(text)]


@lru_cache(maxsize=200_000)
def _prepared(text: str, max_chars: int) -> tuple[str, tuple[str, ...]]:
    """(canonical text, canonical words) of one question, remembered: an FAQ's questions and
    a data set's repeated sentences are cut once."""
    tokens = canonical_words(normalise(text, max_chars))
    joined = "".join(t if _HAN.match(t) else f" {t} " for t in tokens)
    return _SPACES.sub(" ", joined).strip(), tuple(tokens)


_HAN = re.compile(r"[\u4e00-\u9fff]")
_SPACES = re.compile(r" +")
# how each column may move the probability of "same meaning": +1 more similar, -1 less, 0 free
MONOTONE = {
    "char_cos": 1,
    "word_cos": 1,
    "char_jac": 1,
    "bigram_jac": 1,
    "word_jac": 1,
    "shared_min": 1,
    "shared_max": 1,
    "unshared_idf": -1,
    "cover_ab": 1,
    "cover_ba": 1,
    "ratio": 1,
    "partial": 1,
    "token_sort": 1,
    "levenshtein": -1,
    "indel": -1,
    "lcs": 1,
    "len_a": 0,
    "len_b": 0,
    "len_ratio": 0,
    "len_diff": 0,
    "same_numbers": 1,
    "one_number": -1,
    "key_only": -1,
    "kind_diff": -1,
    "negation_diff": -1,
}


@lru_cache(maxsize=1)
def _key_terms() -> frozenset[str]:
    table = synonyms()
    return frozenset(table.get(t, t) for t in bank_terms())


def _jaccard(a: AbstractSet[Any], b: AbstractSet[Any]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _row(matrix: Any, i: int) -> dict[int, float]:
    start, stop = matrix.indptr[i], matrix.indptr[i + 1]
    return dict(zip(matrix.indices[start:stop].tolist(), matrix.data[start:stop].tolist(),
                    strict=True))  # fmt: skip


def _dot(a: dict[int, float], b: dict[int, float]) -> float:
    """Cosine of two unit-length sparse rows."""
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(k, 0.0) for k, v in a.items())


def _longest_common_substring(a: str, b: str) -> int:
    """Length of the longest common substring: grown one character at a time while the two
    sides still share a substring of that length (set intersections run in C; a quadratic
    loop in Python cost more than the rest of the pair's features together)."""
    size = 0
    for n in range(1, min(len(a), len(b)) + 1):
        grams = {a[i : i + n] for i in range(len(a) - n + 1)}
        if not any(b[j : j + n] in grams for j in range(len(b) - n + 1)):
            break
        size = n
    return size


@dataclass(frozen=True, slots=True)
class _Stats:
    text: str
    words: frozenset[str]
    joined: str
    chars: frozenset[str]
    bigrams: frozenset[str]
    weight: float
    digits: frozenset[str]
    kinds: frozenset[str]
    negated: bool


class PairFeatures:
    """Pairs of questions → a dense feature matrix (see the module doc)."""

    def __init__(self, encoders: Sequence[Encoder] = (), max_chars: int = 256) -> None:
        self.encoders = list(encoders)
        self.max_chars = max_chars

    def prepare(self, texts: Sequence[str]) -> list[tuple[str, tuple[str, ...]]]:
        """Each text as (canonical text, canonical words)."""
        return [_prepared(t if isinstance(t, str) else "", self.max_chars) for t in texts]

    def monotone(self) -> list[int]:
        """Per column, the direction it may move the probability (see ``MONOTONE``; the
        encoders' cosines +1)."""
        return [MONOTONE.get(name, 1) for name in self.names_]

    def fit(self, texts: Sequence[str]) -> PairFeatures:
        prepared = [p[0] for p in self.prepare(texts)]
        common = {"sublinear_tf": True, "lowercase": False}
        self.char_ = TfidfVectorizer(analyzer=char_ngrams, **common).fit(prepared)
        self.word_ = TfidfVectorizer(analyzer=str.split, **common).fit(
            [" ".join(p[1]) for p in self.prepare(texts)]
        )
        self.idf_ = dict(zip(self.word_.get_feature_names_out(), self.word_.idf_, strict=True))
        self.default_idf_ = float(np.max(self.word_.idf_)) if len(self.word_.idf_) else 1.0
        self.names_ = self._names()
        self._stats_cache: dict[tuple[str, tuple[str, ...]], _Stats] = {}
        self._vector_cache: dict[
            tuple[str, tuple[str, ...]], tuple[dict[int, float], dict[int, float]]
        ] = {}
        return self

    def _names(self) -> list[str]:
        names = [
            "char_cos",
            "word_cos",
            "char_jac",
            "bigram_jac",
            "word_jac",
            "shared_min",
            "shared_max",
            "unshared_idf",
            "cover_ab",
            "cover_ba",
            "ratio",
            "partial",
            "token_sort",
            "levenshtein",
            "indel",
            "lcs",
            "len_a",
            "len_b",
            "len_ratio",
            "len_diff",
            "same_numbers",
            "one_number",
            "key_only",
            "kind_diff",
            "negation_diff",
        ]
        return names + [f"{enc.name}_cos" for enc in self.encoders]

    def _idf(self, word: str) -> float:
        return float(self.idf_.get(word, self.default_idf_))

    def _stats(self, prepared: tuple[str, tuple[str, ...]]) -> _Stats:
        """What one side of a pair contributes on its own, computed once per text (an FAQ's
        questions meet many queries; a query meets every candidate)."""
        found = self._stats_cache.get(prepared)
        if found is None:
            text, tokens = prepared
            unique = frozenset(tokens)
            found = _Stats(
                text=text,
                words=unique,
                joined=" ".join(tokens),
                chars=frozenset(text) - {" "},
                bigrams=frozenset(_bigrams(text)),
                weight=sum(self._idf(w) for w in unique) or 1.0,
                digits=frozenset(_DIGITS.findall(text)),
                kinds=frozenset(k for k, p in _KINDS.items() if p.search(text)),
                negated=bool(_NEGATION.search(text)),
            )
            if len(self._stats_cache) > 50_000:
                self._stats_cache.clear()
            self._stats_cache[prepared] = found
        return found

    def _scalars(
        self, a: tuple[str, tuple[str, ...]], b: tuple[str, tuple[str, ...]]
    ) -> list[float]:
        x, y = self._stats(a), self._stats(b)
        ta, tb = x.text, y.text
        shared = x.words & y.words
        shared_weight = sum(self._idf(w) for w in shared)
        only = sum(self._idf(w) for w in x.words ^ y.words) / (x.weight + y.weight)
        la, lb = len(ta), len(tb)
        return [
            _jaccard(x.chars, y.chars),
            _jaccard(x.bigrams, y.bigrams),
            _jaccard(x.words, y.words),
            len(shared) / max(min(len(x.words), len(y.words)), 1),
            len(shared) / max(len(x.words), len(y.words), 1),
            only,
            shared_weight / x.weight,
            shared_weight / y.weight,
            fuzz.ratio(ta, tb) / 100,
            fuzz.partial_ratio(ta, tb) / 100,
            fuzz.token_sort_ratio(x.joined, y.joined) / 100,
            Levenshtein.normalized_distance(ta, tb),
            Indel.normalized_distance(ta, tb),
            _longest_common_substring(ta, tb) / max(min(la, lb), 1),
            float(la),
            float(lb),
            min(la, lb) / max(la, lb, 1),
            float(abs(la - lb)),
            float(x.digits == y.digits),
            float(bool(x.digits) != bool(y.digits)),
            float(len((x.words ^ y.words) & _key_terms())),
            float(len(x.kinds ^ y.kinds)),
            float(x.negated != y.negated),
        ]

    def transform(self, left: Sequence[str], right: Sequence[str]) -> np.ndarray:
        # each distinct text is vectorised and embedded once (a query against 20 FAQ
        # questions is 21 texts, not 40), in one call per vectoriser: at serving time the
        # cost is the calls, not the arithmetic
        unique = list(dict.fromkeys([*left, *right]))
        where = {text: i for i, text in enumerate(unique)}
        ia = [where[t] for t in left]
        ib = [where[t] for t in right]
        prepared = self.prepare(unique)
        tfidf = self._vectors(prepared)
        pairs = list(zip(ia, ib, strict=True))
        blocks = [
            np.asarray(
                [
                    [_dot(tfidf[a][0], tfidf[b][0]), _dot(tfidf[a][1], tfidf[b][1])]
                    for a, b in pairs
                ],
                dtype=np.float64,
            ).reshape(len(ia), 2),
            np.asarray(
                [self._scalars(prepared[a], prepared[b]) for a, b in pairs],
                dtype=np.float64,
            ).reshape(len(ia), -1),
        ]
        for vectors in self.embeddings(unique):
            blocks.append((vectors[ia] * vectors[ib]).sum(axis=1, keepdims=True))
        return np.hstack(blocks)

    def _vectors(
        self, prepared: list[tuple[str, tuple[str, ...]]]
    ) -> list[tuple[dict[int, float], dict[int, float]]]:
        """Each text's character and word TF-IDF as {column: weight}, remembered per text (an
        FAQ's questions are vectorised once, not at every search)."""
        missing = list(dict.fromkeys(p for p in prepared if p not in self._vector_cache))
        if missing and len(self._vector_cache) + len(missing) > 50_000:
            # full: start afresh with this call's texts (clearing after the look-up above lost
            # the texts already cached that this call still needs: a KeyError)
            self._vector_cache.clear()
            missing = list(dict.fromkeys(prepared))
        if missing:
            chars = fast_tfidf(self.char_, [p[0] for p in missing])
            word_rows = fast_tfidf(self.word_, [" ".join(p[1]) for p in missing])
            for i, p in enumerate(missing):
                self._vector_cache[p] = (_row(chars, i), _row(word_rows, i))
        return [self._vector_cache[p] for p in prepared]

    def embeddings(self, texts: Sequence[str]) -> list[np.ndarray]:
        """One ``(len(texts), dim)`` float64 block per encoder."""
        cut = [t[: self.max_chars].strip() for t in texts]
        return [np.asarray(enc.encode(cut), dtype=np.float64) for enc in self.encoders]
