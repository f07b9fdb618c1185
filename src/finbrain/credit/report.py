"""One self-contained HTML report per model: development documentation a validator can read
offline (SR 11-7 / JR/T 0221 style). Charts are inline SVG drawn here: no script, no network.

Sections: model card, discrimination (ROC, KS, score distributions), calibration by decile,
stability (PSI/CSI development vs hold-out), IV ranking and every feature's bins with WoE,
the points table, a fairness check of approval rates across each protected attribute (by default
the ones the scorecard was kept from using; with the four-fifths adverse-impact ratio), and the
reason catalogue used for declines.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import math
from collections.abc import Sequence
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment
from sklearn.metrics import roc_auc_score, roc_curve

from finbrain.core.canonical import digest
from finbrain.credit.monitoring import flag, psi_from_counts, score_psi
from finbrain.credit.reasons import feature_info
from finbrain.credit.scorecard import Scorecard

W, H, PAD = 420, 260, 36


def _scale(values: Sequence[float], lo: float, hi: float, a: float, b: float) -> list[float]:
    span = (hi - lo) or 1.0
    return [a + (v - lo) / span * (b - a) for v in values]


def svg_lines(
    series: list[tuple[str, Sequence[float], Sequence[float], str]],
    *,
    x_label: str,
    y_label: str,
    diagonal: bool = False,
) -> str:
    xs = [x for _, sx, _, _ in series for x in sx]
    ys = [y for _, _, sy, _ in series for y in sy]
    x0, x1, y0, y1 = min(xs), max(xs), min(0.0, min(ys)), max(ys)
    parts = [
        f'<svg viewBox="0 0 {W} {H}" class="chart" role="img">',
        f'<rect x="{PAD}" y="10" width="{W - PAD - 10}" height="{H - PAD - 10}" '
        'fill="none" stroke="#ccd"/>',
    ]
    if diagonal:
        parts.append(
            f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - 10}" y2="10" stroke="#bbb" '
            'stroke-dasharray="4"/>'
        )
    for i, (name, sx, sy, colour) in enumerate(series):
        px = _scale(list(sx), x0, x1, PAD, W - 10)
        py = _scale(list(sy), y0, y1, H - PAD, 10)
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
        parts.append(
            f'<text x="{PAD + 8}" y="{24 + 14 * i}" fill="{colour}" font-size="11">'
            f"{html.escape(name)}</text>"
        )
    parts.append(
        f'<text x="{W / 2}" y="{H - 6}" font-size="11" text-anchor="middle">'
        f"{html.escape(x_label)}</text>"
    )
    parts.append(
        f'<text x="10" y="{H / 2}" font-size="11" transform="rotate(-90 10 {H / 2})" '
        f'text-anchor="middle">{html.escape(y_label)}</text>'
    )
    parts.append(
        f'<text x="{PAD}" y="{H - PAD + 14}" font-size="10">{x0:.3g}</text>'
        f'<text x="{W - 10}" y="{H - PAD + 14}" font-size="10" text-anchor="end">'
        f"{x1:.3g}</text>"
    )
    return "".join(parts) + "</svg>"


def svg_bars(labels: Sequence[str], values: Sequence[float], *, colour: str = "#1565c0") -> str:
    """Horizontal bars (e.g. WoE per bin), negative to the left of the axis."""
    height = 18 * len(labels) + 20
    lo, hi = min(0.0, *values), max(0.0, *values)
    zero = _scale([0.0], lo, hi, 150, W - 10)[0]
    parts = [f'<svg viewBox="0 0 {W} {height}" class="bars" role="img">']
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = _scale([value], lo, hi, 150, W - 10)[0]
        y = 10 + 18 * i
        left, width = min(x, zero), abs(x - zero)
        fill = colour if value >= 0 else "#c62828"
        parts.append(
            f'<text x="145" y="{y + 11}" font-size="10" text-anchor="end">'
            f"{html.escape(label[:28])}</text>"
        )
        parts.append(
            f'<rect x="{left:.1f}" y="{y}" width="{max(width, 0.5):.1f}" height="13" '
            f'fill="{fill}"/><text x="{max(x, zero) + 3:.1f}" y="{y + 11}" '
            f'font-size="10">{value:.3f}</text>'
        )
    parts.append(f'<line x1="{zero:.1f}" y1="5" x2="{zero:.1f}" y2="{height - 5}" stroke="#555"/>')
    return "".join(parts) + "</svg>"


def _histograms(score_good: np.ndarray, score_bad: np.ndarray) -> str:
    edges = np.linspace(
        min(score_good.min(), score_bad.min()), max(score_good.max(), score_bad.max()), 21
    )
    centres = ((edges[:-1] + edges[1:]) / 2).tolist()
    good = np.histogram(score_good, edges)[0] / max(len(score_good), 1)
    bad = np.histogram(score_bad, edges)[0] / max(len(score_bad), 1)
    return svg_lines(
        [("good", centres, good.tolist(), "#2e7d32"), ("bad", centres, bad.tolist(), "#c62828")],
        x_label="score",
        y_label="share",
    )


_BANDS = 4  # a numeric attribute (age) is reported in quartile bands
_MAX_GROUPS = 10


def _bands(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Quartile bands of a numeric attribute: each value's band label, and the labels in order."""
    numbers = values.astype(float)
    edges = np.unique(np.quantile(numbers.dropna(), np.linspace(0, 1, _BANDS + 1)))
    if pd.api.types.is_integer_dtype(values.dtype):
        edges = np.unique(np.round(edges))
    labels = [
        f"[{lo:g}, {hi:g}{']' if i == len(edges) - 2 else ')'}"
        for i, (lo, hi) in enumerate(itertools.pairwise(edges))
    ]
    position = np.searchsorted(edges, numbers.to_numpy(), side="right") - 1
    index = np.clip(position, 0, len(labels) - 1)
    band = np.array(labels, dtype=object)[index]
    band[numbers.isna().to_numpy()] = "missing"
    return band, [*labels, "missing"]


def fairness(
    frame: pd.DataFrame, approved: np.ndarray, attribute: str | None
) -> tuple[list[dict[str, Any]], float | None]:
    """Approval rate per group of a protected attribute and the adverse-impact ratio
    (lowest rate / highest rate; below 0.8 fails the four-fifths rule). A numeric attribute
    with many values (age) is grouped in quartile bands."""
    if not attribute or attribute not in frame.columns:
        return [], None
    column = frame[attribute]
    numeric = pd.api.types.is_numeric_dtype(column.dtype) and not (
        pd.api.types.is_bool_dtype(column.dtype) or isinstance(column.dtype, pd.CategoricalDtype)
    )
    if numeric and column.nunique() > _MAX_GROUPS:
        groups, order = _bands(column)
    else:
        groups = column.astype(str).to_numpy()
        order = sorted(set(groups))
    rows: list[dict[str, Any]] = []
    for group in order:
        mask = groups == group
        if not mask.any():
            continue
        rows.append(
            {
                "group": group,
                "count": int(mask.sum()),
                "approval_rate": float(approved[mask].mean()),
            }
        )
    rates = [r["approval_rate"] for r in rows if r["count"] >= 20]
    ratio = min(rates) / max(rates) if rates and max(rates) > 0 else None
    return rows, ratio


def fairness_checks(
    frame: pd.DataFrame, approved: np.ndarray, attributes: Sequence[str]
) -> list[dict[str, Any]]:
    """:func:`fairness` for each attribute present in ``frame``: attribute, groups, impact."""
    checks = []
    for attribute in attributes:
        groups, impact = fairness(frame, approved, attribute)
        if groups:
            checks.append({"attribute": attribute, "groups": groups, "impact": impact})
    return checks


def build_report(
    card: Scorecard,
    X_train: pd.DataFrame,  # noqa: N803
    y_train: Any,
    X_test: pd.DataFrame,  # noqa: N803
    y_test: Any,
    *,
    title: str = "Scorecard",
    protected: str | Sequence[str] | None = None,
    approve_below_pd: float = 0.15,
    language: str = "en",
) -> str:
    """The HTML report. ``protected``: the attributes whose approval rates the fairness section
    compares; by default the ones the scorecard left out of its features (``protected_``)."""
    y_tr, y_te = np.asarray(y_train, dtype=float), np.asarray(y_test, dtype=float)
    s_tr, s_te = card.points(X_train), card.points(X_test)
    fpr, tpr, _ = roc_curve(y_te, -s_te)
    auc_train, auc_test = roc_auc_score(y_tr, -s_tr), roc_auc_score(y_te, -s_te)
    order = np.argsort(s_te)
    cum_bad = np.cumsum(y_te[order]) / max(y_te.sum(), 1)
    cum_good = np.cumsum(1 - y_te[order]) / max((1 - y_te).sum(), 1)
    ks = float(np.max(np.abs(cum_bad - cum_good)))
    step = max(len(order) // 200, 1)
    pd_test = card.predict_proba(X_test)[:, 1]
    deciles = pd.qcut(pd.Series(pd_test).rank(method="first"), 10, labels=False)
    cal = pd.DataFrame({"pd": pd_test, "bad": y_te, "d": deciles}).groupby("d").mean()
    approved = pd_test < approve_below_pd
    if protected is None:
        attributes = list(getattr(card, "protected_", []))
    else:
        attributes = [protected] if isinstance(protected, str) else list(protected)
    checks = fairness_checks(X_test, approved, attributes)
    psi = score_psi(s_tr, s_te)
    csi = []
    for name, cf in card.compiled_.items():
        a = card._feature_points(cf, X_train[name])
        b = card._feature_points(cf, X_test[name])
        keys = np.union1d(a, b)
        value = psi_from_counts(
            np.array([(a == k).sum() for k in keys], dtype=float),
            np.array([(b == k).sum() for k in keys], dtype=float),
        )
        csi.append({"feature": name, "csi": value, "flag": flag(value)})
    features = []
    for name in card.selected_:
        info = feature_info(name)
        binner = card.binners_[name]
        bins = [b for b in binner.bins_ if b.count > 0]
        features.append(
            {
                "name": name,
                "title": info.zh if language == "zh" else info.en,
                "code": info.code,
                "iv": card.iv_[name],
                "trend": binner.trend_,
                "table": binner.table().to_dict(orient="records"),
                "chart": svg_bars([b.label() for b in bins], [b.woe for b in bins]),
            }
        )
    template = resources.files("finbrain.credit").joinpath("report.html").read_text("utf-8")
    env = Environment(autoescape=True)
    return env.from_string(template).render(
        title=title,
        language=language,
        now=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        data_digest=digest(
            {
                "train": len(X_train),
                "test": len(X_test),
                "columns": list(map(str, X_train.columns)),
                "bad_train": float(y_tr.sum()),
                "bad_test": float(y_te.sum()),
            }
        ),
        n_train=len(X_train),
        n_test=len(X_test),
        bad_rate=float(np.mean(np.r_[y_tr, y_te])),
        auc_train=auc_train,
        auc_test=auc_test,
        ks=ks,
        psi=psi,
        psi_flag=flag(psi),
        roc=svg_lines(
            [("ROC", fpr.tolist(), tpr.tolist(), "#1565c0")],
            x_label="false positive rate",
            y_label="true positive rate",
            diagonal=True,
        ),
        ks_chart=svg_lines(
            [
                ("bad", s_te[order][::step].tolist(), cum_bad[::step].tolist(), "#c62828"),
                ("good", s_te[order][::step].tolist(), cum_good[::step].tolist(), "#2e7d32"),
            ],
            x_label="score",
            y_label="cumulative share",
        ),
        distribution=_histograms(s_te[y_te == 0], s_te[y_te == 1]),
        calibration=svg_lines(
            [("observed", cal["pd"].tolist(), cal["bad"].tolist(), "#6a1b9a")],
            x_label="predicted PD",
            y_label="observed default rate",
            diagonal=True,
        ),
        calibration_rows=cal.reset_index().to_dict(orient="records"),
        iv=sorted(((f, card.iv_[f], f in card.selected_) for f in card.iv_), key=lambda r: -r[1]),
        dropped=card.dropped_,
        features=features,
        csi=csi,
        points=card.table(language).to_dict(orient="records"),
        fairness_checks=checks,
        protected_features=list(getattr(card, "protected_", [])),
        approve_below_pd=approve_below_pd,
        reasons=[feature_info(f) for f in card.selected_],
        isfinite=math.isfinite,
    )
