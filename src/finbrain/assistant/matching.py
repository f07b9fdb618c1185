"""Do two customer questions ask the same thing? (问题匹配, for FAQ retrieval and re-ranking.)

:class:`QuestionMatcher` is a scikit-learn classifier over *pairs* of questions. Each pair
becomes the features of :class:`~finbrain.assistant.pair_features.PairFeatures` (lexical
overlap after synonym folding, edit distances, mismatched bank terms, question kinds and
negation, each encoder's cosine) plus, with ``interactions``, the element-wise product and
absolute difference of the two embeddings, which let the model learn *which* directions of
meaning matter. A gradient-boosted model (LightGBM) reads them — or a logistic regression
(``model="linear"``), which suits a few hundred pairs better; ``"auto"`` picks LightGBM from
``gbm_min_pairs`` pairs on. ``predict_proba`` gives the probability that the two questions mean
the same; ``threshold`` turns it into 0/1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from finbrain.assistant.nlu.encoders import Encoder
from finbrain.assistant.nlu.features import resolve_encoders
from finbrain.assistant.pair_features import PairFeatures
from finbrain.core.errors import ValidationError

__all__ = ["QuestionMatcher", "as_pairs", "held_out_threshold"]

_MODELS = ("auto", "gbm", "linear")


def as_pairs(X: Any) -> tuple[list[str], list[str]]:  # noqa: N803
    """Two lists of questions from a two-column frame or a list of 2-tuples (non-text cells
    read as empty)."""
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


class QuestionMatcher(ClassifierMixin, BaseEstimator):  # type: ignore[misc]  # sklearn is untyped
    """Pairs of questions → same meaning (1) or not (0)."""

    def __init__(
        self,
        encoders: Sequence[Encoder] | str | None = None,
        model: str = "auto",
        interactions: bool = True,
        C: float = 0.05,  # noqa: N803 (scikit-learn's name)
        n_estimators: int = 500,
        learning_rate: float = 0.03,
        gbm_min_pairs: int = 2000,
        min_child_samples: int = 20,
        monotone: bool = True,
        threshold: float = 0.5,
        max_chars: int = 256,
        random_state: int = 0,
    ) -> None:
        self.encoders = encoders
        self.model = model
        self.interactions = interactions
        self.C = C
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.gbm_min_pairs = gbm_min_pairs
        self.min_child_samples = min_child_samples
        self.monotone = monotone
        self.threshold = threshold
        self.max_chars = max_chars
        self.random_state = random_state

    def _check(self) -> None:
        if self.model not in _MODELS:
            raise ValidationError(f"model={self.model!r}", field="model", rule="one_of")
        if not 0.0 < self.threshold < 1.0:
            raise ValidationError(
                f"threshold={self.threshold}", field="threshold", rule="between_0_and_1"
            )
        if self.C <= 0:
            raise ValidationError(f"C={self.C}", field="C", rule="positive")

    def _matrix(self, left: list[str], right: list[str]) -> np.ndarray:
        blocks = [self.features_.transform(left, right)]
        if self.interactions and self.features_.encoders:
            unique = list(dict.fromkeys([*left, *right]))
            where = {text: i for i, text in enumerate(unique)}
            ia, ib = [where[t] for t in left], [where[t] for t in right]
            for vectors in self.features_.embeddings(unique):
                blocks += [vectors[ia] * vectors[ib], np.abs(vectors[ia] - vectors[ib])]
        return np.hstack(blocks).astype(np.float64, copy=False)

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> QuestionMatcher:  # noqa: N803
        self._check()
        left, right = as_pairs(X)
        labels = np.asarray(y).astype(int)
        if len(labels) != len(left):
            raise ValidationError(
                f"{len(left)} pairs but {len(labels)} labels", field="y", rule="same_length"
            )
        if not set(np.unique(labels)) <= {0, 1} or len(np.unique(labels)) < 2:
            raise ValidationError("labels must be 0 and 1, both present", field="y", rule="binary")
        self.features_ = PairFeatures(resolve_encoders(self.encoders), self.max_chars)
        self.features_.fit(left + right)
        matrix = self._matrix(left, right)
        kind = self.model
        if kind == "auto":
            kind = "gbm" if len(labels) >= self.gbm_min_pairs else "linear"
        self.kind_ = kind
        self.scaler_ = StandardScaler().fit(matrix) if kind == "linear" else None
        self.model_ = self._estimator(kind, matrix.shape[1])
        self.model_.fit(self._scaled(matrix), labels, sample_weight=sample_weight)
        self.classes_ = np.array([0, 1])
        return self

    def _estimator(self, kind: str, width: int) -> Any:
        if kind == "linear":
            return LogisticRegression(C=self.C, max_iter=3000)
        from lightgbm import LGBMClassifier  # heavy: only when a boosted matcher is fitted

        # more overlap never means "less alike": without the constraint, a training set whose
        # paraphrases share fewer words than its near-miss negatives teaches the opposite
        directions = self.features_.monotone() if self.monotone else []
        directions += [0] * (width - len(directions))
        # few columns per tree: the embedding blocks are wide and each dimension weak alone
        return LGBMClassifier(
            monotone_constraints=directions if self.monotone else None,
            min_child_samples=self.min_child_samples,
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=15,
            colsample_bytree=0.3,
            subsample=0.8,
            subsample_freq=1,
            random_state=self.random_state,
            n_jobs=1,
            verbose=-1,
        )

    def predict_proba(self, X: Any) -> np.ndarray:  # noqa: N803
        check_is_fitted(self, "model_")
        left, right = as_pairs(X)
        if not left:
            return np.zeros((0, 2))
        matrix = self._scaled(self._matrix(left, right))
        if self.kind_ == "gbm":  # the booster itself: scikit-learn's checks cost more than it
            positive = np.asarray(self.model_.booster_.predict(matrix, num_threads=1), np.float64)
            return np.column_stack([1.0 - positive, positive])
        proba: np.ndarray = self.model_.predict_proba(matrix)
        return proba

    def _scaled(self, matrix: np.ndarray) -> np.ndarray:
        if self.scaler_ is None:  # trees need no scaling
            return matrix
        scaled: np.ndarray = self.scaler_.transform(matrix)
        return scaled

    def predict(self, X: Any) -> np.ndarray:  # noqa: N803
        return (self.predict_proba(X)[:, 1] >= self.threshold).astype(int)


def held_out_threshold(
    matcher: QuestionMatcher,
    X: Any,  # noqa: N803
    y: Any,
    share: float = 0.7,
    random_state: int = 0,
) -> float:
    """The decision threshold for ``matcher`` chosen on questions it has never seen.

    The distinct questions of ``X`` are split at random, ``share`` of them on one side; a clone
    of ``matcher`` is fitted on the pairs whose two questions are both on that side and scores
    the pairs whose two questions are both on the other (pairs across the split are left out).
    Returned is the threshold (0.02 … 0.98) with the highest accuracy on those pairs. A random
    split of the *pairs* would reuse the same questions on both sides (ATEC asks about the same
    few hundred questions again and again) and promise more confidence than new questions —
    another bank's customers — deserve.
    """
    from sklearn.base import clone

    left, right = as_pairs(X)
    labels = np.asarray(y).astype(int)
    rng = np.random.default_rng(random_state)
    questions = list(dict.fromkeys([*left, *right]))
    side = dict(zip(questions, rng.random(len(questions)) < share, strict=True))
    a = np.array([side[t] for t in left])
    b = np.array([side[t] for t in right])
    fit_rows, held_rows = np.flatnonzero(a & b), np.flatnonzero(~a & ~b)
    if len(np.unique(labels[fit_rows])) < 2 or len(np.unique(labels[held_rows])) < 2:
        raise ValidationError(
            "too few pairs on one side of the question split", field="X", rule="enough_pairs"
        )
    pairs = list(zip(left, right, strict=True))
    model = clone(matcher).fit([pairs[i] for i in fit_rows], labels[fit_rows])
    positive = model.predict_proba([pairs[i] for i in held_rows])[:, 1]
    grid = np.linspace(0.02, 0.98, 97)
    accuracy = [float(((positive >= t) == labels[held_rows]).mean()) for t in grid]
    return float(grid[int(np.argmax(accuracy))])
