"""BM25 (Okapi) over short questions, updated one document at a time.

Terms: the words of a normalised question (English words; jieba words for Chinese, folded to
their synonym group) plus the character bigrams inside Han runs, which catch what jieba cuts
differently on the two sides (挂失 / 挂个失). Adding or removing a document touches only its
own postings, so a knowledge base edited in the console is searchable at once.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from finbrain.assistant.nlu.text import normalise
from finbrain.assistant.pair_features import canonical_words

__all__ = ["BM25Index", "terms"]

_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{2,}")


def terms(text: str, max_chars: int = 256) -> list[str]:
    """The BM25 terms of one question (see the module doc)."""
    clean = normalise(text, max_chars)
    out = canonical_words(clean)
    for run in _HAN_RUN.findall(clean):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


class BM25Index:
    """Documents by id → scores for a query; ``k1`` and ``b`` as in Robertson et al."""

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self._docs: dict[str, Counter[str]] = {}
        self._lengths: dict[str, int] = {}
        self._postings: dict[str, dict[str, int]] = {}
        self._total = 0

    def __len__(self) -> int:
        return len(self._docs)

    def add(self, doc_id: str, text: str) -> None:
        if doc_id in self._docs:
            self.remove(doc_id)
        counts = Counter(terms(text))
        self._docs[doc_id] = counts
        self._lengths[doc_id] = sum(counts.values())
        self._total += self._lengths[doc_id]
        for term, tf in counts.items():
            self._postings.setdefault(term, {})[doc_id] = tf

    def remove(self, doc_id: str) -> None:
        counts = self._docs.pop(doc_id, None)
        if counts is None:
            return
        self._total -= self._lengths.pop(doc_id)
        for term in counts:
            posting = self._postings[term]
            posting.pop(doc_id, None)
            if not posting:
                del self._postings[term]

    def search(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` best documents with a positive score, best first."""
        if not self._docs:
            return []
        n = len(self._docs)
        average = self._total / n or 1.0
        scores: dict[str, float] = {}
        for term in set(terms(query)):
            posting = self._postings.get(term)
            if not posting:
                continue
            idf = math.log(1 + (n - len(posting) + 0.5) / (len(posting) + 0.5))
            for doc_id, tf in posting.items():
                norm = self.k1 * (1 - self.b + self.b * self._lengths[doc_id] / average)
                scores[doc_id] = scores.get(doc_id, 0.0) + idf * tf * (self.k1 + 1) / (tf + norm)
        return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
