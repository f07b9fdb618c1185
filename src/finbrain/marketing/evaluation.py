"""How good is an uplift ranking, measured on a randomised campaign (one offer against the
control; for several offers, evaluate each on its own arm and the control).

- :func:`qini_curve`: after targeting the top n by predicted uplift, the incremental responders
  Q(n) = R_t(n) − R_c(n) · N_t(n) / N_c(n) (Radcliffe 2007); :func:`uplift_curve`: the same
  with the difference of response rates times n (Rzepakowski & Jaroszewicz 2012).
- :func:`qini_coefficient` and :func:`auuc`: the area between each curve and the random
  line, divided by that of the perfect ranking (1 perfect, 0 random), as scikit-uplift
  defines ``qini_auc_score`` and ``uplift_auc_score``.
- :func:`uplift_at_k`: response rate of the treated minus that of the control among the top
  ``k`` share (``by_group``: each group's own top k; ``overall``: the top k of everyone).
- :func:`bootstrap`: a percentile confidence interval of any of them (resampled within each
  arm, so the arms keep their sizes).

Ties in the predicted uplift are taken as one block (the curve moves once per distinct score),
so a constant prediction scores exactly as random.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from finbrain.core.errors import ValidationError

__all__ = [
    "Interval",
    "auuc",
    "bootstrap",
    "qini_coefficient",
    "qini_curve",
    "qini_points",
    "uplift_at_k",
    "uplift_curve",
]

STRATEGIES = ("by_group", "overall")


def _inputs(y: Any, uplift: Any, treatment: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    target = np.asarray(y, dtype=float).ravel()
    score = np.asarray(uplift, dtype=float).ravel()
    treated = np.asarray(treatment, dtype=float).ravel()
    if not len(target) == len(score) == len(treated):
        raise ValidationError(field="uplift", rule="same_length_as_y_and_treatment")
    for name, values in (("y", target), ("treatment", treated)):
        if not set(np.unique(values)) <= {0.0, 1.0}:
            raise ValidationError(field=name, rule="binary_0_or_1")
    if not np.all(np.isfinite(score)):
        raise ValidationError(field="uplift", rule="finite")
    if treated.sum() == 0 or treated.sum() == len(treated):
        raise ValidationError(field="treatment", rule="both_treated_and_control_rows")
    return target, score, treated


def _cumulative(
    y: np.ndarray, score: np.ndarray, treated: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Counts after each block of equal scores, best first: n, N_t, R_t, N_c, R_c."""
    order = np.argsort(-score, kind="mergesort")
    y, score, treated = y[order], score[order], treated[order]
    ends = np.r_[np.flatnonzero(np.diff(score)), len(score) - 1]
    n_t = np.cumsum(treated)[ends]
    r_t = np.cumsum(y * treated)[ends]
    n = ends + 1.0
    r_c = np.cumsum(y * (1 - treated))[ends]
    return np.r_[0.0, n], np.r_[0.0, n_t], np.r_[0.0, r_t], np.r_[0.0, n - n_t], np.r_[0.0, r_c]


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(np.divide(a, b, out=np.zeros_like(a), where=b != 0))


def qini_curve(y: Any, uplift: Any, treatment: Any) -> tuple[np.ndarray, np.ndarray]:
    """Customers targeted and incremental responders among them (starts at (0, 0))."""
    n, n_t, r_t, n_c, r_c = _cumulative(*_inputs(y, uplift, treatment))
    return n, r_t - r_c * _ratio(n_t, n_c)


def uplift_curve(y: Any, uplift: Any, treatment: Any) -> tuple[np.ndarray, np.ndarray]:
    """Customers targeted and (treated rate − control rate) × customers targeted."""
    n, n_t, r_t, n_c, r_c = _cumulative(*_inputs(y, uplift, treatment))
    return n, (_ratio(r_t, n_t) - _ratio(r_c, n_c)) * n


def _normalised(curve: Callable[..., tuple[np.ndarray, np.ndarray]], y: Any, uplift: Any,
                treatment: Any, perfect: np.ndarray) -> float:  # fmt: skip
    x, q = curve(y, uplift, treatment)
    px, pq = curve(y, perfect, treatment)
    random = x[-1] * q[-1] / 2  # the straight line to the same end point
    best = float(np.trapezoid(pq, px)) - random
    if best == 0:
        raise ValidationError(field="y", rule="no_response_difference_to_rank")
    return float((float(np.trapezoid(q, x)) - random) / best)


def qini_coefficient(y: Any, uplift: Any, treatment: Any) -> float:
    """Area between the Qini curve and random over that of the perfect ranking (responders
    among the treated first, responders among the control last)."""
    target, _, treated = _inputs(y, uplift, treatment)
    return _normalised(qini_curve, y, uplift, treatment, target * treated - target * (1 - treated))


def auuc(y: Any, uplift: Any, treatment: Any) -> float:
    """Area between the uplift curve and random over that of the perfect ranking."""
    target, _, treated = _inputs(y, uplift, treatment)
    # scikit-uplift's perfect order: treated responders and control non-responders first,
    # broken by the larger of the two groups that cannot be placed well
    control_responders = np.sum((target == 1) & (treated == 0))
    treated_non_responders = np.sum((target == 0) & (treated == 1))
    summand = target if control_responders > treated_non_responders else treated
    perfect = 2.0 * (target == treated) + summand
    return _normalised(uplift_curve, y, uplift, treatment, perfect)


def uplift_at_k(
    y: Any, uplift: Any, treatment: Any, k: float = 0.3, strategy: str = "by_group"
) -> float:
    """Treated response rate minus control response rate among the top ``k`` (a share in
    (0, 1]) by predicted uplift."""
    target, score, treated = _inputs(y, uplift, treatment)
    if not (isinstance(k, float | int) and 0 < k <= 1):
        raise ValidationError(field="k", rule="share_in_0_1")
    if strategy not in STRATEGIES:
        raise ValidationError(field="strategy", rule="by_group_or_overall")
    if strategy == "overall":
        top = np.argsort(-score, kind="mergesort")[: max(1, int(len(score) * k))]
        t, c = top[treated[top] == 1], top[treated[top] == 0]
        if len(t) == 0 or len(c) == 0:
            raise ValidationError(field="k", rule="top_k_holds_both_groups")
        return float(target[t].mean() - target[c].mean())
    rates = []
    for group in (1.0, 0.0):
        rows = np.flatnonzero(treated == group)
        top = rows[np.argsort(-score[rows], kind="mergesort")[: max(1, int(len(rows) * k))]]
        rates.append(float(target[top].mean()))
    return rates[0] - rates[1]


def qini_points(y: Any, uplift: Any, treatment: Any, points: int = 21) -> list[list[float]]:
    """The Qini curve at evenly spaced shares targeted: ``[share, incremental responders per
    customer of the whole population]`` (for plots and results files)."""
    x, q = qini_curve(y, uplift, treatment)
    shares = np.linspace(0, 1, points)
    values = np.interp(shares * x[-1], x, q) / x[-1]
    return [[round(float(s), 4), round(float(v), 6)] for s, v in zip(shares, values, strict=True)]


@dataclass(frozen=True)
class Interval:
    """A metric's value on the sample and its bootstrap percentile interval."""

    value: float
    low: float
    high: float
    level: float
    n_boot: int


def bootstrap(
    metric: Callable[..., float],
    y: Any,
    uplift: Any,
    treatment: Any,
    *,
    n_boot: int = 200,
    level: float = 0.95,
    seed: int = 0,
    **kwargs: Any,
) -> Interval:
    """``metric(y, uplift, treatment, **kwargs)`` with a percentile interval from ``n_boot``
    resamples drawn within each arm."""
    target, score, treated = _inputs(y, uplift, treatment)
    if not 0 < level < 1:
        raise ValidationError(field="level", rule="share_in_0_1")
    if n_boot < 10:
        raise ValidationError(field="n_boot", rule="at_least_10")
    rng = np.random.default_rng(seed)
    arms = [np.flatnonzero(treated == g) for g in (1.0, 0.0)]
    values = []
    for _ in range(n_boot):
        rows = np.concatenate([rng.choice(a, size=len(a), replace=True) for a in arms])
        values.append(metric(target[rows], score[rows], treated[rows], **kwargs))
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    value = metric(target, score, treated, **kwargs)
    return Interval(float(value), float(low), float(high), level, n_boot)
