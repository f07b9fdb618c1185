"""Do two customer questions ask the same thing? (问题匹配, for FAQ retrieval and re-ranking.)

:class:`QuestionMatcher` is a scikit-learn classifier over *pairs* of questions. Each pair
becomes a short feature vector — cosine of character n-gram TF-IDF, cosine of word TF-IDF
(jieba), character and word overlap (Jaccard), length ratio, whether both carry the same
numbers — plus, per sentence encoder, the cosine and the element-wise product and absolute
difference of the two embeddings; a logistic regression reads them. ``predict_proba`` gives the
probability that the two questions mean the same; ``threshold`` turns it into 0/1.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from finbrain.assistant.nlu.encoders import Encoder
from finbrain.assistant.nlu.features import resolve_encoders
from finbrain.assistant.nlu.text import char_ngrams, normalise, words
from finbrain.core.errors import ValidationError

__all__ = ["QuestionMatcher"]

_DIGITS = re.compile(r"\d+")


def _pairs(X: Any) -> tuple[list[str], list[str]]:  # noqa: N803
    try:
        rows = list(X.itertuples(index=False)) if hasattr(X, "itertuples") else list(X)
        if any(isinstance(r, str | bytes) or len(r) != 2 for r in rows):
            raise TypeError("not a pair")
        left = [r[0] if isinstance(r[0], str) else "" for r in rows]
        right = [r[1] if isinstance(r[1], str) else "" for r in rows]
    except (TypeError, IndexError, KeyError) as exc:
        raise ValidationError(
            "expected pairs of questions (a two-column frame or a list of 2-tuples)",
            field="X",
            rule="pairs",
        ) from exc
    return left, right


def _rows_cosine(a: Any, b: Any) -> np.ndarray:
    """Row-wise cosine of two L2-normalised sparse matrices."""
    return np.asarray(a.multiply(b).sum(axis=1)).ravel()


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


class QuestionMatcher(ClassifierMixin, BaseEstimator):  # type: ignore[misc]  # sklearn is untyped
    """Pairs of questions → same meaning (1) or not (0)."""

    def __init__(
        self,
        encoders: Sequence[Encoder] | str | None = None,
        C: float = 1.0,  # noqa: N803 (scikit-learn's name)
        threshold: float = 0.5,
        max_chars: int = 256,
    ) -> None:
        self.encoders = encoders
        self.C = C
        self.threshold = threshold
        self.max_chars = max_chars

    def _features(self, left: list[str], right: list[str]) -> np.ndarray:
        cl = [normalise(t, self.max_chars) for t in left]
        cr = [normalise(t, self.max_chars) for t in right]
        char_cos = _rows_cosine(self.char_.transform(cl), self.char_.transform(cr))
        word_cos = _rows_cosine(self.word_.transform(cl), self.word_.transform(cr))
        scalars = []
        for a, b in zip(cl, cr, strict=True):
            wa, wb = set(words(a)), set(words(b))
            la, lb = len(a), len(b)
            da, db = set(_DIGITS.findall(a)), set(_DIGITS.findall(b))
            scalars.append(
                (
                    _jaccard(set(a) - {" "}, set(b) - {" "}),
                    _jaccard(wa, wb),
                    min(la, lb) / max(la, lb, 1),
                    float(da == db),
                )
            )
        blocks = [char_cos[:, None], word_cos[:, None], np.asarray(scalars)]
        for enc in self.encoders_:
            ea = np.asarray(enc.encode([t[: self.max_chars] for t in left]), dtype=np.float64)
            eb = np.asarray(enc.encode([t[: self.max_chars] for t in right]), dtype=np.float64)
            blocks += [(ea * eb).sum(axis=1, keepdims=True), ea * eb, np.abs(ea - eb)]
        return np.hstack(blocks)

    def fit(self, X: Any, y: Any) -> QuestionMatcher:  # noqa: N803
        left, right = _pairs(X)
        labels = np.asarray(y).astype(int)
        if len(labels) != len(left):
            raise ValidationError(
                f"{len(left)} pairs but {len(labels)} labels", field="y", rule="same_length"
            )
        if not set(np.unique(labels)) <= {0, 1} or len(np.unique(labels)) < 2:
            raise ValidationError("labels must be 0 and 1, both present", field="y", rule="binary")
        if not 0.0 < self.threshold < 1.0:
            raise ValidationError(
                f"threshold={self.threshold}", field="threshold", rule="between_0_and_1"
            )
        corpus = [normalise(t, self.max_chars) for t in left + right]
        common = {"sublinear_tf": True, "lowercase": False}
        self.char_ = TfidfVectorizer(analyzer=char_ngrams, **common).fit(corpus)
        self.word_ = TfidfVectorizer(analyzer=words, **common).fit(corpus)
        self.encoders_ = resolve_encoders(self.encoders)
        features = self._features(left, right)
        self.scaler_ = StandardScaler().fit(features)
        self.model_ = LogisticRegression(C=self.C, max_iter=2000)
        self.model_.fit(self.scaler_.transform(features), labels)
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X: Any) -> np.ndarray:  # noqa: N803
        check_is_fitted(self, "model_")
        left, right = _pairs(X)
        if not left:
            return np.zeros((0, 2))
        proba: np.ndarray = self.model_.predict_proba(
            self.scaler_.transform(self._features(left, right))
        )
        return proba

    def predict(self, X: Any) -> np.ndarray:  # noqa: N803
        return (self.predict_proba(X)[:, 1] >= self.threshold).astype(int)
