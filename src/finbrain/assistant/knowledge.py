"""The bank's own answers (知识库): FAQ entries, found by hybrid search and a learned re-ranker.

An entry (:class:`FaqEntry`) has an id, the ways customers ask it (paraphrases, zh and en
mixed), one answer in both languages and, optionally, the intents it answers. A
:class:`KnowledgeBase` holds a tenant's entries; ``add``, ``update`` and ``remove`` take effect
at the next search (the lexical index is updated in place, embeddings are kept per question,
and what depends on the whole set — the TF-IDF fallback and the re-ranker — is refitted once,
lazily). The platform stores entries (``FaqEntry.model_dump``) and builds a base per tenant.

A search runs two retrievers over every stored question — BM25 (``bm25``) and embedding cosine
(the packaged encoders when installed, else character n-gram TF-IDF) — and puts the union of
their top ``candidates`` questions (6: on a validation split of the Chinese BANKING77 training
messages, 10 was 0.4 points better and 60% slower) to the re-ranker, a
:class:`~finbrain.assistant.matching.QuestionMatcher` that gives the probability that the
query and a stored question ask the same thing. Unless one is given, the re-ranker is learned
from the base itself: paraphrases of one entry are positive pairs, each question's nearest
questions of *other* entries the negatives. (Adding pairs from the shipped Chinese BANKING77
set was tried: on the demo FAQ's held-out queries it lowered top-1 from 42 to 39 of 45 with
the encoders, and took ten times longer to refresh.) An entry scores its questions' best
probability plus their best cosine; ``answer`` returns the best entry when its probability is
high enough, else an entry of the intent the model read, else nothing.
"""

from __future__ import annotations

import itertools
import json
import random
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from finbrain.assistant.bm25 import BM25Index
from finbrain.assistant.matching import QuestionMatcher
from finbrain.assistant.nlu.encoders import Encoder
from finbrain.assistant.nlu.features import fast_tfidf, resolve_encoders
from finbrain.assistant.nlu.text import char_ngrams, normalise
from finbrain.core.decision import BilingualText
from finbrain.core.errors import NotFoundError

__all__ = ["FaqEntry", "FaqHit", "KnowledgeBase", "load_demo_faq"]

_SEP = "\x1f"
# messages that ask nothing a bank answers: negatives for every entry
_NOISE = [
    "是的",
    "好的",
    "嗯",
    "谢谢",
    "第二张",
    "你好",
    "在吗",
    "哈哈哈",
    "今天天气怎么样",
    "yes",
    "ok",
    "thanks",
    "hello",
    "the second one",
    "what's the weather",
    "lol",
    "asdf qwer",
    "12345",
    "😀",
]


class FaqEntry(BaseModel):
    """One question the bank answers, however it is asked."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    questions: tuple[str, ...] = Field(min_length=1, max_length=100)
    answer: BilingualText
    intents: tuple[str, ...] = Field(default=(), max_length=20)
    """The intents this entry answers (when the intent model reads one of them)."""

    @field_validator("questions")
    @classmethod
    def _questions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        kept = tuple(dict.fromkeys(q.strip() for q in value if q.strip()))
        if not kept or any(len(q) > 500 for q in kept):
            raise ValueError("1 to 100 questions, each 1 to 500 characters")
        return kept

    def answer_in(self, language: str) -> str:
        return self.answer.en if language == "en" else self.answer.zh


def load_demo_faq() -> list[FaqEntry]:
    """The demo bank's FAQ (``data/faq_demo.json``: 22 entries, zh and en, written for
    finbrain)."""
    raw = resources.files("finbrain.assistant").joinpath("data/faq_demo.json").read_text("utf-8")
    return [FaqEntry.model_validate(item) for item in json.loads(raw)]


@dataclass(frozen=True, slots=True)
class FaqHit:
    entry: FaqEntry
    question: str
    """The stored question that matched best."""
    probability: float
    """The re-ranker's probability that the query asks that question."""
    lexical: float
    """BM25 score of that question (0 when only the embedding found it)."""
    semantic: float
    """Cosine of the query and that question."""
    via: str = "search"
    """``search`` (the re-ranker matched it) or ``intent`` (linked to the intent read)."""


class KnowledgeBase:
    """A tenant's FAQ entries with hybrid search (see the module doc)."""

    def __init__(
        self,
        entries: Iterable[FaqEntry] = (),
        encoders: Sequence[Encoder] | str | None = "auto",
        matcher: QuestionMatcher | None = None,
        candidates: int = 6,
        random_state: int = 0,
    ) -> None:
        self.encoders = resolve_encoders(encoders)
        self.matcher = matcher
        self.candidates = candidates
        self.random_state = random_state
        self._entries: dict[str, FaqEntry] = {}
        self._bm25 = BM25Index()
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = True
        self._reranker: QuestionMatcher | None = None
        # one lock for edits, refreshes and searches: a search never sees half an index
        self._lock = threading.RLock()
        for entry in entries:
            self.add(entry)

    # --- editing ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._entries

    @property
    def entries(self) -> list[FaqEntry]:
        return list(self._entries.values())

    def get(self, entry_id: str) -> FaqEntry:
        try:
            return self._entries[entry_id]
        except KeyError:
            raise NotFoundError(f"no FAQ entry {entry_id!r}", field="id", rule="exists") from None

    def add(self, entry: FaqEntry) -> None:
        """Add ``entry``, or replace the entry with its id."""
        with self._lock:
            if entry.id in self._entries:
                self._unindex(self._entries[entry.id])
            self._entries[entry.id] = entry
            for i, question in enumerate(entry.questions):
                self._bm25.add(f"{entry.id}{_SEP}{i}", question)
            self._dirty = True

    update = add

    def remove(self, entry_id: str) -> None:
        with self._lock:
            self._unindex(self.get(entry_id))
            del self._entries[entry_id]
            self._dirty = True

    def _unindex(self, entry: FaqEntry) -> None:
        for i in range(len(entry.questions)):
            self._bm25.remove(f"{entry.id}{_SEP}{i}")

    # --- refreshing -------------------------------------------------------------------------
    def _docs(self) -> list[tuple[str, str]]:
        return [
            (f"{e.id}{_SEP}{i}", q)
            for e in self._entries.values()
            for i, q in enumerate(e.questions)
        ]

    def refresh(self) -> None:
        """Rebuild what depends on the whole set (done by the next search when needed)."""
        with self._lock:
            self._refresh()

    def _refresh(self) -> None:
        docs = self._docs()
        self._doc_ids = [d for d, _ in docs]
        self._questions = [q for _, q in docs]
        self._semantic = self._embed_all(self._questions)
        self._reranker = self.matcher
        if self._reranker is None:
            self._reranker = self._learn_reranker()
        self._dirty = False

    def _embed_all(self, questions: list[str]) -> Any:
        if self.encoders:
            missing = [q for q in dict.fromkeys(questions) if q not in self._vectors]
            if missing:
                blocks = [np.asarray(enc.encode(missing), np.float32) for enc in self.encoders]
                for q, row in zip(missing, np.hstack(blocks), strict=True):
                    self._vectors[q] = row / max(float(np.linalg.norm(row)), 1e-9)
            keep = set(questions)
            self._vectors = {q: v for q, v in self._vectors.items() if q in keep}
            width = sum(enc.dim for enc in self.encoders)
            rows = [self._vectors[q] for q in questions]
            return np.vstack(rows) if rows else np.zeros((0, width), np.float32)
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._tfidf = TfidfVectorizer(analyzer=char_ngrams, sublinear_tf=True, lowercase=False)
        if not questions:
            return None
        return self._tfidf.fit_transform([normalise(q) for q in questions])

    def _query_vector(self, query: str) -> Any:
        if self.encoders:
            row = np.hstack(
                [np.asarray(enc.encode([query[:256].strip()]), np.float32) for enc in self.encoders]
            )[0]
            return row / max(float(np.linalg.norm(row)), 1e-9)
        return fast_tfidf(self._tfidf, [normalise(query)])

    def _cosines(self, query: str) -> np.ndarray:
        if not self._questions:
            return np.zeros(0)
        vector = self._query_vector(query)
        if self.encoders:
            return np.asarray(self._semantic @ vector, dtype=np.float64)
        return np.asarray((self._semantic @ vector.T).toarray()).ravel()

    def _learn_reranker(self) -> QuestionMatcher | None:
        """Paraphrases of an entry (and each question with itself) are positives; each
        question's nearest questions of other entries (by BM25), a few random ones and a few
        messages that are no question at all are the negatives. Boosted with monotone
        constraints: more overlap can only raise the probability."""
        rng = random.Random(self.random_state)
        pairs: list[tuple[str, str]] = []
        labels: list[int] = []
        for entry in self._entries.values():
            combos = list(itertools.combinations(entry.questions, 2))
            rng.shuffle(combos)
            for a, b in [*combos[:60], *((q, q) for q in entry.questions)]:
                pairs.append((a, b))
                labels.append(1)
            for noise in rng.sample(_NOISE, 3):
                pairs.append((noise, rng.choice(entry.questions)))
                labels.append(0)
        owner = dict(zip(self._doc_ids, [d.split(_SEP)[0] for d in self._doc_ids], strict=True))
        text_of = dict(zip(self._doc_ids, self._questions, strict=True))
        for doc_id, question in zip(self._doc_ids, self._questions, strict=True):
            near = [d for d, _ in self._bm25.search(question, 6) if owner[d] != owner[doc_id]]
            far = rng.sample(self._doc_ids, min(2, len(self._doc_ids)))
            for other in near[:3] + [d for d in far if owner[d] != owner[doc_id]]:
                pairs.append((question, text_of[other]))
                labels.append(0)
        if len(set(labels)) < 2:
            return None
        matcher = QuestionMatcher(
            encoders=self.encoders or None,
            model="gbm",
            interactions=False,
            n_estimators=200,
            learning_rate=0.05,
            min_child_samples=5,
            random_state=self.random_state,
        )
        return matcher.fit(pairs, labels)

    # --- searching --------------------------------------------------------------------------
    def retrieve(self, query: str, how: str = "bm25", k: int = 5) -> list[tuple[str, float]]:
        """One retriever alone (``"bm25"`` or ``"cosine"``): ``(entry id, best score of its
        questions)``, best first — what the re-ranker improves on."""
        with self._lock:
            return self._retrieve(query, how, k)

    def _retrieve(self, query: str, how: str, k: int) -> list[tuple[str, float]]:
        if self._dirty:
            self._refresh()
        best: dict[str, float] = {}
        if how == "bm25":
            scored = self._bm25.search(query, k * 10)
        else:
            cosines = self._cosines(query)
            scored = [(self._doc_ids[i], float(cosines[i])) for i in np.argsort(-cosines)[: k * 10]]
        for doc_id, score in scored:
            entry_id = doc_id.split(_SEP)[0]
            best[entry_id] = max(best.get(entry_id, score), score)
        return sorted(best.items(), key=lambda kv: -kv[1])[:k]

    def search(self, query: object, k: int = 5) -> list[FaqHit]:
        """The best ``k`` entries for ``query`` (by their questions' best re-ranker probability
        plus their best cosine). Thread-safe, as are the edits."""
        if not isinstance(query, str) or not query.strip():
            return []
        with self._lock:
            return self._search(query, k)

    def _search(self, query: str, k: int) -> list[FaqHit]:
        if not self._entries:
            return []
        if self._dirty:
            self._refresh()
        cosines = self._cosines(query)
        lexical = dict(self._bm25.search(query, self.candidates))
        index = {d: i for i, d in enumerate(self._doc_ids)}
        chosen = set(lexical)
        if len(cosines):
            chosen |= {self._doc_ids[i] for i in np.argsort(-cosines)[: self.candidates]}
        found = sorted(chosen, key=index.__getitem__)
        if not found:
            return []
        rows = [index[d] for d in found]
        if self._reranker is not None:
            pairs = [(query, self._questions[i]) for i in rows]
            probability = self._reranker.predict_proba(pairs)[:, 1]
        else:  # one entry with one question: nothing to learn from, the cosine stands in
            probability = np.clip(cosines[rows], 0.0, 1.0)
        # an entry scores its best probability plus its best cosine (over its questions): the
        # boosted probabilities saturate near 1 for many candidates and the cosine orders
        # them. Chosen on a validation split of the Chinese BANKING77 *training* messages as
        # an FAQ (16 per intent stored, 6 asked): 0.835 top-1 against 0.816 for the best
        # question's probability + cosine and 0.771 for the probability alone
        semantic = cosines[rows] if len(cosines) else np.zeros(len(rows))
        best: dict[str, FaqHit] = {}
        closest: dict[str, float] = {}
        for doc_id, row, p, c in zip(found, rows, probability, semantic, strict=True):
            entry = self._entries[doc_id.split(_SEP)[0]]
            closest[entry.id] = max(closest.get(entry.id, -1.0), float(c))
            if entry.id not in best or float(p) > best[entry.id].probability:
                best[entry.id] = FaqHit(entry, self._questions[row], float(p),
                                        float(lexical.get(doc_id, 0.0)), float(c))  # fmt: skip

        def score(hit: FaqHit) -> tuple[float, str]:
            return -(hit.probability + closest[hit.entry.id]), hit.entry.id

        return sorted(best.values(), key=score)[:k]

    def answer(
        self,
        query: object,
        intent: str | None = None,
        min_probability: float = 0.6,
        min_cosine: float = 0.5,
    ) -> FaqHit | None:
        """The entry to answer ``query`` with, among the top hits that share a term with their
        question or are at least ``min_cosine`` close to it (a re-ranker alone never answers a
        message that has nothing in common with the FAQ): one linked to ``intent`` (the intent
        model read it) at half ``min_probability``; else the best at ``min_probability``;
        else any entry linked to ``intent``; else None."""
        hits = [
            hit
            for hit in self.search(query, k=3)
            if hit.lexical > 0 or (bool(self.encoders) and hit.semantic >= min_cosine)
        ]
        # the intent model agrees with a candidate: half the bar is enough for it
        for hit in hits:
            if intent in hit.entry.intents and hit.probability >= min_probability / 2:
                return hit
        if hits and hits[0].probability >= min_probability:
            return hits[0]
        if intent is not None:
            for entry in self._entries.values():
                if intent in entry.intents:
                    return FaqHit(entry, entry.questions[0], 0.0, 0.0, 0.0, via="intent")
        return None
