"""Optimal binning: group a characteristic into bins that carry the most information value.

A scorecard gives points per bin, so the bins must separate good from bad applicants as much as
possible (information value, IV) while staying defensible to a credit committee: not too many
bins, none too small, every bin with some goods and some bads, and a bad rate that moves in one
direction (or rises then falls) as the characteristic grows.

How it works:

1. **Pre-binning.** The regular values (not missing, not special) are put in order: a number's
   distinct values by size, categories by their bad rate. With at most ``max_n_prebins`` of
   them each is a prebin, so the search below covers every possible binning. Otherwise they are
   cut at quantiles into ``max_n_prebins`` prebins of about equal size (a value held by many
   records stays whole, and the quantiles it swallows are spent splitting the largest prebins).
   Prebins smaller than ``min_bin_size`` are *not* merged in advance: the optimiser joins them to
   whichever neighbour gives the most IV, which a fixed merge would rule out.
2. **Optimal merge.** Consecutive prebins are merged into final bins by an exact dynamic
   programme (:mod:`finbrain.credit._binning_dp`): the result has the highest IV of every binning
   built from the prebins that meets the constraints. No MIP solver is needed.
3. **Missing and special values** get bins of their own, after the regular bins and outside the
   trend: one "missing" bin, and one "special" bin per declared special value (e.g. -999 for
   "no bureau file"). Both always exist; a bin that was empty in training has WoE 0, i.e. it is
   scored like the average applicant.

Conventions (as in most scorecard texts): ``WoE = ln(good% / bad%)``, so a positive WoE means
lower risk than average, and ``IV = sum((good% - bad%) * WoE)``. A missing or special bin with no
goods or no bads uses 0.5 in place of the empty count (in WoE and in its IV term), so WoE stays
finite. Range bins are ``[lower, upper)``: a value equal to a cut point belongs to the upper bin.
"""

from __future__ import annotations

import bisect
import itertools
import math
import numbers
from collections.abc import Sequence, Sized
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Literal, NamedTuple, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from finbrain.core.errors import ValidationError
from finbrain.credit._binning_dp import (
    MAX_PREBINS,
    DirectionalTrend,
    Partition,
    optimal_partition,
)

Trend = Literal["auto", "ascending", "descending", "peak", "valley"] | None
BinKind = Literal["range", "categories", "missing", "special"]
Metric = Literal["woe", "index", "event_rate"]

_TRENDS = ("auto", "ascending", "descending", "peak", "valley", None)
_DTYPES = ("numerical", "categorical")
_METRICS = ("woe", "index", "event_rate")
_SMOOTHING = 0.5


def _fmt(value: float) -> str:
    """A number as an analyst writes it: 1000 not 1000.0, shortest exact form otherwise."""
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


@dataclass(frozen=True)
class Bin:
    """One bin of a fitted characteristic, with its counts, bad rate, WoE and IV."""

    index: int
    kind: BinKind
    lower: float
    upper: float
    categories: tuple[str, ...]
    special: float | str | None
    count: int
    bad: int
    good: int
    event_rate: float
    woe: float
    iv: float

    def label(self) -> str:
        """Human label: ``[1000, 2500)``, ``(-inf, 1000)``, ``{A, B}``, ``missing``,
        ``special -999``."""
        if self.kind == "range":
            left = "(" if math.isinf(self.lower) else "["
            return f"{left}{_fmt(self.lower)}, {_fmt(self.upper)})"
        if self.kind == "categories":
            return "{" + ", ".join(self.categories) + "}"
        if self.kind == "missing":
            return "missing"
        special = self.special
        shown = _fmt(float(special)) if isinstance(special, int | float) else str(special)
        return f"special {shown}"


def _woe_iv(good: int, bad: int, total_good: int, total_bad: int) -> tuple[float, float]:
    """WoE and IV term of one bin; an empty bin is neutral, a one-sided bin is smoothed."""
    if good + bad == 0:
        return 0.0, 0.0
    g, b = float(good), float(bad)
    if good == 0 or bad == 0:
        g, b = g + _SMOOTHING, b + _SMOOTHING
    pg, pb = g / total_good, b / total_bad
    woe = math.log(pg / pb)
    return woe, (pg - pb) * woe


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _min_size(value: object) -> tuple[str, float] | None:
    """("count", n) for an integer >= 1, ("fraction", f) for a float in (0, 1), else None."""
    if _is_int(value):
        count = int(cast(int, value))
        return ("count", float(count)) if count >= 1 else None
    if isinstance(value, numbers.Real) and 0.0 < float(value) < 1.0:
        return ("fraction", float(value))
    return None


def _check_1d(values: object, field: str) -> None:
    if isinstance(values, pd.DataFrame) or np.ndim(cast(Any, values)) != 1:
        raise ValidationError(
            f"{field} must be one-dimensional", field=field, rule="one_dimensional"
        )


def _one_column(values: Any) -> tuple[Any, bool]:
    """A characteristic passed as one column of a table (a one-column frame or an ``(n, 1)``
    array, as a scikit-learn ``Pipeline`` passes it) as a vector; and whether it was a table."""
    if isinstance(values, pd.DataFrame):
        if values.shape[1] == 1:
            return values.iloc[:, 0], True
        return values, False
    if not isinstance(values, pd.Series | pd.Categorical) and np.ndim(values) == 2:
        array = np.asarray(values)
        if array.shape[1] == 1:
            return array[:, 0], True
    return values, False


def _as_series(values: object) -> pd.Series[Any]:
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True)
    return pd.Series(np.asarray(values) if not isinstance(values, pd.Categorical) else values)


def _as_float(values: object, field: str, rule: str = "numeric") -> npt.NDArray[np.float64]:
    """Numbers as float64 with NaN for missing (None, NaN, pd.NA); text is refused."""
    _check_1d(values, field)
    s = _as_series(values)
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    try:
        s = pd.to_numeric(s, errors="raise")
        return np.asarray(s.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise ValidationError(f"{field} must hold numbers", field=field, rule=rule) from exc


def _as_keys(values: object, field: str) -> tuple[npt.NDArray[np.int64], list[str]]:
    """Categories as text keys: per-row positions into the list of keys, -1 for missing."""
    _check_1d(values, field)
    codes, uniques = pd.factorize(_as_series(values), use_na_sentinel=True)
    keys: list[str] = []
    position: dict[str, int] = {}
    remap = np.empty(len(uniques) + 1, dtype=np.int64)
    remap[-1] = -1  # code -1 (missing) stays -1
    for u, value in enumerate(uniques):
        key = str(value)
        remap[u] = position.setdefault(key, len(keys))
        if remap[u] == len(keys):
            keys.append(key)
    return remap[np.asarray(codes, dtype=np.int64)], keys


def _prebin_starts(count: npt.NDArray[np.int64], max_prebins: int) -> list[int]:
    """Equal-frequency prebins over ordered atoms (distinct values, or categories by bad rate).

    Returns the first atom of each prebin. With no more atoms than ``max_prebins`` every atom is
    a prebin, so the optimum is over every possible binning. Otherwise the cuts are the
    quantiles of the records; a heavy tie (one value held by many records) swallows several
    quantiles, and the prebins so lost are given back by splitting the largest prebins left
    that still hold two or more atoms.
    """
    n_atoms = len(count)
    if n_atoms <= max_prebins:
        return list(range(n_atoms))
    before = np.concatenate(([0], np.cumsum(count)))  # records before atom t
    total = float(before[-1])
    targets = total * np.arange(1, max_prebins) / max_prebins
    right = np.clip(np.searchsorted(before, targets), 1, n_atoms - 1)
    left = np.clip(right - 1, 1, n_atoms - 1)
    nearest = np.where(
        np.abs(before[left] - targets) <= np.abs(before[right] - targets), left, right
    )
    bounds = sorted({0, n_atoms, *(int(t) for t in nearest)})
    while len(bounds) - 1 < max_prebins:
        splittable = [(before[z] - before[a], a, z) for a, z in itertools.pairwise(bounds)]
        splittable = [item for item in splittable if item[2] - item[1] >= 2]
        if not splittable:
            break
        mass, a, z = max(splittable)
        middle = before[a] + mass / 2
        t = int(np.searchsorted(before[a + 1 : z], middle)) + a + 1
        t = min(max(t, a + 1), z - 1)
        if t - 1 > a and abs(before[t - 1] - middle) <= abs(before[t] - middle):
            t -= 1
        bisect.insort(bounds, t)
    return bounds[:-1]


def _tree_starts(
    count: npt.NDArray[np.int64], n_bad: npt.NDArray[np.int64], leaves: int
) -> list[int]:
    """Atom positions where a CART tree on (value -> bad) cuts, fitted on per-atom counts (two
    weighted rows per distinct value, so a million records cost their distinct values)."""
    from sklearn.tree import DecisionTreeClassifier

    n_atoms = len(count)
    position = np.repeat(np.arange(n_atoms, dtype=np.float64), 2).reshape(-1, 1)
    target = np.tile(np.array([0, 1]), n_atoms)
    weight = np.column_stack((count - n_bad, n_bad)).ravel().astype(np.float64)
    tree = DecisionTreeClassifier(
        max_leaf_nodes=max(2, leaves), min_weight_fraction_leaf=0.02, random_state=0
    )
    tree.fit(position, target, sample_weight=weight)
    cuts = tree.tree_.threshold[tree.tree_.feature >= 0]
    return sorted({0, *(min(n_atoms - 1, int(np.floor(c)) + 1) for c in cuts)})


class OptimalBinning(TransformerMixin, BaseEstimator):  # type: ignore[misc]  # scikit-learn is untyped
    """Optimal binning of one characteristic against a good/bad target (1 = bad).

    A scikit-learn transformer (``clone``, ``Pipeline``): ``x`` is a vector, or one column of a
    table (a one-column frame or ``(n, 1)`` array), and ``transform`` answers in the same shape.

    Parameters
    ----------
    name:
        The characteristic's name, used in error messages (``field``).
    dtype:
        ``"numerical"`` (ranges) or ``"categorical"`` (groups of categories; categories are
        compared by their text, ``str(value)``).
    monotonic_trend:
        How the bad rate must move across the regular bins, strictly: ``"ascending"``,
        ``"descending"``, ``"peak"`` (up then down), ``"valley"`` (down then up), ``"auto"`` (the
        better of ascending and descending by IV; ascending on a tie) or ``None`` (no trend;
        adjacent bins still differ). A peak or valley may turn out one-directional when that
        gives the most IV. For categories, bins follow the order of the bad rate, so "auto"
        realises "ascending".
    max_n_bins:
        Most regular bins (missing and special bins not counted).
    min_bin_size:
        Smallest regular bin: a fraction of the regular records if a float in (0, 1), a number of
        records if an integer >= 1.
    min_bin_n_bad, min_bin_n_good:
        Fewest bads / goods per regular bin (at least 1, so every WoE is finite).
    max_n_prebins:
        Quantile prebins of a number (or groups of categories) the optimiser chooses from, at most
        1000; a number with more distinct values also gets up to a quarter more cuts from a
        shallow classification tree, where the bad rate changes.
    special_values:
        Codes that are not values (e.g. -999 "no file"); each gets a bin of its own.

    Learned (after :meth:`fit`): ``bins_`` (regular bins in trend order, then missing, then one
    per special value), ``iv_`` (total IV), ``trend_`` (the trend applied: "ascending",
    "descending", "peak", "valley", or "none" when unconstrained), ``splits_`` (cut points of a
    number, the finite upper bounds of its range bins) and ``n_samples_`` (records used: those
    with a known target).

    If no binning meets the constraints, the regular values form one bin. Categories never seen
    in training get index :attr:`UNSEEN` and are scored like missing values (the missing bin's
    WoE, which is 0 when training had no missing values).
    """

    UNSEEN: ClassVar[int] = -2

    def __init__(
        self,
        name: str = "x",
        dtype: Literal["numerical", "categorical"] = "numerical",
        monotonic_trend: Trend = "auto",
        max_n_bins: int = 8,
        min_bin_size: float = 0.05,
        min_bin_n_bad: int = 1,
        min_bin_n_good: int = 1,
        max_n_prebins: int = 200,
        special_values: Sequence[float | str] = (),
    ) -> None:
        self.name = name
        self.dtype = dtype
        self.monotonic_trend = monotonic_trend
        self.max_n_bins = max_n_bins
        self.min_bin_size = min_bin_size
        self.min_bin_n_bad = min_bin_n_bad
        self.min_bin_n_good = min_bin_n_good
        self.max_n_prebins = max_n_prebins
        self.special_values = special_values
        # Checked here so a mistake shows where it is made, and again in fit (params can change).
        self._check_params()

    # -- parameters ------------------------------------------------------------------------
    def _check_params(self) -> list[float | str]:
        """Validate the parameters; return the special values, de-duplicated, in order."""
        if self.dtype not in _DTYPES:
            raise ValidationError(
                f"dtype must be one of {_DTYPES}", field="dtype", rule="one_of", value=self.dtype
            )
        if self.monotonic_trend not in _TRENDS:
            raise ValidationError(
                f"monotonic_trend must be one of {_TRENDS}",
                field="monotonic_trend",
                rule="one_of",
                value=self.monotonic_trend,
            )
        for param in ("max_n_bins", "min_bin_n_bad", "min_bin_n_good", "max_n_prebins"):
            number: object = getattr(self, param)
            if not _is_int(number) or cast(int, number) < 1:
                raise ValidationError(
                    f"{param} must be an integer >= 1", field=param, rule="integer_at_least_1"
                )
        if self.max_n_prebins > MAX_PREBINS:
            raise ValidationError(
                f"max_n_prebins must be at most {MAX_PREBINS}",
                field="max_n_prebins",
                rule=f"at_most_{MAX_PREBINS}",
            )
        if _min_size(self.min_bin_size) is None:
            raise ValidationError(
                "min_bin_size must be a fraction in (0, 1) or a count >= 1",
                field="min_bin_size",
                rule="fraction_or_count",
            )
        specials: list[float | str] = []
        if isinstance(self.special_values, str | bytes):
            raise ValidationError(field="special_values", rule="sequence")
        for raw in self.special_values:
            value: object = raw.item() if isinstance(raw, np.generic) else raw
            if self.dtype == "numerical":
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValidationError(
                        "special values of a number must be numbers",
                        field="special_values",
                        rule="numeric",
                    )
                if not math.isfinite(float(value)):
                    raise ValidationError(field="special_values", rule="finite")
                duplicate = any(float(value) == float(s) for s in specials)
            else:
                if value is None or (isinstance(value, float) and math.isnan(value)):
                    raise ValidationError(field="special_values", rule="not_missing")
                duplicate = any(str(value) == str(s) for s in specials)
            if not duplicate:
                specials.append(cast(float | str, value))
        return specials

    # -- fitting ---------------------------------------------------------------------------
    def fit(
        self, x: npt.ArrayLike | pd.Series[Any], y: npt.ArrayLike | pd.Series[Any]
    ) -> OptimalBinning:
        """Find the optimal bins of ``x`` for the target ``y`` (1 = bad, 0 = good).

        Records whose target is missing (NaN) are left out. Nothing is changed on error: the
        learned state is only replaced once the new binning is complete.
        """
        specials = self._check_params()
        x, _ = _one_column(x)
        _check_1d(x, "x")
        target = _as_float(y, "y", rule="binary_target")
        n_x = len(cast(Sized, x))
        if n_x != len(target):
            raise ValidationError(
                f"x has {n_x} values and y has {len(target)}", field="x", rule="same_length_as_y"
            )
        labelled = ~np.isnan(target)
        target = target[labelled]
        if not np.isin(target, (0.0, 1.0)).all():
            raise ValidationError("y must be 0 (good) or 1 (bad)", field="y", rule="binary_target")
        bad = target.astype(np.int64)
        total_bad = int(bad.sum())
        total_good = len(bad) - total_bad
        if total_bad == 0 or total_good == 0:
            raise ValidationError("y needs goods (0) and bads (1)", field="y", rule="both_classes")

        if self.dtype == "numerical":
            fitted = self._fit_numeric(_as_float(x, self.name)[labelled], bad, specials)
        else:
            codes, keys = _as_keys(x, self.name)
            fitted = self._fit_categorical(codes[labelled], keys, bad, specials)

        # Regular bins (already in trend order), then missing, then one per special value.
        rows = list(fitted.rows)
        rows.append(("missing", math.nan, math.nan, (), None, *_count(fitted.missing, bad)))
        for value, mask in zip(specials, fitted.special_masks, strict=True):
            rows.append(("special", math.nan, math.nan, (), value, *_count(mask, bad)))
        overall_rate = total_bad / len(bad)
        bins: list[Bin] = []
        for index, (kind, lower, upper, cats, special, count, n_bad) in enumerate(rows):
            good = count - n_bad
            woe, iv = _woe_iv(good, n_bad, total_good, total_bad)
            # An empty bin gets the average bad rate, matching its WoE of 0.
            rate = n_bad / count if count else overall_rate
            bins.append(
                Bin(index, kind, lower, upper, cats, special, count, n_bad, good, rate, woe, iv)
            )
        n_regular = len(fitted.rows)
        special_index: dict[float | str, int] = {}
        for offset, value in enumerate(specials):
            key: float | str = float(value) if self.dtype == "numerical" else str(value)
            special_index[key] = n_regular + 1 + offset

        self.bins_: list[Bin] = bins
        self.iv_: float = float(sum(b.iv for b in bins))
        self.trend_: str = fitted.trend
        self.splits_: npt.NDArray[np.float64] = fitted.splits
        self.n_samples_: int = len(bad)
        self._prebin_splits = fitted.prebin_splits  # kept for comparisons and diagnostics
        self._missing_index = n_regular
        self._special_index = special_index
        self._category_index = {c: b.index for b in bins for c in b.categories}
        self._splits_list = [float(v) for v in fitted.splits]
        self._woe = np.asarray([b.woe for b in bins], dtype=np.float64)
        self._rate = np.asarray([b.event_rate for b in bins], dtype=np.float64)
        return self

    def _fit_numeric(
        self,
        values: npt.NDArray[np.float64],
        bad: npt.NDArray[np.int64],
        specials: list[float | str],
    ) -> _Regular:
        if np.isinf(values).any():
            raise ValidationError(
                f"{self.name} has infinite values", field=self.name, rule="finite"
            )
        missing = np.isnan(values)
        present = values[~missing]
        if len(present) == 0 or present.min() == present.max():
            raise self._not_constant("is all missing or constant")
        special_masks = [values == float(s) for s in specials]
        regular = ~missing
        for mask in special_masks:
            regular &= ~mask
        if not regular.any():
            raise self._not_constant("has no value other than missing and special values")
        # Atoms are the distinct values; a cut at a value sends that value to the upper bin.
        distinct, atom, count = np.unique(values[regular], return_inverse=True, return_counts=True)
        weights = bad[regular]
        n_bad = np.bincount(atom, weights=weights, minlength=len(distinct)).round().astype(np.int64)
        groups, trend, starts = self._optimise(count.astype(np.int64), n_bad, bad)
        edges = np.concatenate((distinct, [np.inf]))
        edges[0] = -np.inf
        rows: list[_Row] = [
            ("range", float(edges[a]), float(edges[z]), (), None, c, nb)
            for (a, z), c, nb in zip(groups, *_group_counts(count, n_bad, groups), strict=True)
        ]
        splits = np.asarray([row[2] for row in rows[:-1]], dtype=np.float64)
        prebin_splits = distinct[starts[1:]].astype(np.float64)
        return _Regular(missing, special_masks, rows, splits, prebin_splits, trend)

    def _fit_categorical(
        self,
        codes: npt.NDArray[np.int64],
        keys: list[str],
        bad: npt.NDArray[np.int64],
        specials: list[float | str],
    ) -> _Regular:
        missing = codes < 0
        if len(np.unique(codes[~missing])) < 2:
            raise self._not_constant("is all missing or constant")
        position = {k: i for i, k in enumerate(keys)}
        special_masks = [
            codes == position[str(s)] if str(s) in position else np.zeros(len(codes), dtype=bool)
            for s in specials
        ]
        regular = ~missing
        for mask in special_masks:
            regular &= ~mask
        if not regular.any():
            raise self._not_constant("has no value other than missing and special values")
        count_all = np.bincount(codes[regular], minlength=len(keys))
        bad_all = np.bincount(codes[regular], weights=bad[regular], minlength=len(keys))
        # Atoms are the categories in order of bad rate (ties by text, so a refit gives the
        # same bins); highest first when the trend asked for is descending.
        sign = -1.0 if self.monotonic_trend == "descending" else 1.0
        order = sorted(
            np.flatnonzero(count_all), key=lambda k: (sign * bad_all[k] / count_all[k], keys[k])
        )
        count = count_all[order].astype(np.int64)
        n_bad = bad_all[order].round().astype(np.int64)
        groups, trend, _ = self._optimise(count, n_bad, bad)
        rows: list[_Row] = [
            ("categories", math.nan, math.nan, tuple(keys[k] for k in order[a:z]), None, c, nb)
            for (a, z), c, nb in zip(groups, *_group_counts(count, n_bad, groups), strict=True)
        ]
        empty = np.empty(0, dtype=np.float64)
        return _Regular(missing, special_masks, rows, empty, empty, trend)

    def _not_constant(self, detail: str) -> ValidationError:
        return ValidationError(f"{self.name} {detail}", field=self.name, rule="not_constant")

    def _min_count(self, n_regular: int) -> float:
        size = _min_size(self.min_bin_size)
        assert size is not None  # checked in _check_params
        if size[0] == "count":
            return size[1]
        # a hair of slack so that 0.05 of 1000 records is 50, not 51 after rounding error
        return float(math.ceil(size[1] * n_regular - 1e-9))

    def _optimise(
        self, count: npt.NDArray[np.int64], n_bad: npt.NDArray[np.int64], bad: npt.NDArray[np.int64]
    ) -> tuple[list[tuple[int, int]], str, list[int]]:
        """Prebin the ordered atoms and merge the prebins optimally.

        Returns the bins as [first, end) atom ranges, the trend applied and the prebin starts.
        """
        starts = _prebin_starts(count, self.max_n_prebins)
        if self.dtype == "numerical" and len(count) > self.max_n_prebins:
            # Quantile cuts ignore the target and blur a heavy tie (thousands of zero bills);
            # a shallow classification tree puts cuts where the bad rate changes. The exact
            # search gets both, within the same prebin budget.
            # Up to a quarter more cuts than ``max_n_prebins``. The tree reads fine quantile
            # buckets, not every distinct value: a million distinct amounts stay cheap.
            fine = _prebin_starts(count, min(len(count), 20 * self.max_n_prebins))
            tree = _tree_starts(
                np.add.reduceat(count, fine),
                np.add.reduceat(n_bad, fine),
                leaves=max(2, self.max_n_prebins // 4),
            )
            starts = sorted({fine[i] for i in tree} | set(starts))
        pre_count = np.add.reduceat(count, starts)
        pre_bad = np.add.reduceat(n_bad, starts)
        min_count = self._min_count(int(count.sum()))
        total_bad = int(bad.sum())
        trend = self.monotonic_trend
        if self.dtype == "categorical":
            # The atoms are already in order of bad rate, so the bins follow that order.
            trend = "descending" if trend == "descending" else "ascending"
        options: list[DirectionalTrend] = (
            ["ascending", "descending"] if trend == "auto" else [trend]
        )
        best: tuple[DirectionalTrend, Partition] | None = None
        for option in options:
            part = optimal_partition(
                pre_count,
                pre_bad,
                total_good=len(bad) - total_bad,
                total_bad=total_bad,
                max_n_bins=self.max_n_bins,
                min_count=min_count,
                min_bad=self.min_bin_n_bad,
                min_good=self.min_bin_n_good,
                trend=option,
            )
            if best is None or part.iv > best[1].iv + 1e-12:  # a tie keeps ascending
                best = (option, part)
        assert best is not None
        bounds = [*starts, len(count)]
        edges = [0, *(bounds[c] for c in best[1].boundaries), len(count)]
        return list(itertools.pairwise(edges)), best[0] or "none", starts

    # -- scoring ---------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "bins_"):
            raise ValidationError(
                f"fit the binning of {self.name} first", field=self.name, rule="fitted"
            )

    def bin_index(self, value: object) -> int:
        """The bin of one raw value (fast path for online scoring).

        Missing (None, NaN, pd.NA) goes to the missing bin; a category never seen in training
        gives :attr:`UNSEEN`.
        """
        self._check_fitted()
        if value is None or (np.ndim(cast(Any, value)) == 0 and bool(pd.isna(cast(Any, value)))):
            return self._missing_index
        if self.dtype == "categorical":
            key = str(value)
            special = self._special_index.get(key)
            if special is not None:
                return special
            return self._category_index.get(key, self.UNSEEN)
        # Decimal is welcome: money amounts are Decimal across finbrain.
        if isinstance(value, bool) or not isinstance(value, numbers.Real | Decimal):
            raise ValidationError(
                f"{self.name} must be a number, got {type(value).__name__}",
                field=self.name,
                rule="numeric",
            )
        number = float(value)
        if math.isinf(number):
            raise ValidationError(f"{self.name} must be finite", field=self.name, rule="finite")
        special = self._special_index.get(number)
        if special is not None:
            return special
        return bisect.bisect_right(self._splits_list, number)

    def _indices(self, x: object) -> npt.NDArray[np.int64]:
        if self.dtype == "categorical":
            codes, keys = _as_keys(x, self.name)
            lookup = np.asarray(
                [self._special_index.get(k, self._category_index.get(k, self.UNSEEN)) for k in keys]
                + [self._missing_index],  # code -1: missing
                dtype=np.int64,
            )
            return lookup[codes]
        values = _as_float(x, self.name)
        if np.isinf(values).any():
            raise ValidationError(
                f"{self.name} has infinite values", field=self.name, rule="finite"
            )
        index = np.searchsorted(self.splits_, values, side="right").astype(np.int64)
        index[np.isnan(values)] = self._missing_index
        for key, position in self._special_index.items():
            index[values == key] = position
        return index

    def transform(
        self, x: npt.ArrayLike | pd.Series[Any], metric: Metric = "woe"
    ) -> npt.NDArray[Any]:
        """Each value's bin WoE (default), bin index or bin bad rate, vectorised.

        Categories never seen in training get index :attr:`UNSEEN`; their WoE and bad rate are
        those of the missing bin (WoE 0 and the average bad rate when training had no missing).
        """
        self._check_fitted()
        if metric not in _METRICS:
            raise ValidationError(
                f"metric must be one of {_METRICS}", field="metric", rule="one_of", value=metric
            )
        x, table = _one_column(x)
        index = self._indices(x)
        out: npt.NDArray[Any]
        if metric == "index":
            out = index
        else:
            placed = np.where(index == self.UNSEEN, self._missing_index, index)
            out = (self._woe if metric == "woe" else self._rate)[placed]
        return out.reshape(-1, 1) if table else out

    def woe_of_index(self, index: int) -> float:
        """WoE of a bin index (as returned by :meth:`bin_index`); UNSEEN scores as missing."""
        self._check_fitted()
        if index == self.UNSEEN:
            return float(self._woe[self._missing_index])
        if isinstance(index, bool) or not 0 <= index < len(self.bins_):
            raise ValidationError(
                f"no bin {index} in {self.name}", field="index", rule="valid_bin_index"
            )
        return float(self._woe[index])

    def table(self) -> pd.DataFrame:
        """The binning table an analyst reviews: one row per bin and a Totals row."""
        self._check_fitted()
        n = self.n_samples_
        rows = [
            {
                "bin": b.label(),
                "count": b.count,
                "count%": b.count / n,
                "bad": b.bad,
                "good": b.good,
                "event_rate": b.event_rate,
                "woe": b.woe,
                "iv": b.iv,
            }
            for b in self.bins_
        ]
        bad = sum(b.bad for b in self.bins_)
        rows.append(
            {
                "bin": "Totals",
                "count": n,
                "count%": 1.0,
                "bad": bad,
                "good": n - bad,
                "event_rate": bad / n,
                "woe": math.nan,
                "iv": self.iv_,
            }
        )
        return pd.DataFrame(rows)


# (kind, lower, upper, categories, special value, count, bad) of a bin about to be made
_Row = tuple[BinKind, float, float, tuple[str, ...], float | str | None, int, int]


class _Regular(NamedTuple):
    """What fitting the regular values yields, before the bins are assembled."""

    missing: npt.NDArray[np.bool_]
    special_masks: list[npt.NDArray[np.bool_]]
    rows: list[_Row]
    splits: npt.NDArray[np.float64]
    prebin_splits: npt.NDArray[np.float64]
    trend: str


def _group_counts(
    count: npt.NDArray[Any], n_bad: npt.NDArray[Any], groups: list[tuple[int, int]]
) -> tuple[list[int], list[int]]:
    """Records and bads of each bin, given as [first, end) ranges of atoms."""
    starts = [a for a, _ in groups]
    return (
        [int(c) for c in np.add.reduceat(count, starts)],
        [int(b) for b in np.add.reduceat(n_bad, starts)],
    )


def _count(mask: npt.NDArray[np.bool_], bad: npt.NDArray[np.int64]) -> tuple[int, int]:
    return int(mask.sum()), int(bad[mask].sum())
