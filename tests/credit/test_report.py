"""The model report: one self-contained HTML file with every section a validator needs."""

from __future__ import annotations

import re

from sklearn.model_selection import train_test_split

from finbrain.credit.report import build_report, fairness
from finbrain.credit.scorecard import Scorecard
from finbrain.datasets import load_german


def test_report_is_complete_and_self_contained(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = load_german()
    X, y = data.drop(columns=["creditability"]), data["creditability"].to_numpy()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    card = Scorecard().fit(X_train, y_train)
    html = build_report(
        card,
        X_train,
        y_train,
        X_test,
        y_test,
        title="German scorecard",
        protected="personal_status_and_sex",
    )
    for section in [
        "1. Model card",
        "2. Discrimination",
        "3. Information value",
        "4. Bins and weight of evidence",
        "5. Scorecard points",
        "6. Stability",
        "7. Fairness",
        "8. Reason catalogue",
    ]:
        assert section in html
    assert html.count("<svg") >= 4 + len(card.selected_)
    assert not re.search(r'(src|href)="https?://', html)  # nothing fetched from outside
    assert "<script" not in html
    assert "Adverse-impact ratio" in html and "CR-" in html
    (tmp_path / "report.html").write_text(html)


def test_fairness_ratio() -> None:
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({"g": ["a"] * 50 + ["b"] * 50})
    approved = np.array([True] * 40 + [False] * 10 + [True] * 25 + [False] * 25)
    rows, ratio = fairness(frame, approved, "g")
    assert [r["approval_rate"] for r in rows] == [0.8, 0.5]
    assert ratio == 0.5 / 0.8
    assert fairness(frame, approved, None) == ([], None)
