"""The exact optimiser behind optimal binning: merge ordered prebins to maximise IV.

The prebins (quantile ranges of a number, or groups of categories ordered by event rate) are
kept in order; a binning is a choice of boundaries between them. Information value is a sum over
bins, so a dynamic programme over "where does the last bin start and end" is exact:

    best(k, i, j) = IV(bins i..j-1) + max over h of best(k - 1, h, i)
                    among previous bins [h, i) whose event rate stands in the required relation
                    to the event rate of [i, j) (lower for an ascending trend, and so on).

For each (k, i) the candidates h are sorted by event rate once, and a prefix (or suffix) maximum
answers every j with one binary search, so the whole search costs O(B * P^2 * log P) for P
prebins and at most B bins: a few milliseconds for P = 50. A unimodal trend (peak or valley)
adds a phase to the state: still rising, or already falling after the top (and vice versa).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

DirectionalTrend = Literal["ascending", "descending", "peak", "valley"] | None

# A relation between the previous bin's event rate and the next one's.
_LT, _GT, _NE = "lt", "gt", "ne"  # previous < next, previous > next, previous != next

# (number of phases, starting phase, allowed steps (from phase, to phase, relation)); a
# binning may end in any phase, so a peak that only rises is a peak with its top at the end.
_PLANS: dict[str | None, tuple[int, int, tuple[tuple[int, int, str], ...]]] = {
    "ascending": (1, 0, ((0, 0, _LT),)),
    "descending": (1, 0, ((0, 0, _GT),)),
    # phase 0 = rising (the top may still come), 1 = falling after the top
    "peak": (2, 0, ((0, 0, _LT), (0, 1, _GT), (1, 1, _GT))),
    # phase 0 = falling (the bottom may still come), 1 = rising after the bottom
    "valley": (2, 0, ((0, 0, _GT), (0, 1, _LT), (1, 1, _LT))),
    # no trend: adjacent bins only need different event rates (equal ones add no IV)
    None: (1, 0, ((0, 0, _NE),)),
}

# Bounds the search's memory (pointers are int16) and time (about a second at the bound).
MAX_PREBINS = 1000

# Ties in IV within this margin go to the binning with fewer bins.
_TIE = 1e-12


@dataclass(frozen=True)
class Partition:
    """Boundaries between prebins (0 < b < P, sorted) and the IV of the resulting bins."""

    boundaries: tuple[int, ...]
    iv: float


def bin_iv(
    good: npt.NDArray[np.float64] | float,
    bad: npt.NDArray[np.float64] | float,
    total_good: float,
    total_bad: float,
) -> npt.NDArray[np.float64]:
    """IV term (good% - bad%) * ln(good% / bad%) of bins with at least one good and one bad."""
    pg = np.asarray(good, dtype=np.float64) / total_good
    pb = np.asarray(bad, dtype=np.float64) / total_bad
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray((pg - pb) * np.log(pg / pb), dtype=np.float64)


def optimal_partition(
    count: npt.ArrayLike,
    bad: npt.ArrayLike,
    *,
    total_good: float,
    total_bad: float,
    max_n_bins: int,
    min_count: float,
    min_bad: int,
    min_good: int,
    trend: DirectionalTrend,
) -> Partition:
    """The IV-maximising merge of consecutive prebins under the constraints.

    ``count`` and ``bad`` hold each prebin's number of records and of bads (in order). A bin
    needs ``count >= min_count``, ``bad >= min_bad`` and ``good >= min_good``; adjacent bins'
    event rates must follow ``trend`` strictly (a "peak" that only rises or only falls is
    accepted: its top is at an end). ``total_good`` / ``total_bad`` are the whole sample's
    totals (missing and special records included), the denominators of WoE. When not even the
    single bin holding every prebin meets the constraints, that single bin is returned anyway.
    """
    n = np.asarray(count, dtype=np.int64)
    b = np.asarray(bad, dtype=np.int64)
    p = len(n)
    if trend not in _PLANS:
        raise ValueError(f"unknown trend {trend!r}")
    if p == 0:
        return Partition((), 0.0)
    if p > MAX_PREBINS:
        raise ValueError(f"at most {MAX_PREBINS} prebins, got {p}")
    cn = np.concatenate(([0], np.cumsum(n)))
    cb = np.concatenate(([0], np.cumsum(b)))
    # [i, j] describes the bin made of prebins i..j-1.
    cnt = cn[None, :] - cn[:, None]
    bads = cb[None, :] - cb[:, None]
    goods = cnt - bads
    upper = np.triu(np.ones((p + 1, p + 1), dtype=bool), k=1)
    feasible = upper & (cnt >= min_count) & (bads >= min_bad) & (goods >= min_good)
    feasible &= (bads > 0) & (goods > 0)  # WoE must be finite inside the trend
    whole = float(bin_iv(goods[0, p], bads[0, p], total_good, total_bad))
    if not feasible[0, p]:
        return Partition((), whole if np.isfinite(whole) else 0.0)
    iv = np.where(feasible, bin_iv(goods, bads, total_good, total_bad), -np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(upper, bads / np.maximum(cnt, 1), np.nan)

    n_phases, first, transitions = _PLANS[trend]
    # no more bins than prebins, nor than records allow at the minimum bin size
    n_bins = max(1, min(max_n_bins, p, int(cn[-1] // max(min_count, 1))))
    # value[phase][i, j]: best IV of k bins covering prebins 0..j-1, the last one being [i, j).
    value = np.full((n_phases, p + 1, p + 1), -np.inf)
    value[first, 0, :] = iv[0, :]
    # start[k - 2][phase, i, j] and phase_of[k - 2][phase, i, j]: the bin before [i, j) on the
    # best path of k bins (compact types: these pointers are the memory the search needs).
    start: list[npt.NDArray[np.int16]] = []
    phase_of: list[npt.NDArray[np.int8]] = []
    best_iv, best_end = float(value[first, 0, p]), (1, first, 0)
    for k in range(2, n_bins + 1):
        new = np.full_like(value, -np.inf)
        ptr_h = np.full((n_phases, p + 1, p + 1), -1, np.int16)
        ptr_phase = np.zeros((n_phases, p + 1, p + 1), np.int8)
        for src, dst, relation in transitions:
            for i in range(1, p):
                prev = value[src, :i, i]
                alive = np.isfinite(prev)
                if not alive.any():
                    continue
                hs = np.flatnonzero(alive)
                order = np.argsort(rate[hs, i], kind="stable")
                hs = hs[order]
                rates, vals = rate[hs, i], prev[hs]
                js = np.arange(i + 1, p + 1)
                ok = np.isfinite(iv[i, js])
                if not ok.any():
                    continue
                js = js[ok]
                target = rate[i, js]
                cand = np.full(len(js), -np.inf)
                arg = np.full(len(js), -1, dtype=np.int64)
                if relation in (_LT, _NE):
                    # previous rate strictly below the new one: a prefix of the sorted list
                    run = np.maximum.accumulate(vals)
                    where = np.maximum.accumulate(np.where(vals == run, np.arange(len(vals)), 0))
                    m = np.searchsorted(rates, target, side="left")
                    has = m > 0
                    cand[has] = run[m[has] - 1]
                    arg[has] = hs[where[m[has] - 1]]
                if relation in (_GT, _NE):
                    # previous rate strictly above the new one: a suffix of the sorted list
                    rv = vals[::-1]
                    run = np.maximum.accumulate(rv)
                    where = np.maximum.accumulate(np.where(rv == run, np.arange(len(rv)), 0))
                    m = np.searchsorted(rates, target, side="right")
                    size = len(vals) - m  # how many candidates lie above
                    has = size > 0
                    above = np.full(len(js), -np.inf)
                    above[has] = run[size[has] - 1]
                    better = above > cand
                    cand[better] = above[better]
                    arg[better] = hs[len(vals) - 1 - where[size[better] - 1]]
                total = cand + iv[i, js]
                improve = total > new[dst, i, js]
                if improve.any():
                    jj = js[improve]
                    new[dst, i, jj] = total[improve]
                    ptr_h[dst, i, jj] = arg[improve]
                    ptr_phase[dst, i, jj] = src
        value = new
        start.append(ptr_h)
        phase_of.append(ptr_phase)
        for phase in range(n_phases):
            col = value[phase, :, p]
            i = int(np.argmax(col))
            if col[i] > best_iv + _TIE:
                best_iv, best_end = float(col[i]), (k, phase, i)

    # Walk the pointers back from the best last bin.
    k, phase, i = best_end
    cuts: list[int] = []
    j = p
    while k > 1:
        cuts.append(i)
        h, prev_phase = start[k - 2][phase, i, j], phase_of[k - 2][phase, i, j]
        i, j, phase, k = int(h), i, int(prev_phase), k - 1
    return Partition(tuple(sorted(cuts)), best_iv)
