"""Uplift learners for randomised campaigns with one or more offers against a control:
:class:`TLearner`, :class:`XLearner` and the direct :class:`ClassTransformation`. Each is a
scikit-learn estimator with ``fit(X, y, treatment)`` and ``predict(X)`` → uplift per offer."""

from __future__ import annotations

from finbrain.marketing.uplift._base import UpliftModel
from finbrain.marketing.uplift._class_transformation import ClassTransformation
from finbrain.marketing.uplift._t_learner import TLearner
from finbrain.marketing.uplift._x_learner import XLearner

__all__ = ["ClassTransformation", "TLearner", "UpliftModel", "XLearner"]
